from __future__ import annotations

import hashlib
import re
from pathlib import Path

from st_unimr.data.errors import DataSourceError
from st_unimr.data.langs import normalise_lang
from st_unimr.data.pins import GCOMPRIS
from st_unimr.data.qm_reader import read_qm

__all__ = ["read_gcompris"]

TRANSLATIONS_DIR = "usr/share/gcompris-qt/translations"
_MARKUP = re.compile(r"<[^>]+>")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", _MARKUP.sub(" ", text)).strip()


def read_gcompris(root: Path | None = None, min_words: int = 3) -> list[dict[str, str]]:
    """English–X sentence pairs from the GCompris Qt translation catalogues (``translations/*.qm`` only).

    The images of ``gcompris-qt-data`` are reserved for an external check and are never opened here. Markup is
    stripped; strings with fewer than ``min_words`` words, placeholders (``%1``) or a translation equal to the
    source are dropped. ``concept_id`` is ``text:`` + a hash of the English sentence.

    Returns:
        Rows with the ``text_pairs`` schema.

    Raises:
        DataSourceError: A ``.qm`` file is malformed; names package and file.

    Example:
        ::

            from st_unimr.data.sources import read_gcompris

            pairs = read_gcompris()
    """
    package = GCOMPRIS.key
    root = Path(root) if root is not None else GCOMPRIS.unpack()
    folder = root / TRANSLATIONS_DIR
    files = sorted(folder.glob("gcompris_*.qm"))
    if not files:
        raise DataSourceError(package, TRANSLATIONS_DIR, "no gcompris_*.qm catalogues found")
    rows: list[dict[str, str]] = []
    for qm in files:
        lang = normalise_lang(qm.stem.removeprefix("gcompris_"))
        if lang.startswith("en"):
            continue
        seen: set[str] = set()
        for msg in read_qm(qm, package):
            source, target = _clean(msg.source), _clean(msg.translation)
            if len(source.split()) < min_words or "%" in source or "%" in target or source == target:
                continue
            if source in seen:
                continue
            seen.add(source)
            digest = hashlib.sha256(source.lower().encode()).hexdigest()[:16]
            rows.append(
                {
                    "anchor": source,
                    "positive": target,
                    "lang_anchor": "en",
                    "lang_positive": lang,
                    "concept_id": f"text:{digest}",
                    "source": "gcompris",
                }
            )
    return rows
