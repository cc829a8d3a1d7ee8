"""Map the BCP-47-like language tags of the st_unimr data (``de``, ``zh-CN``, ``sr-Latn``) to mteb's ``xxx-Xxxx``."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

from mteb.languages.iso_mappings import (
    ISO_TO_LANGUAGE,
    ISO_TO_SCRIPT,
    _get_iso1_to_iso3,
    _get_iso3_to_default_script,
)

__all__ = ["mteb_language"]

# Default scripts mteb's table lacks; for a tag without a script subtag and a language not listed here, the script is
# read off the texts (the most frequent Unicode script among their letters).
_DEFAULT_SCRIPTS = {
    "zh": "Hans",
    "yue": "Hant",
    "ja": "Jpan",
    "ko": "Hang",
    "sr": "Cyrl",
}
_HANT_REGIONS = {"TW", "HK", "MO"}
# Deprecated or collective codes that mteb's ISO 639-3 table does not list.
_ISO3_OVERRIDES = {"mo": "ron", "no": "nor"}
# Variant subtags that name an orthography in a script other than the language's default.
_VARIANT_SCRIPTS = {"iqtelif": "Latn"}
# First word of a character's Unicode name -> ISO 15924 code.
_UNICODE_SCRIPTS = {
    "LATIN": "Latn",
    "CYRILLIC": "Cyrl",
    "ARABIC": "Arab",
    "GREEK": "Grek",
    "HEBREW": "Hebr",
    "DEVANAGARI": "Deva",
    "BENGALI": "Beng",
    "GURMUKHI": "Guru",
    "GUJARATI": "Gujr",
    "ORIYA": "Orya",
    "TAMIL": "Taml",
    "TELUGU": "Telu",
    "KANNADA": "Knda",
    "MALAYALAM": "Mlym",
    "SINHALA": "Sinh",
    "THAI": "Thai",
    "LAO": "Laoo",
    "TIBETAN": "Tibt",
    "MYANMAR": "Mymr",
    "GEORGIAN": "Geor",
    "HANGUL": "Hang",
    "ETHIOPIC": "Ethi",
    "KHMER": "Khmr",
    "ARMENIAN": "Armn",
    "THAANA": "Thaa",
    "CHEROKEE": "Cher",
    "CANADIAN": "Cans",
    "CJK": "Hani",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "MONGOLIAN": "Mong",
    "SYRIAC": "Syrc",
    "NKO": "Nkoo",
    "TIFINAGH": "Tfng",
}


def mteb_language(tag: str, texts: Iterable[str] = ()) -> str:
    """mteb's ``{ISO 639-3}-{ISO 15924}`` code for a language tag of the st_unimr data.

    The language subtag goes from ISO 639-1 to 639-3 with mteb's own table; the script is the tag's script subtag,
    else implied by the region (``zh-TW`` -> ``Hant``), else mteb's default script for the language, else the most
    frequent Unicode script among the letters of ``texts``.

    Args:
        tag: A tag such as ``de``, ``pt-BR``, ``sr-Latn``, ``zh-Hant-HK`` or ``ca-valencia``.
        texts: Texts in that language, to read the script off when nothing else gives it.

    Raises:
        ValueError: The language is not in mteb's ISO 639-3 table, or no script can be determined.

    Example:
        ::

            from st_unimr.mteb.languages import mteb_language

            mteb_language("zh-TW")  # 'zho-Hant'
            mteb_language("sr-Latn")  # 'srp-Latn'
    """
    parts = tag.split("-")
    base = parts[0].lower()
    subtags = parts[1:]
    iso3 = _ISO3_OVERRIDES.get(base) or (_get_iso1_to_iso3().get(base, base) if len(base) == 2 else base)
    if iso3 not in ISO_TO_LANGUAGE:
        raise ValueError(f"language {tag!r} ({iso3!r}) is not in mteb's ISO 639-3 table")
    script = next((p.title() for p in subtags if len(p) == 4 and p.isalpha()), None)
    script = script or next((_VARIANT_SCRIPTS[p.lower()] for p in subtags if p.lower() in _VARIANT_SCRIPTS), None)
    region = next((p.upper() for p in subtags if len(p) == 2 and p.isalpha()), None)
    if script is None and base == "zh" and region in _HANT_REGIONS:
        script = "Hant"
    script = script or _DEFAULT_SCRIPTS.get(base) or _mteb_default_script(iso3) or _script_of(texts)
    if script is None or script not in ISO_TO_SCRIPT:
        raise ValueError(f"cannot determine a valid script for language {tag!r} (got {script!r})")
    return f"{iso3}-{script}"


def _mteb_default_script(iso3: str) -> str | None:
    return _get_iso3_to_default_script().get(iso3)


def _script_of(texts: Iterable[str]) -> str | None:
    counts: Counter[str] = Counter()
    for text in texts:
        for char in text:
            if char.isalpha():
                script = _UNICODE_SCRIPTS.get(unicodedata.name(char, "UNKNOWN").split(" ")[0])
                if script is not None:
                    counts[script] += 1
    return counts.most_common(1)[0][0] if counts else None
