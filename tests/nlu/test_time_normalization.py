from __future__ import annotations

from datetime import date

import pytest

from st_unimr.nlu.date_range import DateRange
from st_unimr.nlu.time_expressions import TIME_EXPRESSIONS, TIME_EXPRESSIONS_UNTUNED, time_normalization_accuracy
from st_unimr.nlu.time_normalization import normalize_time

REF = date(2025, 3, 12)


def _iso(found: DateRange | None):
    return None if found is None else (found.start.isoformat(), found.end.isoformat())


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("last summer", "en", ("2024-06-01", "2024-08-31")),
        ("last winter", "en", ("2024-12-01", "2025-02-28")),
        ("l'été dernier", "fr", ("2024-06-01", "2024-08-31")),
        ("el verano pasado", "es", ("2024-06-01", "2024-08-31")),
        ("去年夏天", "zh", ("2024-06-01", "2024-08-31")),
        ("summer 2023", "en", ("2023-06-01", "2023-08-31")),
        ("in 2022", "en", ("2022-01-01", "2022-12-31")),
        ("в 2022 году", "ru", ("2022-01-01", "2022-12-31")),
        ("2022年", "ja", ("2022-01-01", "2022-12-31")),
    ],
)
def test_seasons_and_years_without_cldr_or_dateparser(text, lang, expected):
    assert _iso(normalize_time(text, lang, REF, use_cldr=False)) == expected


def test_not_a_time_and_date_range_basics():
    assert normalize_time("", "en", REF, use_cldr=False) is None
    assert normalize_time("   ?", "en", REF, use_cldr=False) is None
    rng = DateRange(date(2025, 2, 1), date(2025, 2, 28))
    assert rng.to_dict() == {"start": "2025-02-01", "end": "2025-02-28"} and date(2025, 2, 28) in rng
    with pytest.raises(ValueError):
        DateRange(date(2025, 2, 2), date(2025, 2, 1))


def test_cldr_tables_from_a_fake_tree(tmp_path, monkeypatch):
    from st_unimr.nlu import time_normalization
    from tests.nlu.fake_cldr import write_fake_cldr

    root = write_fake_cldr(tmp_path)
    monkeypatch.setattr(time_normalization, "_cldr_table", _fake_table(root))
    assert _iso(normalize_time("Last Month", "en", REF, use_cldr=True)) == ("2025-02-01", "2025-02-28")
    assert _iso(normalize_time("in March 2024", "en", REF, use_cldr=True)) == ("2024-03-01", "2024-03-31")


def _fake_table(root):
    from st_unimr.nlu.cldr_phrases import cldr_phrases

    def table(lang, reference):
        return {p.text.casefold(): p.range for p in cldr_phrases(lang, reference, root=root).time}

    return table


def test_dateparser_cases():
    pytest.importorskip("dateparser")
    cases = [
        ("two weeks ago", "en", ("2025-02-24", "2025-03-02")),
        ("vor zwei Wochen", "de", ("2025-02-24", "2025-03-02")),
        ("in March 2023", "en", ("2023-03-01", "2023-03-31")),
        ("yesterday evening", "en", ("2025-03-11", "2025-03-11")),
        ("vorigen Monat", "de", ("2025-02-01", "2025-02-28")),
        ("el año pasado", "es", ("2024-01-01", "2024-12-31")),
    ]
    for text, lang, expected in cases:
        assert _iso(normalize_time(text, lang, REF, use_cldr=False)) == expected, text


def test_evaluation_sets_are_large_and_consistent():
    assert len(TIME_EXPRESSIONS) >= 100 and len({lang for lang, _, _ in TIME_EXPRESSIONS}) >= 8
    for lang, text, (start, end) in TIME_EXPRESSIONS + TIME_EXPRESSIONS_UNTUNED:
        assert date.fromisoformat(start) <= date.fromisoformat(end), (lang, text)
    keys = [(lang, text) for lang, text, _ in TIME_EXPRESSIONS + TIME_EXPRESSIONS_UNTUNED]
    assert len(keys) == len(set(keys))
    perfect = time_normalization_accuracy([("en", "x", ("2025-01-01", "2025-01-01"))], normalize=lambda *a: None)
    assert perfect["overall"] == 0.0 and perfect["errors"][0][3] is None


@pytest.mark.slow
def test_accuracy_reaches_the_issue_target():
    pytest.importorskip("dateparser")
    for items in (TIME_EXPRESSIONS, TIME_EXPRESSIONS_UNTUNED):
        assert time_normalization_accuracy(items)["overall"] >= 0.9
