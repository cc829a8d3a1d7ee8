from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from datasets import Dataset, DatasetDict

from st_unimr.data import DatasetNotBuiltError, DataSourceError, load, load_labels
from st_unimr.data.__main__ import main
from st_unimr.data.concepts import Concept, name_concept_id, pick_langs
from st_unimr.data.langs import normalise_lang

# The package exports the build() function under the same name as its module: fetch the module itself.
build_module = importlib.import_module("st_unimr.data.build")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ST_UNIMR_HOME", str(tmp_path))
    return tmp_path


def test_load_when_not_built(home: Path) -> None:
    with pytest.raises(DatasetNotBuiltError, match="python -m st_unimr.data build"):
        load("image_text", "train")
    with pytest.raises(DatasetNotBuiltError):
        load_labels()
    with pytest.raises(ValueError, match="unknown dataset"):
        load("nope")


def _fake_intents(_sources) -> tuple:
    rows = [
        {"text": f"t{i}", "intent": "a:b", "label": 0, "lang": "en", "template_id": f"g{i}", "source": "x"}
        for i in range(50)
    ]
    return build_module.to_splits(rows, "intents", "template_id"), {"labels.json": '["a:b"]'}


def test_build_is_atomic_idempotent_and_loadable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(build_module._BUILDERS, "intents", _fake_intents)
    build_module.build(["intents"])
    assert len(load("intents", "train")) + len(load("intents", "dev")) + len(load("intents", "test")) == 50
    assert load_labels() == ["a:b"]
    assert (home / "data" / "DATASHEET.md").exists()

    def broken(_sources):
        raise DataSourceError("pypi:ovos-skill-x==1", "locale/en-us/a.intent", "broken template", line=3)

    monkeypatch.setitem(build_module._BUILDERS, "intents", broken)
    build_module.build(["intents"])  # already built: skipped, nothing read
    with pytest.raises(DataSourceError, match=r"a.intent:3"):
        build_module.build(["intents"], force=True)
    assert len(load("intents", "train")) > 0  # the previous dataset is untouched
    assert not [p.name for p in (home / "data").iterdir() if p.name.startswith((".tmp", ".old"))]


def test_cli_reports_error(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    def broken(_sources):
        raise DataSourceError("deb:gcompris-qt-data==3.1-2", "translations/gcompris_de.qm", "bad magic")

    monkeypatch.setitem(build_module._BUILDERS, "text_pairs", broken)
    assert main(["build", "--only", "text_pairs"]) == 1
    assert "gcompris_de.qm" in capsys.readouterr().err
    assert not (home / "data" / "text_pairs").exists()


def test_concept_ids_and_langs() -> None:
    assert name_concept_id("A badger.") == name_concept_id("badger") == "name:badger"
    assert normalise_lang("sr@latin") == "sr-Latn" and normalise_lang("pt_BR.utf8") == "pt-BR"
    langs = ["en", "de", "fr", "es", "it", "ja"]
    picked = pick_langs("name:dog", langs, 3)
    assert picked[0] == "en" and len(picked) == 3 and picked == pick_langs("name:dog", langs, 3)


def test_image_rows_encode_once_per_concept() -> None:
    from PIL import Image

    calls = []

    def loader():
        calls.append(1)
        return Image.new("RGBA", (500, 250), (255, 0, 0, 128))

    concept = Concept("name:x", "tuxpaint", "pkg", "x.png", {"en": "An x.", "de": "Ein x."}, loader)
    rows = build_module.image_rows([concept], "test")
    assert len(rows) == 2 and len(calls) == 1 and rows[0]["image"]["bytes"] is rows[1]["image"]["bytes"]


def test_a_dataset_built_by_an_older_recipe_is_rebuilt(tmp_path, monkeypatch):
    build_module = importlib.import_module("st_unimr.data.build")

    monkeypatch.setattr(build_module, "data_dir", lambda: tmp_path)
    calls = []

    def fake_builder(sources):
        calls.append(1)
        return DatasetDict({"train": Dataset.from_dict({"text": ["a"]})}), {}

    monkeypatch.setitem(build_module._BUILDERS, "requests", fake_builder)
    build_module.build(["requests"], datasheet=False)
    assert len(calls) == 1
    recipe = json.loads((tmp_path / "requests" / "recipe.json").read_text())
    assert recipe == {"version": build_module.RECIPE_VERSIONS["requests"]}
    build_module.build(["requests"], datasheet=False)
    assert len(calls) == 1  # current recipe: kept
    (tmp_path / "requests" / "recipe.json").unlink()  # a folder from before recipe versions
    build_module.build(["requests"], datasheet=False)
    assert len(calls) == 2
