"""Turn a time expression ("last month", "vor zwei Wochen", "去年夏天") into an inclusive date range.

:func:`normalize_time` tries, in this order, and returns the first answer:

1. the CLDR 41 phrase tables of :mod:`st_unimr.nlu.cldr_phrases` (exact match, case-insensitive, also after a
   leading preposition such as "in", "im", "en" is dropped): exact by construction, and the same tables the
   ``requests`` data is made from;
2. seasons ("last summer", "l'été dernier", "去年夏天", "summer 2023"): a small hand-written table per language
   (meteorological seasons of the northern hemisphere);
3. `dateparser <https://github.com/scrapinghub/dateparser>`_ (BSD-3-Clause; measured with version 1.5.0, the
   optional dependency ``st-unimr[nlu]``), ``DateDataParser(languages=[lang]).get_date_data(text)``, whose
   ``period`` (day, week, month, year) with the parsed date gives the calendar unit. It knows about 200 locales'
   relative phrases, spelled-out numbers up to a few, month names and explicit dates. Without dateparser
   installed, this step is skipped.

Conventions (whole calendar units, ISO weeks, "N weeks ago" = the week holding the date N weeks back) are those of
:mod:`st_unimr.nlu._calendar`.

Coverage, measured on the hand-written evaluation set :data:`~st_unimr.nlu.time_expressions.TIME_EXPRESSIONS`
(153 expressions, 13 languages, reference 2025-03-12; ``python -m st_unimr.nlu.time_expressions``), exact range
match: see the figures in ``st_unimr/nlu/README.md``.

Example:
    ::

        from datetime import date
        from st_unimr.nlu.time_normalization import normalize_time

        normalize_time("vor zwei Wochen", "de", date(2025, 3, 12)).to_dict()
        # {'start': '2025-02-24', 'end': '2025-03-02'}
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from st_unimr.nlu._calendar import last_season, season_range, unit_range, year_range
from st_unimr.nlu.date_range import DateRange

__all__ = ["normalize_time"]

# Words before a time phrase that do not change its meaning ("in March", "im Jahr 2022", "en 2022", "в 2022 году").
_PREPOSITIONS = {
    "en": ("in the year ", "in ", "during ", "from ", "on "),
    "de": ("im jahr ", "im jahre ", "im ", "in ", "am ", "von "),
    "fr": ("en ", "au mois de ", "le "),
    "es": ("en el año ", "en ", "el "),
    "it": ("nel ", "a ", "in "),
    "pt": ("em ", "no ", "na "),
    "nl": ("in ", "op "),
    "sv": ("i ", "år "),
    "ru": ("в ", "во "),
    "uk": ("у ", "в "),
    "pl": ("w ", "we "),
    "cs": ("v ", "ve "),
    "ar": ("في عام ", "في ", "عام "),
    "id": ("pada bulan ", "pada tahun ", "pada ", "di "),
}
_SEASONS = ("spring", "summer", "autumn", "winter")
# Season words per language, in the order of _SEASONS, each a regex alternative.
_SEASON_WORDS = {
    "en": ("spring", "summer", "autumn|fall", "winter"),
    "de": ("frühling|frühjahr", "sommer", "herbst", "winter"),
    "fr": ("printemps", "été", "automne", "hiver"),
    "es": ("primavera", "verano", "otoño", "invierno"),
    "it": ("primavera", "estate", "autunno", "inverno"),
    "pt": ("primavera", "verão", "outono", "inverno"),
    "nl": ("lente|voorjaar", "zomer", "herfst|najaar", "winter"),
    "sv": ("våren", "sommaren", "hösten", "vintern"),
    "ru": ("весной|весну|весна", "летом|лето", "осенью|осень", "зимой|зиму|зима"),
    "uk": ("весни|навесні|весна", "літа|влітку|літо", "осені|восени|осінь", "зими|взимку|зима"),
    "pl": ("wiosny|wiosną|wiosna", "lata|latem|lato", "jesieni|jesienią|jesień", "zimy|zimą|zima"),
    "cs": ("jaře|jaro", "létě|léto", "podzim", "zimě|zima"),
    "tr": ("ilkbahar|bahar", "yaz", "sonbahar", "kış"),
    "ja": ("春", "夏", "秋", "冬"),
    "zh": ("春天|春季", "夏天|夏季", "秋天|秋季", "冬天|冬季"),
    "ar": ("الربيع", "الصيف", "الخريف", "الشتاء"),
    "id": ("musim semi", "musim panas", "musim gugur", "musim dingin"),
}
# "last <season>" patterns; {s} is the season alternative. The latest season that has ended.
_LAST_SEASON = {
    "en": (r"(?:last|past) (?P<s>{s})",),
    "de": (r"(?:letzten|letztes|vergangenen|vergangenes|vorigen|voriges) (?P<s>{s})",),
    "fr": (r"(?:l'|le |l)?(?P<s>{s}) dernier",),
    "es": (r"(?:el |la )?(?P<s>{s}) pasad[oa]",),
    "it": (r"(?:l'|la |lo |l)?(?P<s>{s}) scors[oa]",),
    "pt": (r"(?:no |na |o |a )?(?P<s>{s}) passad[oa]",),
    "nl": (r"(?:afgelopen|vorige|vorig) (?P<s>{s})",),
    "sv": (r"förra (?P<s>{s})",),
    "ru": (r"(?:прошлым|прошлой|прошлое|прошлую|прошлая) (?P<s>{s})",),
    "uk": (r"(?:минулого|минулої|минуле|минула) (?P<s>{s})",),
    "pl": (r"(?:zeszłego|zeszłej|ubiegłego|ubiegłej|zeszłym|ubiegłym) (?P<s>{s})",),
    "cs": (r"(?:minulé|minulý|minulou|loni v) (?P<s>{s})",),
    "tr": (r"geçen (?P<s>{s})",),
    "ar": (r"(?P<s>{s}) الماضي",),
    "id": (r"(?P<s>{s}) (?:yang )?lalu",),
}
# "<season> of last year" patterns (ja, zh): the season that started in the previous calendar year.
_PREVIOUS_YEAR_SEASON = {
    "ja": (r"(?:去年|昨年)の(?P<s>{s})",),
    "zh": (r"去年(?P<s>{s})",),
}

# Parts of a day ("yesterday evening"): the range is the whole day, so these words are dropped.
_DAY_PARTS = {
    "en": r"(?: (?:morning|afternoon|evening|night)|^(?:this|last) (?:morning|afternoon|evening|night)$)",
    "de": r" (?:früh|morgen|vormittag|mittag|nachmittag|abend|nacht)",
    "fr": r" (?:matin|après-midi|soir)",
    "es": r" (?:por|en) la (?:mañana|tarde|noche)",
    "it": r" (?:mattina|pomeriggio|sera|notte)",
    "pt": r" (?:de manhã|à tarde|à noite|de noite)",
    "ru": r" (?:утром|днём|днем|вечером|ночью)",
    "uk": r" (?:вранці|вдень|увечері|ввечері|вночі)",
    "pl": r" (?:rano|po południu|wieczorem|w nocy)",
    "cs": r" (?:ráno|odpoledne|večer|v noci)",
    "tr": r" (?:sabah|öğleden sonra|akşam|gece)",
    "ja": r"の?(?:朝|昼|夕方|夜|晩)",
    "zh": r"(?:早上|上午|中午|下午|傍晚|晚上|夜里)",
    "ar": r"^(?:صباح|مساء|ليلة) ",
    "nl": r"(?<=^gister)(?:avond|ochtend|middag|nacht)",
    "sv": r" (?:morse|kväll|natt)",
    "id": r" (?:pagi|siang|sore|malam)",
}
# Words for small numbers, replaced by digits so that CLDR's "N units ago" patterns and dateparser match.
_NUMBER_WORDS = {
    "en": {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6},
    "de": {"einem": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6},
    "fr": {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6},
    "es": {"un": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6},
    "it": {"un": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6},
    "pt": {"um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "quatro": 4, "cinco": 5, "seis": 6},
    "nl": {"een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6},
    "sv": {"en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6},
    "ru": {"два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6},
    "uk": {"два": 2, "дві": 2, "три": 3, "чотири": 4, "п'ять": 5, "шість": 6},
    "pl": {"dwa": 2, "dwie": 2, "trzy": 3, "cztery": 4, "pięć": 5, "sześć": 6},
    "cs": {"dva": 2, "dvě": 2, "tři": 3, "čtyři": 4, "pět": 5, "šest": 6},
    "tr": {"bir": 1, "iki": 2, "üç": 3, "dört": 4, "beş": 5, "altı": 6},
    "id": {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6},
    "zh": {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6},
    "ja": {"二": 2, "三": 3, "四": 4, "五": 5, "六": 6},
}
# Synonyms of the words CLDR uses ("vorigen Monat" for CLDR's "letzten Monat"), per language.
_SYNONYMS = {
    "de": {
        "vorigen": "letzten",
        "vorige": "letzte",
        "voriges": "letztes",
        "vergangenen": "letzten",
        "vergangene": "letzte",
        "vergangenes": "letztes",
    },
    "en": {"past": "last", "previous": "last"},
    "fr": {"passé": "dernier", "passée": "dernière"},
    "nl": {"afgelopen": "vorige"},
    "pl": {"ubiegłym": "zeszłym", "poprzednim": "zeszłym"},
    "ar": {"العام": "السنة"},
}
# Leading articles that CLDR's phrases leave out ("il mese scorso" vs CLDR "mese scorso").
_ARTICLES = {"it": ("il ", "la ", "l'", "lo "), "pt": ("o ", "a "), "es": ("el ", "la ")}
# Words around a bare year ("2022 yılında", "в 2022 году", "2022年").
_YEAR = re.compile(
    r"^(?:year |jahr |année |año |anno |ano |jaar |år |год |rok |عام |سنة )?(\d{4})"
    r"(?: ?(?:год[ау]?|г\.?|roku|roce|yılında|yılı|'?[dt][ae]|年|년|jahr))?$"
)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold().replace("’", "'")
    return " ".join(text.split()).strip(" ?!.,;:¿¡。？！")


def _base(lang: str | None) -> str | None:
    return None if lang is None else lang.replace("_", "-").split("-")[0].lower()


def normalize_time(
    text: str, lang: str | None = None, reference_date: date | None = None, use_cldr: bool | None = None
) -> DateRange | None:
    """The inclusive date range a time expression means, or None if it is not understood.

    Args:
        text: A time expression alone, e.g. ``"last month"`` (not a whole request; the slot tagger finds it).
        lang: Its language tag (``"de"``, ``"pt-BR"``); None tries the CLDR tables of every language with request
            frames, then dateparser's language detection.
        reference_date: "Today" (default: the actual date today).
        use_cldr: Use the CLDR phrase tables. None (default): only if the pinned CLDR package is already unpacked
            in ``$ST_UNIMR_HOME`` (nothing is fetched); True: fetch it if needed; False: never.

    Returns:
        A :class:`~st_unimr.nlu.date_range.DateRange`, or None.

    Example:
        ::

            from datetime import date
            from st_unimr.nlu.time_normalization import normalize_time

            normalize_time("l'été dernier", "fr", date(2025, 3, 12))  # DateRange(2024-06-01, 2024-08-31)
    """
    reference = reference_date or date.today()
    phrase = _normalise(text)
    if not phrase:
        return None
    base = _base(lang)
    candidates = [phrase]
    for prefix in _PREPOSITIONS.get(base or "", ()):
        if phrase.startswith(prefix) and len(phrase) > len(prefix):
            candidates.append(phrase[len(prefix) :])
    candidates += [v for c in list(candidates) for v in _rewrites(c, base) if v not in candidates]
    cldr = _cldr_available(use_cldr)
    for candidate in candidates:
        found = (_from_cldr(candidate, lang, reference) if cldr else None) or _season(candidate, base, reference)
        if found is None and (match := _YEAR.match(candidate)):
            found = year_range(int(match.group(1)))
        if found is not None:
            return found
    for candidate in candidates:
        found = _from_dateparser(candidate, lang, reference)
        if found is not None:
            return found
    return None


def _rewrites(phrase: str, base: str | None) -> list[str]:
    """Variants of a phrase with the same range: day part dropped, number words as digits, synonyms, articles."""
    if base is None:
        return []
    out: list[str] = []
    text = phrase
    if base in _DAY_PARTS:
        text = re.sub(_DAY_PARTS[base], "", text).strip()
        if base == "nl" and text == "gister":
            text = "gisteren"
    numbers = _NUMBER_WORDS.get(base, {})
    synonyms = _SYNONYMS.get(base, {})
    if base in ("zh", "ja"):
        for word, digit in numbers.items():
            text = re.sub(rf"{word}(?=(?:周|週|个|個|か|ヶ|天|日|年|星期))", str(digit), text)
    else:
        text = " ".join(str(numbers.get(w, synonyms.get(w, w))) for w in text.split(" "))
    for article in _ARTICLES.get(base, ()):
        if text.startswith(article):
            out.append(text[len(article) :])
    if text and text != phrase:
        out.insert(0, text)
    return out


def _cldr_available(use_cldr: bool | None) -> bool:
    if use_cldr is not None:
        return use_cldr
    from st_unimr.assets import unimr_home
    from st_unimr.data.pins import CLDR

    return (unimr_home() / "unpacked" / f"{CLDR.registry}-{CLDR.name}-{CLDR.version}" / ".complete").exists()


@lru_cache(maxsize=64)
def _cldr_table(lang: str, reference: date) -> dict[str, DateRange]:
    from st_unimr.nlu.cldr_phrases import cldr_phrases

    return {_normalise(p.text): p.range for p in cldr_phrases(lang, reference).time}


def _from_cldr(phrase: str, lang: str | None, reference: date) -> DateRange | None:
    if lang is not None:
        return _cldr_table(lang, reference).get(phrase)
    from st_unimr.nlu.request_frames import FRAMES

    for code in FRAMES:
        found = _cldr_table(code, reference).get(phrase)
        if found is not None:
            return found
    return None


@lru_cache(maxsize=64)
def _season_patterns(base: str) -> list[tuple[re.Pattern, str]]:
    words = _SEASON_WORDS.get(base)
    if words is None:
        return []
    alternatives = "|".join(words)
    out = []
    for kind, table in (("last", _LAST_SEASON), ("previous-year", _PREVIOUS_YEAR_SEASON)):
        for pattern in table.get(base, ()):
            out.append((re.compile("^" + pattern.format(s=alternatives) + "$"), kind))
    # "<season> 2023" / "2023年夏天": the season that starts in that year.
    out.append((re.compile(rf"^(?P<s>{alternatives}),? (?P<y>\d{{4}})$"), "year"))
    out.append((re.compile(rf"^(?P<y>\d{{4}})年の?(?P<s>{alternatives})$"), "year"))
    return out


def _season(phrase: str, base: str | None, reference: date) -> DateRange | None:
    if base is None:
        return None
    words = _SEASON_WORDS.get(base, ())
    for pattern, kind in _season_patterns(base):
        match = pattern.match(phrase)
        if match is None:
            continue
        season = next(s for s, w in zip(_SEASONS, words) if re.fullmatch(w, match.group("s")))
        if kind == "last":
            return last_season(season, reference)
        if kind == "previous-year":
            return season_range(season, reference.year - 1)
        return season_range(season, int(match.group("y")))
    return None


@lru_cache(maxsize=64)
def _date_parser(lang: str | None, reference: date):
    try:
        from dateparser.date import DateDataParser
    except ImportError:  # optional dependency: without it only the CLDR tables and seasons are used
        return None
    from datetime import datetime

    settings = {"RELATIVE_BASE": datetime(reference.year, reference.month, reference.day), "PREFER_DATES_FROM": "past"}
    if lang is None:
        return DateDataParser(settings=settings)
    tag, base = lang.replace("_", "-"), _base(lang)
    for languages in ([tag], [base]):
        try:
            return DateDataParser(languages=languages, settings=settings)
        except ValueError:  # a language dateparser does not know
            continue
    return None


def _from_dateparser(phrase: str, lang: str | None, reference: date) -> DateRange | None:
    parser = _date_parser(lang, reference)
    if parser is None:
        return None
    result = parser.get_date_data(phrase)
    if result is None or result.date_obj is None:
        return None
    period = result.period if result.period in ("day", "week", "month", "year") else "day"
    return unit_range(period, result.date_obj.date())
