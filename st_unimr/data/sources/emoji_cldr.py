from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from st_unimr.data.concepts import Concept, name_concept_id
from st_unimr.data.errors import DataSourceError
from st_unimr.data.langs import normalise_lang
from st_unimr.data.pins import CLDR, NOTO_EMOJI

__all__ = ["read_cldr_annotations", "read_emoji", "render_emoji", "emoji_key", "flag_code"]

CLDR_DIR = "usr/share/unicode/cldr/common"
FONT_FILE = "usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
_SKIN_TONES = {chr(c) for c in range(0x1F3FB, 0x1F400)}
_REGIONAL_A = 0x1F1E6


def emoji_key(chars: str) -> str:
    """Code-point key of an emoji without variation selectors, e.g. ``'1f415'`` or ``'1f468-200d-1f469'``."""
    return "-".join(f"{ord(c):x}" for c in chars if c not in "\ufe0e\ufe0f")


def flag_code(chars: str) -> str | None:
    """``'de'`` for the flag emoji 🇩🇪 (two regional indicators), else ``None``."""
    cps = [ord(c) for c in chars]
    if len(cps) == 2 and all(_REGIONAL_A <= c < _REGIONAL_A + 26 for c in cps):
        return "".join(chr(c - _REGIONAL_A + ord("a")) for c in cps)
    return None


def read_cldr_annotations(root: Path | None = None, min_coverage: float = 0.5) -> dict[str, dict[str, tuple]]:
    """Read CLDR emoji names (``type="tts"``) and keywords for every locale, merged with the derived files.

    Locales are kept when they name at least ``min_coverage`` of the English emoji (regional files that only
    override a few names are dropped). Inherited markers (``↑↑↑``) are ignored.

    Returns:
        ``{emoji: {lang: (name, keywords)}}``, ``keywords`` joined with ``" | "``.

    Raises:
        DataSourceError: An annotation file is not valid XML; names package and file.

    Example:
        ::

            names = read_cldr_annotations()
            names["🐕"]["de"]  # ('Hund', 'Haustier | Hund')
    """
    package = CLDR.key
    root = Path(root) if root is not None else CLDR.unpack()
    base = root / CLDR_DIR
    per_lang: dict[str, dict[str, list[str]]] = {}
    for folder in ("annotations", "annotationsDerived"):
        for xml in sorted((base / folder).glob("*.xml")):
            if xml.stem == "root":
                continue
            try:
                tree = ET.parse(xml)
            except ET.ParseError as exc:
                raise DataSourceError(package, xml.relative_to(root).as_posix(), f"invalid XML: {exc}") from exc
            lang = normalise_lang(xml.stem)
            table = per_lang.setdefault(lang, {})
            for node in tree.iter("annotation"):
                cp, text = node.get("cp"), (node.text or "").strip()
                if not cp or not text or text == "↑↑↑":
                    continue
                slot = table.setdefault(cp, ["", ""])
                slot[0 if node.get("type") == "tts" else 1] = text
    english = {cp for cp, (name, _) in per_lang.get("en", {}).items() if name}
    if not english:
        raise DataSourceError(package, f"{CLDR_DIR}/annotations/en.xml", "no English emoji names found")
    out: dict[str, dict[str, tuple]] = {}
    for lang, table in sorted(per_lang.items()):
        named = {cp for cp, (name, _) in table.items() if name}
        if len(named & english) < min_coverage * len(english):
            continue
        for cp in named & english:
            name, keywords = table[cp]
            out.setdefault(cp, {})[lang] = (name, keywords)
    return out


@lru_cache(maxsize=2)
def _font(path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, 109)


def render_emoji(chars: str, font_path: str | Path, package: str = "local") -> Image.Image | None:
    """Render one emoji with the colour font (Pillow, size 109, ``embedded_color=True``) on a transparent canvas.

    Returns ``None`` when the font has no single glyph for it (blank, or several glyphs side by side).
    """
    try:
        font = _font(str(font_path))
    except OSError as exc:
        raise DataSourceError(package, str(font_path), f"unreadable font: {exc}") from exc
    canvas = Image.new("RGBA", (420, 160), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((10, 10), chars, font=font, embedded_color=True)
    bbox = canvas.getbbox()
    if bbox is None or bbox[2] - bbox[0] > 150:
        return None
    return canvas.crop(bbox)


def read_emoji(cldr_root: Path | None = None, font_root: Path | None = None) -> list[Concept]:
    """Noto colour emoji with CLDR names per language (skin-tone variants and non-emoji symbols left out).

    ``concept_id`` is ``flag:<alpha2>`` for flags (shared with the flag images) and otherwise comes from the
    English CLDR name (see :func:`~st_unimr.data.concepts.name_concept_id`), shared with Tux Paint captions.

    Example:
        ::

            from st_unimr.data.sources import read_emoji

            concepts = read_emoji()
    """
    annotations = read_cldr_annotations(cldr_root)
    font_root = Path(font_root) if font_root is not None else NOTO_EMOJI.unpack()
    font_path = font_root / FONT_FILE
    if not font_path.exists():
        raise DataSourceError(NOTO_EMOJI.key, FONT_FILE, "font file not found in package")
    font = _font(str(font_path))
    concepts: list[Concept] = []
    for chars, names in sorted(annotations.items()):
        if _SKIN_TONES & set(chars) or "en" not in names:
            continue
        if not all(font.getmask(c).getbbox() or c in "\u200d\ufe0f\u20e3" for c in chars if ord(c) > 0x7F):
            continue
        if all(ord(c) < 0x2000 for c in chars):
            continue  # ASCII/Latin symbols: the font has no emoji glyph for them
        code = flag_code(chars)
        concepts.append(
            Concept(
                concept_id=f"flag:{code}" if code else name_concept_id(names["en"][0]),
                source="noto-emoji",
                package=NOTO_EMOJI.key,
                file=f"U+{emoji_key(chars).upper()}",
                texts={lang: name for lang, (name, _) in names.items()},
                keywords={lang: kw for lang, (_, kw) in names.items() if kw},
                load_image=lambda chars=chars: render_emoji(chars, font_path, NOTO_EMOJI.key),
            )
        )
    return concepts
