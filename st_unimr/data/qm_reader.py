from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from st_unimr.data.errors import DataSourceError

__all__ = ["QM_MAGIC", "QmMessage", "read_qm"]

QM_MAGIC = bytes.fromhex("3CB86418CAEF9C95CD211CBF60A1BDDD")

_BLOCK_MESSAGES = 0x69
_TAG_END, _TAG_SOURCE16, _TAG_TRANSLATION, _TAG_CONTEXT16 = 1, 2, 3, 4
_TAG_OBSOLETE1, _TAG_SOURCE, _TAG_CONTEXT, _TAG_COMMENT, _TAG_OBSOLETE2 = 5, 6, 7, 8, 9
_NULL = 0xFFFFFFFF


@dataclass(frozen=True)
class QmMessage:
    """One message of a compiled Qt translation file.

    Attributes:
        context: The message's context (usually the QML/C++ class), ``""`` if absent.
        source: The untranslated (English) source text.
        translation: The first translation form (plural forms beyond the first are dropped).
        comment: The disambiguation comment, ``""`` if absent.
    """

    context: str
    source: str
    translation: str
    comment: str = ""


def read_qm(path: str | Path, package: str = "local") -> list[QmMessage]:
    """Read the messages of a Qt ``.qm`` file.

    Format: a 16-byte magic, then blocks (``uint8`` tag, ``uint32`` big-endian length, payload). The messages
    block (tag ``0x69``) holds records of ``uint8`` tags: 3 = translation (``uint32`` length, UTF-16-BE,
    ``0xFFFFFFFF`` = null), 6 = source text, 7 = context, 8 = comment (``uint32`` length, UTF-8), 5 = hash
    (4 bytes, skipped), 1 = end of message. Messages without a source text or translation are skipped.

    Args:
        path: The ``.qm`` file.
        package: The package the file came from, used in error messages.

    Returns:
        The messages in file order.

    Raises:
        DataSourceError: The file is not a valid ``.qm`` file; the message names the package and file.

    Example:
        ::

            from st_unimr.data.qm_reader import read_qm

            for msg in read_qm("gcompris_de.qm"):
                print(msg.source, "->", msg.translation)
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataSourceError(package, str(path), f"cannot read file: {exc}") from exc
    if not data.startswith(QM_MAGIC):
        raise DataSourceError(package, str(path), "not a Qt .qm file (bad magic number)")
    messages: list[QmMessage] = []
    pos = len(QM_MAGIC)
    while pos < len(data):
        if pos + 5 > len(data):
            raise DataSourceError(package, str(path), f"truncated block header at byte {pos}")
        tag = data[pos]
        (length,) = struct.unpack_from(">I", data, pos + 1)
        start, end = pos + 5, pos + 5 + length
        if end > len(data):
            raise DataSourceError(package, str(path), f"block 0x{tag:02x} at byte {pos} runs past end of file")
        if tag == _BLOCK_MESSAGES:
            messages.extend(_read_messages(data, start, end, package, path))
        pos = end
    return messages


def _read_messages(data: bytes, pos: int, end: int, package: str, path: Path) -> list[QmMessage]:
    out: list[QmMessage] = []
    fields: dict[str, str] = {}
    translations: list[str] = []
    while pos < end:
        tag = data[pos]
        pos += 1
        if tag == _TAG_END:
            source = fields.get("source", "")
            if source and translations and translations[0]:
                out.append(QmMessage(fields.get("context", ""), source, translations[0], fields.get("comment", "")))
            fields, translations = {}, []
        elif tag == _TAG_OBSOLETE1:
            pos += 4
        elif tag in (_TAG_TRANSLATION, _TAG_SOURCE16, _TAG_CONTEXT16, _TAG_SOURCE, _TAG_CONTEXT, _TAG_COMMENT, 9):
            if pos + 4 > end:
                raise DataSourceError(package, str(path), f"truncated record length at byte {pos}")
            (length,) = struct.unpack_from(">I", data, pos)
            pos += 4
            if length == _NULL:
                continue
            if pos + length > end:
                raise DataSourceError(package, str(path), f"record (tag {tag}) at byte {pos} runs past its block")
            raw = data[pos : pos + length]
            pos += length
            try:
                if tag == _TAG_TRANSLATION:
                    translations.append(raw.decode("utf-16-be"))
                elif tag in (_TAG_SOURCE, _TAG_SOURCE16):
                    fields["source"] = raw.decode("utf-8") if tag == _TAG_SOURCE else raw.decode("utf-16-be")
                elif tag in (_TAG_CONTEXT, _TAG_CONTEXT16):
                    fields["context"] = raw.decode("utf-8") if tag == _TAG_CONTEXT else raw.decode("utf-16-be")
                elif tag == _TAG_COMMENT:
                    fields["comment"] = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataSourceError(package, str(path), f"undecodable text in record at byte {pos}: {exc}") from exc
        else:
            raise DataSourceError(package, str(path), f"unknown message record tag {tag} at byte {pos - 1}")
    if fields or translations:
        raise DataSourceError(package, str(path), "messages block ends inside a message (missing end tag)")
    return out
