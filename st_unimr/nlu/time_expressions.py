"""An evaluation-only set of hand-written time expressions with their expected date ranges, and the accuracy of
:func:`~st_unimr.nlu.time_normalization.normalize_time` on it.

HAND-WRITTEN and EVALUATION-ONLY: the expressions below were written by hand for this check (not generated or
translated by a model, not taken from a dataset), before the normaliser's rules were tuned, and must not be used
to train or tune anything else. Many are NOT in the CLDR tables the request data is built from: seasons ("last
summer"), month + year ("in March 2023"), spelled-out numbers ("two weeks ago"), parts of days ("yesterday
evening"), synonyms ("vorigen Monat"), explicit dates and years with prepositions ("en 2022", "в 2022 году").

Every range is inclusive and relative to :data:`REFERENCE_DATE` (Wednesday 12 March 2025), with the conventions of
:mod:`st_unimr.nlu._calendar` (ISO weeks Monday-Sunday, whole calendar units, "N weeks ago" = the ISO week that
holds the date N weeks back, "last summer" = the latest summer that has ended, northern meteorological seasons).

Example:
    ::

        from st_unimr.nlu.time_expressions import time_normalization_accuracy

        result = time_normalization_accuracy()
        print(result["overall"], result["per_language"]["de"])
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

__all__ = ["REFERENCE_DATE", "TIME_EXPRESSIONS", "TIME_EXPRESSIONS_UNTUNED", "time_normalization_accuracy"]

#: "Today" for every expression of :data:`TIME_EXPRESSIONS` (a Wednesday).
REFERENCE_DATE = date(2025, 3, 12)

# Ranges used by many languages, for the reference date above.
_YESTERDAY = ("2025-03-11", "2025-03-11")
_BEFORE_YESTERDAY = ("2025-03-10", "2025-03-10")
_TODAY = ("2025-03-12", "2025-03-12")
_LAST_WEEK = ("2025-03-03", "2025-03-09")
_LAST_MONTH = ("2025-02-01", "2025-02-28")
_THIS_MONTH = ("2025-03-01", "2025-03-31")
_LAST_YEAR = ("2024-01-01", "2024-12-31")
_TWO_WEEKS_AGO = ("2025-02-24", "2025-03-02")
_THREE_DAYS_AGO = ("2025-03-09", "2025-03-09")
_TWO_MONTHS_AGO = ("2025-01-01", "2025-01-31")
_MARCH_2023 = ("2023-03-01", "2023-03-31")
_LAST_SUMMER = ("2024-06-01", "2024-08-31")
_LAST_WINTER = ("2024-12-01", "2025-02-28")
_YEAR_2022 = ("2022-01-01", "2022-12-31")
_DECEMBER = ("2024-12-01", "2024-12-31")

#: ``(lang, expression, (start, end))``, ISO dates, both inclusive.
TIME_EXPRESSIONS: list[tuple[str, str, tuple[str, str]]] = [
    ("en", "yesterday", _YESTERDAY),
    ("en", "the day before yesterday", _BEFORE_YESTERDAY),
    ("en", "today", _TODAY),
    ("en", "last week", _LAST_WEEK),
    ("en", "last month", _LAST_MONTH),
    ("en", "this month", _THIS_MONTH),
    ("en", "last year", _LAST_YEAR),
    ("en", "two weeks ago", _TWO_WEEKS_AGO),
    ("en", "3 days ago", _THREE_DAYS_AGO),
    ("en", "two months ago", _TWO_MONTHS_AGO),
    ("en", "in March 2023", _MARCH_2023),
    ("en", "last summer", _LAST_SUMMER),
    ("en", "last winter", _LAST_WINTER),
    ("en", "yesterday evening", _YESTERDAY),
    ("en", "in 2022", _YEAR_2022),
    ("en", "in December", _DECEMBER),
    ("en", "5 May 2023", ("2023-05-05", "2023-05-05")),
    ("de", "gestern", _YESTERDAY),
    ("de", "vorgestern", _BEFORE_YESTERDAY),
    ("de", "letzte Woche", _LAST_WEEK),
    ("de", "vorigen Monat", _LAST_MONTH),
    ("de", "letztes Jahr", _LAST_YEAR),
    ("de", "vor zwei Wochen", _TWO_WEEKS_AGO),
    ("de", "vor 3 Tagen", _THREE_DAYS_AGO),
    ("de", "im März 2023", _MARCH_2023),
    ("de", "letzten Sommer", _LAST_SUMMER),
    ("de", "gestern Abend", _YESTERDAY),
    ("de", "im Jahr 2022", _YEAR_2022),
    ("de", "diesen Monat", _THIS_MONTH),
    ("de", "am 5. Mai 2023", ("2023-05-05", "2023-05-05")),
    ("de", "im Dezember", _DECEMBER),
    ("fr", "hier", _YESTERDAY),
    ("fr", "avant-hier", _BEFORE_YESTERDAY),
    ("fr", "la semaine dernière", _LAST_WEEK),
    ("fr", "le mois dernier", _LAST_MONTH),
    ("fr", "l'année dernière", _LAST_YEAR),
    ("fr", "il y a deux semaines", _TWO_WEEKS_AGO),
    ("fr", "il y a 3 jours", _THREE_DAYS_AGO),
    ("fr", "en mars 2023", _MARCH_2023),
    ("fr", "l'été dernier", _LAST_SUMMER),
    ("fr", "hier soir", _YESTERDAY),
    ("fr", "en 2022", _YEAR_2022),
    ("fr", "ce mois-ci", _THIS_MONTH),
    ("es", "ayer", _YESTERDAY),
    ("es", "anteayer", _BEFORE_YESTERDAY),
    ("es", "la semana pasada", _LAST_WEEK),
    ("es", "el mes pasado", _LAST_MONTH),
    ("es", "el año pasado", _LAST_YEAR),
    ("es", "hace dos semanas", _TWO_WEEKS_AGO),
    ("es", "hace 3 días", _THREE_DAYS_AGO),
    ("es", "en marzo de 2023", _MARCH_2023),
    ("es", "el verano pasado", _LAST_SUMMER),
    ("es", "ayer por la tarde", _YESTERDAY),
    ("es", "en 2022", _YEAR_2022),
    ("es", "este mes", _THIS_MONTH),
    ("it", "ieri", _YESTERDAY),
    ("it", "l'altro ieri", _BEFORE_YESTERDAY),
    ("it", "la settimana scorsa", _LAST_WEEK),
    ("it", "il mese scorso", _LAST_MONTH),
    ("it", "l'anno scorso", _LAST_YEAR),
    ("it", "due settimane fa", _TWO_WEEKS_AGO),
    ("it", "3 giorni fa", _THREE_DAYS_AGO),
    ("it", "a marzo 2023", _MARCH_2023),
    ("it", "l'estate scorsa", _LAST_SUMMER),
    ("it", "ieri sera", _YESTERDAY),
    ("it", "nel 2022", _YEAR_2022),
    ("pt", "ontem", _YESTERDAY),
    ("pt", "anteontem", _BEFORE_YESTERDAY),
    ("pt", "na semana passada", _LAST_WEEK),
    ("pt", "no mês passado", _LAST_MONTH),
    ("pt", "no ano passado", _LAST_YEAR),
    ("pt", "há duas semanas", _TWO_WEEKS_AGO),
    ("pt", "há 3 dias", _THREE_DAYS_AGO),
    ("pt", "em março de 2023", _MARCH_2023),
    ("pt", "no verão passado", _LAST_SUMMER),
    ("pt", "ontem à noite", _YESTERDAY),
    ("pt", "em 2022", _YEAR_2022),
    ("nl", "gisteren", _YESTERDAY),
    ("nl", "eergisteren", _BEFORE_YESTERDAY),
    ("nl", "vorige week", _LAST_WEEK),
    ("nl", "vorige maand", _LAST_MONTH),
    ("nl", "vorig jaar", _LAST_YEAR),
    ("nl", "twee weken geleden", _TWO_WEEKS_AGO),
    ("nl", "3 dagen geleden", _THREE_DAYS_AGO),
    ("nl", "in maart 2023", _MARCH_2023),
    ("nl", "afgelopen zomer", _LAST_SUMMER),
    ("nl", "gisteravond", _YESTERDAY),
    ("nl", "in 2022", _YEAR_2022),
    ("ru", "вчера", _YESTERDAY),
    ("ru", "позавчера", _BEFORE_YESTERDAY),
    ("ru", "на прошлой неделе", _LAST_WEEK),
    ("ru", "в прошлом месяце", _LAST_MONTH),
    ("ru", "в прошлом году", _LAST_YEAR),
    ("ru", "две недели назад", _TWO_WEEKS_AGO),
    ("ru", "3 дня назад", _THREE_DAYS_AGO),
    ("ru", "в марте 2023 года", _MARCH_2023),
    ("ru", "прошлым летом", _LAST_SUMMER),
    ("ru", "вчера вечером", _YESTERDAY),
    ("ru", "в 2022 году", _YEAR_2022),
    ("pl", "wczoraj", _YESTERDAY),
    ("pl", "przedwczoraj", _BEFORE_YESTERDAY),
    ("pl", "w zeszłym tygodniu", _LAST_WEEK),
    ("pl", "w zeszłym miesiącu", _LAST_MONTH),
    ("pl", "w zeszłym roku", _LAST_YEAR),
    ("pl", "dwa tygodnie temu", _TWO_WEEKS_AGO),
    ("pl", "3 dni temu", _THREE_DAYS_AGO),
    ("pl", "w marcu 2023", _MARCH_2023),
    ("pl", "zeszłego lata", _LAST_SUMMER),
    ("pl", "wczoraj wieczorem", _YESTERDAY),
    ("pl", "w 2022 roku", _YEAR_2022),
    ("tr", "dün", _YESTERDAY),
    ("tr", "geçen hafta", _LAST_WEEK),
    ("tr", "geçen ay", _LAST_MONTH),
    ("tr", "geçen yıl", _LAST_YEAR),
    ("tr", "iki hafta önce", _TWO_WEEKS_AGO),
    ("tr", "3 gün önce", _THREE_DAYS_AGO),
    ("tr", "Mart 2023", _MARCH_2023),
    ("tr", "geçen yaz", _LAST_SUMMER),
    ("tr", "dün akşam", _YESTERDAY),
    ("tr", "2022 yılında", _YEAR_2022),
    ("ja", "昨日", _YESTERDAY),
    ("ja", "一昨日", _BEFORE_YESTERDAY),
    ("ja", "先週", _LAST_WEEK),
    ("ja", "先月", _LAST_MONTH),
    ("ja", "去年", _LAST_YEAR),
    ("ja", "2週間前", _TWO_WEEKS_AGO),
    ("ja", "3日前", _THREE_DAYS_AGO),
    ("ja", "2023年3月", _MARCH_2023),
    ("ja", "去年の夏", _LAST_SUMMER),
    ("ja", "昨日の夜", _YESTERDAY),
    ("ja", "2022年", _YEAR_2022),
    ("zh", "昨天", _YESTERDAY),
    ("zh", "前天", _BEFORE_YESTERDAY),
    ("zh", "上周", _LAST_WEEK),
    ("zh", "上个月", _LAST_MONTH),
    ("zh", "去年", _LAST_YEAR),
    ("zh", "两周前", _TWO_WEEKS_AGO),
    ("zh", "3天前", _THREE_DAYS_AGO),
    ("zh", "2023年3月", _MARCH_2023),
    ("zh", "去年夏天", _LAST_SUMMER),
    ("zh", "昨天晚上", _YESTERDAY),
    ("zh", "2022年", _YEAR_2022),
    ("ar", "أمس", _YESTERDAY),
    ("ar", "أول أمس", _BEFORE_YESTERDAY),
    ("ar", "الأسبوع الماضي", _LAST_WEEK),
    ("ar", "الشهر الماضي", _LAST_MONTH),
    ("ar", "العام الماضي", _LAST_YEAR),
    ("ar", "قبل أسبوعين", _TWO_WEEKS_AGO),
    ("ar", "قبل 3 أيام", _THREE_DAYS_AGO),
    ("ar", "في مارس 2023", _MARCH_2023),
    ("ar", "الصيف الماضي", _LAST_SUMMER),
    ("ar", "مساء أمس", _YESTERDAY),
    ("ar", "في عام 2022", _YEAR_2022),
]

_THIS_WEEK = ("2025-03-10", "2025-03-16")
_THREE_WEEKS_AGO = ("2025-02-17", "2025-02-23")
_JANUARY = ("2025-01-01", "2025-01-31")
_LAST_AUTUMN = ("2024-09-01", "2024-11-30")
_TWO_YEARS_AGO = ("2023-01-01", "2023-12-31")
_AUGUST_2024 = ("2024-08-01", "2024-08-31")
_THIS_YEAR = ("2025-01-01", "2025-12-31")

#: A second hand-written set, written AFTER the normaliser's rewrite rules were tuned on :data:`TIME_EXPRESSIONS`
#: and never used to tune them: its accuracy is the honest estimate. Same reference date and conventions.
TIME_EXPRESSIONS_UNTUNED: list[tuple[str, str, tuple[str, str]]] = [
    ("en", "this week", _THIS_WEEK),
    ("en", "three weeks ago", _THREE_WEEKS_AGO),
    ("en", "in January", _JANUARY),
    ("en", "last autumn", _LAST_AUTUMN),
    ("en", "summer 2023", ("2023-06-01", "2023-08-31")),
    ("en", "two years ago", _TWO_YEARS_AGO),
    ("en", "yesterday morning", _YESTERDAY),
    ("en", "in August 2024", _AUGUST_2024),
    ("de", "diese Woche", _THIS_WEEK),
    ("de", "vor drei Wochen", _THREE_WEEKS_AGO),
    ("de", "im Januar", _JANUARY),
    ("de", "letzten Herbst", _LAST_AUTUMN),
    ("de", "vor zwei Jahren", _TWO_YEARS_AGO),
    ("de", "gestern Morgen", _YESTERDAY),
    ("de", "im August 2024", _AUGUST_2024),
    ("de", "dieses Jahr", _THIS_YEAR),
    ("fr", "cette semaine", _THIS_WEEK),
    ("fr", "il y a trois semaines", _THREE_WEEKS_AGO),
    ("fr", "en janvier", _JANUARY),
    ("fr", "l'automne dernier", _LAST_AUTUMN),
    ("fr", "il y a deux ans", _TWO_YEARS_AGO),
    ("fr", "hier matin", _YESTERDAY),
    ("fr", "en août 2024", _AUGUST_2024),
    ("fr", "cette année", _THIS_YEAR),
    ("es", "esta semana", _THIS_WEEK),
    ("es", "hace tres semanas", _THREE_WEEKS_AGO),
    ("es", "en enero", _JANUARY),
    ("es", "el otoño pasado", _LAST_AUTUMN),
    ("es", "hace dos años", _TWO_YEARS_AGO),
    ("es", "ayer por la mañana", _YESTERDAY),
    ("es", "en agosto de 2024", _AUGUST_2024),
    ("es", "este año", _THIS_YEAR),
    ("it", "questa settimana", _THIS_WEEK),
    ("it", "tre settimane fa", _THREE_WEEKS_AGO),
    ("it", "a gennaio", _JANUARY),
    ("it", "l'autunno scorso", _LAST_AUTUMN),
    ("it", "due anni fa", _TWO_YEARS_AGO),
    ("it", "ieri mattina", _YESTERDAY),
    ("it", "ad agosto 2024", _AUGUST_2024),
    ("it", "quest'anno", _THIS_YEAR),
    ("pt", "esta semana", _THIS_WEEK),
    ("pt", "há três semanas", _THREE_WEEKS_AGO),
    ("pt", "em janeiro", _JANUARY),
    ("pt", "no outono passado", _LAST_AUTUMN),
    ("pt", "há dois anos", _TWO_YEARS_AGO),
    ("pt", "ontem de manhã", _YESTERDAY),
    ("pt", "em agosto de 2024", _AUGUST_2024),
    ("pt", "este ano", _THIS_YEAR),
    ("nl", "deze week", _THIS_WEEK),
    ("nl", "drie weken geleden", _THREE_WEEKS_AGO),
    ("nl", "in januari", _JANUARY),
    ("nl", "vorige herfst", _LAST_AUTUMN),
    ("nl", "twee jaar geleden", _TWO_YEARS_AGO),
    ("nl", "gisterochtend", _YESTERDAY),
    ("nl", "in augustus 2024", _AUGUST_2024),
    ("nl", "dit jaar", _THIS_YEAR),
    ("ru", "на этой неделе", _THIS_WEEK),
    ("ru", "три недели назад", _THREE_WEEKS_AGO),
    ("ru", "в январе", _JANUARY),
    ("ru", "прошлой осенью", _LAST_AUTUMN),
    ("ru", "два года назад", _TWO_YEARS_AGO),
    ("ru", "вчера утром", _YESTERDAY),
    ("ru", "в этом году", _THIS_YEAR),
    ("pl", "w tym tygodniu", _THIS_WEEK),
    ("pl", "trzy tygodnie temu", _THREE_WEEKS_AGO),
    ("pl", "w styczniu", _JANUARY),
    ("pl", "zeszłej jesieni", _LAST_AUTUMN),
    ("pl", "dwa lata temu", _TWO_YEARS_AGO),
    ("pl", "wczoraj rano", _YESTERDAY),
    ("pl", "w tym roku", _THIS_YEAR),
    ("tr", "bu hafta", _THIS_WEEK),
    ("tr", "üç hafta önce", _THREE_WEEKS_AGO),
    ("tr", "ocak ayında", _JANUARY),
    ("tr", "geçen sonbahar", _LAST_AUTUMN),
    ("tr", "iki yıl önce", _TWO_YEARS_AGO),
    ("tr", "dün sabah", _YESTERDAY),
    ("tr", "bu yıl", _THIS_YEAR),
    ("ja", "今週", _THIS_WEEK),
    ("ja", "3週間前", _THREE_WEEKS_AGO),
    ("ja", "1月", _JANUARY),
    ("ja", "去年の秋", _LAST_AUTUMN),
    ("ja", "2年前", _TWO_YEARS_AGO),
    ("ja", "昨日の朝", _YESTERDAY),
    ("ja", "今年", _THIS_YEAR),
    ("zh", "本周", _THIS_WEEK),
    ("zh", "三周前", _THREE_WEEKS_AGO),
    ("zh", "1月", _JANUARY),
    ("zh", "去年秋天", _LAST_AUTUMN),
    ("zh", "两年前", _TWO_YEARS_AGO),
    ("zh", "昨天早上", _YESTERDAY),
    ("zh", "今年", _THIS_YEAR),
    ("ar", "هذا الأسبوع", _THIS_WEEK),
    ("ar", "قبل ثلاثة أسابيع", _THREE_WEEKS_AGO),
    ("ar", "في يناير", _JANUARY),
    ("ar", "الخريف الماضي", _LAST_AUTUMN),
    ("ar", "قبل سنتين", _TWO_YEARS_AGO),
    ("ar", "صباح أمس", _YESTERDAY),
    ("ar", "هذا العام", _THIS_YEAR),
]


def time_normalization_accuracy(
    expressions: list[tuple[str, str, tuple[str, str]]] | None = None,
    reference_date: date = REFERENCE_DATE,
    normalize=None,
) -> dict:
    """Exact-range accuracy of a time normaliser on :data:`TIME_EXPRESSIONS`, overall and per language.

    A prediction counts only when both ends equal the expected inclusive range; ``None`` counts as wrong.

    Args:
        expressions: ``(lang, text, (start, end))`` triples (default :data:`TIME_EXPRESSIONS`).
        reference_date: "Today" for the expressions.
        normalize: ``f(text, lang, reference_date) -> DateRange | None`` (default
            :func:`~st_unimr.nlu.time_normalization.normalize_time`).

    Returns:
        ``{"overall": float, "n": int, "per_language": {lang: float}, "errors": [(lang, text, expected, got)]}``.

    Example:
        ::

            from st_unimr.nlu.time_expressions import time_normalization_accuracy

            time_normalization_accuracy()["overall"]
    """
    if normalize is None:
        from st_unimr.nlu.time_normalization import normalize_time as normalize
    expressions = TIME_EXPRESSIONS if expressions is None else expressions
    hits: dict[str, list[bool]] = defaultdict(list)
    errors = []
    for lang, text, expected in expressions:
        got = normalize(text, lang, reference_date)
        found = None if got is None else (got.start.isoformat(), got.end.isoformat())
        hits[lang].append(found == tuple(expected))
        if found != tuple(expected):
            errors.append((lang, text, tuple(expected), found))
    total = [h for values in hits.values() for h in values]
    return {
        "overall": sum(total) / len(total) if total else 0.0,
        "n": len(total),
        "per_language": {lang: sum(v) / len(v) for lang, v in sorted(hits.items())},
        "errors": errors,
    }


if __name__ == "__main__":
    import json

    sets = {"TIME_EXPRESSIONS": TIME_EXPRESSIONS, "TIME_EXPRESSIONS_UNTUNED": TIME_EXPRESSIONS_UNTUNED}
    for name, items in sets.items():
        report = time_normalization_accuracy(items)
        print(name, json.dumps({k: v for k, v in report.items() if k != "errors"}, indent=1))
        for error in report["errors"]:
            print("wrong:", error)
