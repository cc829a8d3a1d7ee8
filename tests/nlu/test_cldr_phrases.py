from __future__ import annotations

from datetime import date

import pytest

from st_unimr.data.errors import DataSourceError
from st_unimr.nlu.cldr_phrases import cldr_phrases
from tests.nlu.fake_cldr import write_fake_cldr

REF = date(2025, 3, 12)  # a Wednesday


def _ranges(phrases):
    return {p.text: (p.range.start.isoformat(), p.range.end.isoformat()) for p in phrases.time}


def test_relative_fields_ago_months_years_and_places_from_a_fake_tree(tmp_path):
    root = write_fake_cldr(tmp_path)
    phrases = cldr_phrases("en", REF, root=root)
    ranges = _ranges(phrases)
    assert ranges["last month"] == ("2025-02-01", "2025-02-28")
    assert ranges["this month"] == ("2025-03-01", "2025-03-31")
    assert ranges["yesterday"] == ("2025-03-11", "2025-03-11")
    assert ranges["2 days ago"] == ("2025-03-10", "2025-03-10")  # plural rule: 2 -> "other"
    assert ranges["3 months ago"] == ("2024-12-01", "2024-12-31")
    assert ranges["March"] == ("2025-03-01", "2025-03-31")  # started on or before the reference date
    assert ranges["April"] == ("2024-04-01", "2024-04-30")
    assert ranges["2023"] == ("2023-01-01", "2023-12-31")
    assert ranges["March 2024"] == ("2024-03-01", "2024-03-31")
    assert "last mo." not in ranges  # only the wide fields
    assert [(p.code, p.text) for p in phrases.places] == [("FR", "France"), ("US", "United States")]


def test_a_locale_inherits_from_its_parent_and_overrides_it(tmp_path):
    phrases = cldr_phrases("en-GB", REF, root=write_fake_cldr(tmp_path))
    assert phrases.locales == ("en_GB", "en")
    ranges = _ranges(phrases)
    assert ranges["the previous month"] == ("2025-02-01", "2025-02-28")
    assert "last month" not in ranges and ranges["yesterday"] == ("2025-03-11", "2025-03-11")


def test_unknown_language_gives_no_phrases(tmp_path):
    phrases = cldr_phrases("xx", REF, root=write_fake_cldr(tmp_path))
    assert phrases.time == [] and phrases.places == []


def test_broken_locale_file_names_package_and_file(tmp_path):
    root = write_fake_cldr(tmp_path)
    (root / "usr/share/unicode/cldr/common/main/de.xml").write_text("<ldml><dates>", encoding="utf-8")
    with pytest.raises(DataSourceError) as info:
        cldr_phrases("de", REF, root=root)
    assert info.value.package.startswith("deb:unicode-cldr-core")
    assert info.value.file == "usr/share/unicode/cldr/common/main/de.xml"


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "text"), [("en", "last month"), ("de", "letzten Monat"), ("fr", "le mois dernier")])
def test_real_cldr_last_month(lang, text):
    assert _ranges(cldr_phrases(lang, REF))[text] == ("2025-02-01", "2025-02-28")


@pytest.mark.slow
def test_real_cldr_inheritance_and_plurals():
    assert cldr_phrases("zh-TW", REF).locales == ("zh_Hant_TW", "zh_Hant")
    assert cldr_phrases("pt-PT", REF).locales == ("pt_PT", "pt")
    ranges = _ranges(cldr_phrases("ru", REF))
    assert ranges["3 недели назад"] == ("2025-02-17", "2025-02-23")  # "few" form for 3
    assert _ranges(cldr_phrases("ar", REF))["قبل أسبوعين"] == ("2025-02-24", "2025-03-02")  # dual, no digit
