from __future__ import annotations

import re
from pathlib import Path

from st_unimr.data.concepts import Concept, name_concept_id
from st_unimr.data.errors import DataSourceError
from st_unimr.data.images import open_image
from st_unimr.data.langs import normalise_lang
from st_unimr.data.pins import TUXPAINT

__all__ = ["read_tuxpaint", "parse_caption_file", "SKIPPED_FOLDERS"]

STAMPS_DIR = "usr/share/tuxpaint/stamps"
#: Letters, digits, maths and music symbols: captions name glyphs, not depicted things.
SKIPPED_FOLDERS = ("symbols/alphabets", "symbols/math", "symbols/music")
_LINE = re.compile(r"^([A-Za-z]{2,3}(?:_[A-Za-z]{2})?(?:@[A-Za-z]+)?)(?:\.[Uu][Tt][Ff]-?8)?=(.*)$")


def parse_caption_file(path: Path, package: str = "local") -> dict[str, str]:
    """Parse a Tux Paint stamp description: line 1 English, then ``xx.utf8=...`` lines.

    Raises:
        DataSourceError: Unreadable file or no English caption; names package and file.

    Example:
        ::

            parse_caption_file(Path("badger.txt"))  # {'en': 'A badger.', 'de': 'Ein Dachs.', ...}
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataSourceError(package, str(path), f"unreadable caption file: {exc}") from exc
    if not lines or not lines[0].strip() or _LINE.match(lines[0]):
        raise DataSourceError(package, str(path), "first line must be the English caption", line=1)
    captions = {"en": lines[0].strip()}
    for line in lines[1:]:
        match = _LINE.match(line.strip())
        if match and match.group(2).strip():
            lang = normalise_lang(match.group(1))
            if not lang.startswith("en"):
                captions.setdefault(lang, match.group(2).strip())
    return captions


def read_tuxpaint(root: Path | None = None) -> list[Concept]:
    """Read Tux Paint stamps (image + captions per language) from ``tuxpaint-stamps-default``.

    One concept per stamp caption file that has a ``.png`` or ``.svg`` beside it; ``concept_id`` comes from
    the English caption (equal captions share a concept). Alphabet, maths and music stamps are skipped.

    Args:
        root: The unpacked package; defaults to fetching the pinned one.

    Example:
        ::

            from st_unimr.data.sources import read_tuxpaint

            stamps = read_tuxpaint()
            stamps[0].texts["de"], stamps[0].load_image()
    """
    package = TUXPAINT.key
    root = Path(root) if root is not None else TUXPAINT.unpack()
    stamps = root / STAMPS_DIR
    if not stamps.is_dir():
        raise DataSourceError(package, STAMPS_DIR, "stamps folder not found in package")
    concepts: list[Concept] = []
    for txt in sorted(stamps.rglob("*.txt")):
        rel = txt.relative_to(stamps).as_posix()
        if rel.startswith(SKIPPED_FOLDERS):
            continue
        image = next((txt.with_suffix(ext) for ext in (".png", ".svg") if txt.with_suffix(ext).exists()), None)
        if image is None:
            continue
        captions = parse_caption_file(txt, package)
        concepts.append(
            Concept(
                concept_id=name_concept_id(captions["en"]),
                source="tuxpaint",
                package=package,
                file=image.relative_to(root).as_posix(),
                texts=captions,
                load_image=lambda image=image: open_image(image, package),
            )
        )
    return concepts
