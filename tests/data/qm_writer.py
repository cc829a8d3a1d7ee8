"""Writes minimal Qt ``.qm`` files for tests (the inverse of ``st_unimr.data.qm_reader``)."""

from __future__ import annotations

import struct
from pathlib import Path

from st_unimr.data.qm_reader import QM_MAGIC

__all__ = ["write_qm"]


def _field(tag: int, data: bytes) -> bytes:
    return bytes([tag]) + struct.pack(">I", len(data)) + data


def write_qm(path: Path, messages: list[tuple[str, str, str]]) -> Path:
    """Write ``(context, source, translation)`` messages as a ``.qm`` file."""
    body = b""
    for context, source, translation in messages:
        body += _field(3, translation.encode("utf-16-be"))
        body += bytes([5]) + b"\x00\x00\x00\x01"  # obsolete hash record, skipped by the reader
        body += _field(6, source.encode("utf-8")) + _field(7, context.encode("utf-8"))
        body += bytes([1])
    language = _field(0xA7, b"de")
    path.write_bytes(QM_MAGIC + language + _field(0x69, body))
    return path
