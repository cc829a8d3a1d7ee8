from __future__ import annotations

import json
from pathlib import Path

import pytest

from st_unimr.data.concepts import Concept
from st_unimr.data.errors import DataSourceError
from st_unimr.data.sources.emoji_cldr import emoji_key, flag_code, read_cldr_annotations
from st_unimr.data.sources.flags import read_country_names
from st_unimr.data.sources.openmoji import read_openmoji

XML = """<?xml version="1.0" encoding="UTF-8" ?>
<ldml><annotations>
<annotation cp="🐕">{kw}</annotation>
<annotation cp="🐕" type="tts">{dog}</annotation>
<annotation cp="🐈" type="tts">{cat}</annotation>
</annotations></ldml>
"""


def _cldr(tmp_path: Path) -> Path:
    folder = tmp_path / "usr/share/unicode/cldr/common"
    (folder / "annotations").mkdir(parents=True)
    (folder / "annotationsDerived").mkdir()
    (folder / "annotations/en.xml").write_text(XML.format(kw="dog | pet", dog="dog", cat="cat"))
    (folder / "annotations/de.xml").write_text(XML.format(kw="Hund | Haustier", dog="Hund", cat="Katze"))
    (folder / "annotations/de_CH.xml").write_text(XML.format(kw="↑↑↑", dog="↑↑↑", cat="Büsi").replace("🐕", "🐩"))
    return tmp_path


def test_read_cldr_annotations(tmp_path: Path) -> None:
    names = read_cldr_annotations(_cldr(tmp_path), min_coverage=0.6)
    assert names["🐕"] == {"en": ("dog", "dog | pet"), "de": ("Hund", "Hund | Haustier")}
    assert "de-CH" not in names["🐈"]  # names 1 of 2 English emoji (< 60%): dropped
    assert read_cldr_annotations(tmp_path, 0.5)["🐈"]["de-CH"] == ("Büsi", "")


def test_cldr_bad_xml_names_file(tmp_path: Path) -> None:
    root = _cldr(tmp_path)
    (root / "usr/share/unicode/cldr/common/annotations/fr.xml").write_text("<ldml><annotations>")
    with pytest.raises(DataSourceError, match="annotations/fr.xml"):
        read_cldr_annotations(root)


def test_emoji_keys() -> None:
    assert emoji_key("❤️") == "2764" and flag_code("🇩🇪") == "de" and flag_code("🐕") is None


def test_country_names_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "usr/share/iso-codes/json/iso_3166-1.json"
    path.parent.mkdir(parents=True)
    path.write_text("{")
    with pytest.raises(DataSourceError, match="iso_3166-1.json"):
        read_country_names(tmp_path)
    path.write_text(json.dumps({"3166-1": [{"alpha_2": "DE", "name": "Germany"}]}))
    assert read_country_names(tmp_path) == {"de": {"en": "Germany"}}


def test_openmoji_join_by_code_point(tmp_path: Path) -> None:
    (tmp_path / "package/data").mkdir(parents=True)
    (tmp_path / "package/color/svg").mkdir(parents=True)
    entries = [{"emoji": "❤️", "hexcode": "2764-FE0F"}, {"emoji": "x", "hexcode": "E000"}]
    (tmp_path / "package/data/openmoji.json").write_text(json.dumps(entries))
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="72" height="72"><circle cx="36" cy="36" r="30"/></svg>'
    for entry in entries:
        (tmp_path / f"package/color/svg/{entry['hexcode']}.svg").write_text(svg)
    reference = [Concept("name:red heart", "noto-emoji", "pkg", "U+2764", {"en": "red heart", "de": "rotes Herz"})]
    concepts = read_openmoji(reference, tmp_path)
    assert [(c.concept_id, c.texts["de"]) for c in concepts] == [("name:red heart", "rotes Herz")]
    assert concepts[0].load_image().size == (160, 160)
