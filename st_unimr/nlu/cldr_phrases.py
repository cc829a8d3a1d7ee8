"""Time and place phrases per language from the pinned Unicode CLDR 41 data (Debian ``unicode-cldr-core``).

For each language, :func:`cldr_phrases` reads ``common/main/<locale>.xml`` with the standard library and gives:

- time phrases with the exact inclusive date range they mean for a reference date: the relative date fields
  (``<fields><field type="month"><relative type="-1">`` = "last month"; day -2/-1/0, week/month/year -1/0),
  "N days/weeks/months/years ago" for N = 2 and 3 from the ``relativeTime type="past"`` patterns (the plural form
  chosen with CLDR's own cardinal plural rules), the wide month names (stand-alone, else format), the years of
  the last five years in the locale's year format (``availableFormats`` item ``y``: "2023", "2023年", "2023 г.")
  and the months of last year in its month-year format (item ``yMMMM``: "March 2023", "2023年3月");
- place phrases: the locale's display names of the ISO 3166-1 territories (``<territories>``). The pinned data has
  no city names, so there are none.

Ranges follow the conventions of :mod:`st_unimr.nlu._calendar` (ISO weeks, whole calendar units).

Locale inheritance follows CLDR: a locale's values override its parent's (``pt_PT`` over ``pt``, ``zh_Hant_TW``
over ``zh_Hant``), with the explicit ``parentLocales`` of ``supplementalData.xml`` (``zh_Hant``'s parent is
``root``, not ``zh``); ``root`` itself contributes nothing (it holds codes, not words). Language tags map to
locales as ``pt-BR`` -> ``pt_BR``, ``zh-TW``/``zh-Hant`` -> ``zh_Hant_TW``/``zh_Hant``, ``zh``/``zh-CN`` -> ``zh``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from st_unimr.data.errors import DataSourceError
from st_unimr.data.pins import CLDR
from st_unimr.nlu._calendar import month_range, recent_month, shift, unit_range, year_range
from st_unimr.nlu.date_range import DateRange
from st_unimr.nlu.place_phrase import PlacePhrase
from st_unimr.nlu.time_phrase import TimePhrase

__all__ = ["cldr_phrases", "CLDRPhrases", "DEFAULT_REFERENCE_DATE"]

CLDR_COMMON = "usr/share/unicode/cldr/common"
#: The reference date used when none is given: fixed, so tables and datasets are reproducible.
DEFAULT_REFERENCE_DATE = date(2025, 3, 12)
_UNITS = ("day", "week", "month", "year")
_AGO_COUNTS = (2, 3)
# Pseudo- and grouping territories that are not places one takes a photo in.
_NOT_PLACES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}


@dataclass(frozen=True)
class CLDRPhrases:
    """The time and place phrases of one language (see the module docstring).

    Args:
        lang: The language tag asked for.
        locales: The CLDR locale files read, most specific first.
        reference_date: The date the time ranges are relative to.
        time: Time phrases with their ranges.
        places: Territory names.
    """

    lang: str
    locales: tuple[str, ...]
    reference_date: date
    time: list[TimePhrase] = field(default_factory=list)
    places: list[PlacePhrase] = field(default_factory=list)


def cldr_phrases(lang: str, reference_date: date | None = None, root: Path | str | None = None) -> CLDRPhrases:
    """Time and place phrases of ``lang`` from CLDR 41, time ranges relative to ``reference_date``.

    Args:
        lang: A language tag such as ``"de"``, ``"pt-BR"``, ``"zh-TW"``.
        reference_date: "Today" for the relative phrases (default :data:`DEFAULT_REFERENCE_DATE`).
        root: The unpacked ``unicode-cldr-core`` package (default: fetched and unpacked from its pin).

    Returns:
        A :class:`CLDRPhrases`; empty lists when CLDR has no locale for ``lang``.

    Raises:
        DataSourceError: A locale file is not valid XML; names the package and file.

    Example:
        ::

            from datetime import date
            from st_unimr.nlu.cldr_phrases import cldr_phrases

            phrases = cldr_phrases("de", date(2025, 3, 12))
            [(p.text, p.range.to_dict()) for p in phrases.time if p.key == "month-1"]
            # [('letzten Monat', {'start': '2025-02-01', 'end': '2025-02-28'})]
    """
    reference = reference_date or DEFAULT_REFERENCE_DATE
    common = Path(root if root is not None else CLDR.unpack()) / CLDR_COMMON
    locales = _chain(str(common), lang)
    data = _merged(str(common), locales)
    out = CLDRPhrases(lang=lang, locales=locales, reference_date=reference)
    if not locales:  # CLDR does not know the language: no year pattern either, so nothing at all
        return out
    seen: set[str] = set()

    def add(text: str, kind: str, key: str, rng: DateRange) -> None:
        text = " ".join(text.split())
        # The first meaning wins when two keys share a text, so every phrase has exactly one range.
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.time.append(TimePhrase(text, lang, kind, key, rng))

    for unit in _UNITS:
        for offset in (-2, -1, 0):
            text = data["relative"].get((unit, offset))
            if text and (offset != -2 or unit == "day"):
                add(text, "relative", f"{unit}{offset}", unit_range(unit, shift(unit, reference, offset)))
    plural = _plural_rule(str(common), locales)
    for unit in _UNITS:
        patterns = data["past"].get(unit, {})
        for n in _AGO_COUNTS:
            # A pattern without {0} spells the number out (Arabic dual "قبل أسبوعين"): right only for its own count.
            pattern = patterns.get(plural(n)) or patterns.get("other")
            if pattern and ("{0}" in pattern or plural(n) in patterns):
                rng = unit_range(unit, shift(unit, reference, -n))
                add(pattern.replace("{0}", str(n)), "ago", f"{unit}-ago-{n}", rng)
    months = data["months"]
    for number, name in enumerate(months.get("stand-alone") or months.get("format") or [], start=1):
        add(name, "month", f"month-name-{number}", recent_month(number, reference))
    year_pattern = data["formats"].get("y", "y")
    for year in range(reference.year - 5, reference.year):
        text = _format(year_pattern, year, 1, months)
        if text:
            add(text, "year", f"year-{year}", year_range(year))
    month_year = data["formats"].get("yMMMM")
    if month_year:
        last_year = reference.year - 1
        for number in range(1, 13):
            text = _format(month_year, last_year, number, months)
            if text:
                add(text, "month", f"month-year-{last_year}-{number:02d}", month_range(last_year, number))
    for code, name in sorted(data["territories"].items()):
        out.places.append(PlacePhrase(name, lang, code))
    return out


def _locale_id(lang: str) -> str:
    parts = lang.replace("_", "-").split("-")
    if parts[0] == "zh":
        rest = [p for p in parts[1:] if p not in ("Hans", "Hant")]
        hant = any(p in ("Hant", "TW", "HK", "MO") for p in parts[1:])
        region = [p for p in rest if p != "CN"]
        return "_".join(["zh", "Hant"] + region) if hant else "_".join(["zh"] + region)
    return "_".join(parts)


@lru_cache(maxsize=4)
def _parent_locales(common: str) -> dict[str, str]:
    path = Path(common) / "supplemental" / "supplementalData.xml"
    tree = _parse(Path(common), path)
    parents: dict[str, str] = {}
    for node in tree.iter("parentLocale"):
        for locale in (node.get("locales") or "").split():
            parents[locale] = node.get("parent") or "root"
    return parents


@lru_cache(maxsize=256)
def _chain(common: str, lang: str) -> tuple[str, ...]:
    """The locale files to read for ``lang``, most specific first, ``root`` left out."""
    parents = _parent_locales(common)
    chain: list[str] = []
    locale = _locale_id(lang)
    while locale and locale != "root":
        if (Path(common) / "main" / f"{locale}.xml").exists():
            chain.append(locale)
        locale = parents.get(locale) or ("_".join(locale.split("_")[:-1]) if "_" in locale else "root")
    return tuple(chain)


def _parse(common: Path, path: Path) -> ET.ElementTree:
    try:
        return ET.parse(path)
    except (ET.ParseError, OSError) as exc:
        package_root = common.parents[4]
        file = path.relative_to(package_root).as_posix() if package_root in path.parents else str(path)
        raise DataSourceError(CLDR.key, file, f"cannot read CLDR XML: {exc}") from exc


def _plain(node: ET.Element) -> bool:
    # alt="short"/"variant" names and inheritance markers are not the plain phrase of the locale.
    return node.get("alt") is None and bool((node.text or "").strip()) and node.text.strip() != "↑↑↑"


@lru_cache(maxsize=512)
def _read_locale(common: str, locale: str) -> dict:
    tree = _parse(Path(common), Path(common) / "main" / f"{locale}.xml")
    data: dict = {"relative": {}, "past": {}, "months": {}, "formats": {}, "territories": {}}
    for node in tree.iterfind("./dates/fields/field"):
        unit = node.get("type")
        if unit not in _UNITS:
            continue
        for rel in node.findall("relative"):
            if _plain(rel):
                data["relative"][(unit, int(rel.get("type")))] = rel.text.strip()
        for rel_time in node.findall("relativeTime"):
            if rel_time.get("type") == "past":
                for pattern in rel_time.findall("relativeTimePattern"):
                    if _plain(pattern):
                        data["past"].setdefault(unit, {})[pattern.get("count")] = pattern.text.strip()
    gregorian = tree.find("./dates/calendars/calendar[@type='gregorian']")
    if gregorian is not None:
        for context in gregorian.iterfind("./months/monthContext"):
            for width in context.iterfind("monthWidth[@type='wide']"):
                names = {int(m.get("type")): m.text.strip() for m in width.findall("month") if _plain(m)}
                if len(names) == 12:
                    data["months"][context.get("type")] = [names[i] for i in range(1, 13)]
        for item in gregorian.iterfind("./dateTimeFormats/availableFormats/dateFormatItem"):
            if item.get("id") in ("y", "yMMMM") and _plain(item) and item.get("count") is None:
                data["formats"][item.get("id")] = item.text.strip()
    for node in tree.iterfind("./localeDisplayNames/territories/territory"):
        code = node.get("type") or ""
        if _plain(node) and len(code) == 2 and code.isalpha() and code not in _NOT_PLACES:
            data["territories"][code] = node.text.strip()
    return data


def _merged(common: str, locales: tuple[str, ...]) -> dict:
    merged: dict = {"relative": {}, "past": {}, "months": {}, "formats": {}, "territories": {}}
    for locale in reversed(locales):  # parents first, so the specific locale overrides them
        data = _read_locale(common, locale)
        for key in ("relative", "months", "formats", "territories"):
            merged[key].update(data[key])
        for unit, patterns in data["past"].items():
            merged["past"].setdefault(unit, {}).update(patterns)
    return merged


_FIELD = re.compile(r"'([^']*)'|(y+|M+|L+)|([A-Za-z]+)|([^'A-Za-z]+)")


def _format(pattern: str, year: int, month: int, months: dict[str, list[str]]) -> str | None:
    """Fill a CLDR date pattern with a year and a wide month name; None if it needs any other field."""
    out: list[str] = []
    for quoted, fld, other, literal in _FIELD.findall(pattern):
        if fld.startswith("y"):
            out.append(str(year))
        elif fld:
            names = months.get("stand-alone" if fld[0] == "L" else "format") or months.get("format")
            if len(fld) < 4 or not names:
                return None
            out.append(names[month - 1])
        elif other:
            return None
        else:
            out.append(literal or quoted)
    return "".join(out).strip()


_RELATION = re.compile(r"^\s*([nivwftce])\s*(?:%\s*(\d+))?\s*(!?=)\s*([\d.,]+)\s*$")


@lru_cache(maxsize=256)
def _plural_rules(common: str, locales: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    tree = _parse(Path(common), Path(common) / "supplemental" / "plurals.xml")
    for locale in locales:
        for rules in tree.iterfind("./plurals[@type='cardinal']/pluralRules"):
            if locale in (rules.get("locales") or "").split():
                found = rules.findall("pluralRule")
                return tuple((r.get("count"), (r.text or "").split("@")[0].strip()) for r in found)
    return ()


def _plural_rule(common: str, locales: tuple[str, ...]):
    """CLDR's cardinal plural category of a whole number for these locales (integers only: v = 0)."""
    rules = _plural_rules(common, locales)

    def category(n: int) -> str:
        operands = {"n": n, "i": n, "v": 0, "w": 0, "f": 0, "t": 0, "c": 0, "e": 0}
        for count, condition in rules:
            if condition and any(
                all(_holds(relation, operands) for relation in conjunction.split(" and "))
                for conjunction in condition.split(" or ")
            ):
                return count
        return "other"

    return category


def _holds(relation: str, operands: dict[str, int]) -> bool:
    match = _RELATION.match(relation)
    if match is None:
        raise ValueError(f"unsupported CLDR plural relation {relation!r}")
    name, modulus, op, ranges = match.groups()
    value = operands[name] % int(modulus) if modulus else operands[name]
    inside = False
    for part in ranges.split(","):
        low, _, high = part.partition("..")
        inside = inside or int(low) <= value <= int(high or low)
    return inside if op == "=" else not inside
