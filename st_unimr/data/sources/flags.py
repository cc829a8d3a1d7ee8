from __future__ import annotations

import gettext
import json
from pathlib import Path

from st_unimr.data.concepts import Concept
from st_unimr.data.errors import DataSourceError
from st_unimr.data.images import open_image
from st_unimr.data.langs import normalise_lang
from st_unimr.data.pins import ISO_CODES, ISO_FLAGS

__all__ = ["read_country_names", "read_flags"]

FLAGS_DIR = "usr/share/iso-flags-png-320x240"
CODES_JSON = "usr/share/iso-codes/json/iso_3166-1.json"
LOCALE_DIR = "usr/share/locale"


def read_country_names(root: Path | None = None) -> dict[str, dict[str, str]]:
    """Country names per language from ``iso-codes`` (JSON for the codes, gettext ``.mo`` per locale).

    Every name the locale's catalogue translates is kept (also where it equals the English one).

    Returns:
        ``{alpha2 (lower case): {lang: name}}``.

    Example:
        ::

            read_country_names()["de"]["fr"]  # 'Allemagne'
    """
    package = ISO_CODES.key
    root = Path(root) if root is not None else ISO_CODES.unpack()
    try:
        entries = json.loads((root / CODES_JSON).read_text(encoding="utf-8"))["3166-1"]
    except (OSError, ValueError, KeyError) as exc:
        raise DataSourceError(package, CODES_JSON, f"cannot read country codes: {exc}") from exc
    names = {e["alpha_2"].lower(): {"en": e.get("common_name", e["name"])} for e in entries}
    english = {e["alpha_2"].lower(): e["name"] for e in entries}
    for mo in sorted((root / LOCALE_DIR).glob("*/LC_MESSAGES/iso_3166-1.mo")):
        lang = normalise_lang(mo.parent.parent.name)
        if lang.startswith("en"):
            continue
        try:
            with open(mo, "rb") as f:
                catalog = gettext.GNUTranslations(f)
        except (OSError, UnicodeDecodeError) as exc:
            raise DataSourceError(package, mo.relative_to(root).as_posix(), f"invalid .mo catalogue: {exc}") from exc
        for code, name in english.items():
            translated = catalog._catalog.get(name)  # only names this catalogue translates
            if isinstance(translated, str) and translated.strip():
                names[code][lang] = translated.strip()
    return names


def read_flags(flags_root: Path | None = None, codes_root: Path | None = None) -> list[Concept]:
    """Country flag images (``iso-flags-png-320x240``) with country names per language (``iso-codes``).

    ``concept_id`` is ``flag:<alpha2>``, shared with the flag emoji.

    Example:
        ::

            from st_unimr.data.sources import read_flags

            flags = read_flags()
    """
    names = read_country_names(codes_root)
    flags_root = Path(flags_root) if flags_root is not None else ISO_FLAGS.unpack()
    folder = flags_root / FLAGS_DIR
    if not folder.is_dir():
        raise DataSourceError(ISO_FLAGS.key, FLAGS_DIR, "flags folder not found in package")
    concepts: list[Concept] = []
    for png in sorted(folder.glob("*.png")):
        code = png.stem.lower()
        if code not in names:
            continue  # specials such as _olympic.png, _catalonia.png
        concepts.append(
            Concept(
                concept_id=f"flag:{code}",
                source="iso-flags",
                package=ISO_FLAGS.key,
                file=png.relative_to(flags_root).as_posix(),
                texts=names[code],
                load_image=lambda png=png: open_image(png, ISO_FLAGS.key),
            )
        )
    return concepts
