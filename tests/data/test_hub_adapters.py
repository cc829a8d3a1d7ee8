from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value
from datasets import Image as ImageFeature
from PIL import Image

from st_unimr.data import (
    IMAGE_TEXT_FEATURES,
    INTENT_FEATURES,
    TEXT_PAIR_FEATURES,
    DataSourceError,
    from_crossmodal3600,
    from_massive,
    from_multi30k,
    from_parallel_sentences,
)
from st_unimr.data.splits import check_no_leakage


def _massive_row(i: int, locale: str, intent: str, partition: str, utt: str) -> dict:
    return {
        "id": str(i),
        "locale": locale,
        "partition": partition,
        "scenario": intent.split("_")[0],
        "intent": intent,
        "utt": utt,
        "annot_utt": utt,
        "worker_id": "1",
        "slot_method": [],
        "judgments": [],
    }


MASSIVE = [
    (1, "alarm_set", "train", {"en-US": "wake me up at five am", "de-DE": "weck mich um fünf uhr"}),
    (2, "weather_query", "dev", {"en-US": "is it raining", "de-DE": "regnet es"}),
    (3, "alarm_set", "test", {"en-US": "set an alarm", "de-DE": "stell einen wecker"}),
]


def test_from_massive_local_jsonl(tmp_path: Path) -> None:
    folder = tmp_path / "1.1" / "data"
    folder.mkdir(parents=True)
    for locale in ("en-US", "de-DE"):
        lines = [json.dumps(_massive_row(i, locale, it, p, utts[locale])) for i, it, p, utts in MASSIVE]
        (folder / f"{locale}.jsonl").write_text("\n".join(lines) + "\n")
    dsd = from_massive(tmp_path)
    assert set(dsd) == {"train", "dev", "test"} and dsd["train"].features == INTENT_FEATURES
    assert sorted(dsd["train"]["text"]) == ["wake me up at five am", "weck mich um fünf uhr"]
    assert set(dsd["dev"]["lang"]) == {"en", "de"}
    assert dsd["test"][0]["intent"] == "alarm_set" and dsd["test"][0]["label"] == 0  # sorted label list
    check_no_leakage({s: dsd[s]["template_id"] for s in dsd})


def test_from_massive_hub_layout() -> None:
    # The Hub version: splits train/validation/test, intent as ClassLabel.
    names = ["alarm_set", "weather_query"]
    features = Features({"id": Value("string"), "locale": Value("string"), "utt": Value("string")})
    features["intent"] = ClassLabel(names=names)
    hub = DatasetDict(
        {
            split: Dataset.from_list(
                [{"id": str(i), "locale": "fr-FR", "utt": f"u{i}", "intent": names.index(it)}], features=features
            )
            for split, (i, it) in {"train": (1, "alarm_set"), "validation": (2, "weather_query")}.items()
        }
    )
    dsd = from_massive(hub)
    assert dsd["dev"][0] == {
        "text": "u2",
        "label": 1,
        "intent": "weather_query",
        "lang": "fr",
        "template_id": "massive:2",
        "source": "massive",
    }


def test_from_massive_bad_line_names_file(tmp_path: Path) -> None:
    (tmp_path / "en-US.jsonl").write_text('{"locale": "en-US"\n')
    with pytest.raises(DataSourceError, match=r"en-US.jsonl:1"):
        from_massive(tmp_path)


def test_from_parallel_sentences_local_and_loaded(tmp_path: Path) -> None:
    rows = [
        {"english": "Good morning.", "non_english": "Guten Morgen."},
        {"english": "Thanks", "non_english": "Danke"},
    ]
    (tmp_path / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    dsd = from_parallel_sentences(tmp_path, "de")
    assert dsd["train"].features == TEXT_PAIR_FEATURES
    assert dsd["train"][0]["positive"] == "Guten Morgen." and dsd["train"][0]["lang_positive"] == "de"
    loaded = from_parallel_sentences(Dataset.from_list(rows), "de")
    assert loaded["train"]["concept_id"] == dsd["train"]["concept_id"]
    with pytest.raises(DataSourceError, match="missing columns"):
        from_parallel_sentences(Dataset.from_list([{"en": "x"}]), "de")


def _jpg(path: Path, color: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 24), color).save(path)
    return path


def test_from_crossmodal3600_original_layout(tmp_path: Path) -> None:
    _jpg(tmp_path / "images" / "000411001ff7dd4f.jpg", "red")
    record = {
        "image/key": "000411001ff7dd4f",
        "en": {"caption": ["a red square", "red"], "caption/tokenized": ["a red square", "red"]},
        "de": {"caption": ["ein rotes Quadrat"], "caption/tokenized": ["ein rotes quadrat"]},
    }
    (tmp_path / "captions.jsonl").write_text(json.dumps(record) + "\n")
    dsd = from_crossmodal3600(tmp_path)
    assert len(dsd["test"]) == 3 and len(dsd["train"]) == 0
    assert dsd["test"].features == IMAGE_TEXT_FEATURES
    assert dsd["test"][2]["image"].size == (32, 24) and set(dsd["test"]["concept_id"]) == {"xm3600:000411001ff7dd4f"}
    assert len(from_crossmodal3600(tmp_path, langs=["de"])["test"]) == 1


def test_from_crossmodal3600_hub_layout(tmp_path: Path) -> None:
    features = Features({"image_id": Value("string"), "captions": Sequence(Value("string")), "image": ImageFeature()})
    image = str(_jpg(tmp_path / "a.jpg", "blue"))
    hub = DatasetDict(
        {
            lang: Dataset.from_list([{"image_id": "k1", "captions": caps, "image": image}], features=features)
            for lang, caps in {"en": ["a blue square"], "ja": ["青い四角", "四角"]}.items()
        }
    )
    dsd = from_crossmodal3600(hub)
    assert sorted(dsd["test"]["lang"]) == ["en", "ja", "ja"]


def test_from_crossmodal3600_missing_image(tmp_path: Path) -> None:
    (tmp_path / "captions.jsonl").write_text(json.dumps({"image/key": "k9", "en": {"caption": ["x"]}}) + "\n")
    with pytest.raises(DataSourceError, match="images/k9.jpg"):
        from_crossmodal3600(tmp_path)


def test_from_multi30k_local_layout(tmp_path: Path) -> None:
    root, images = tmp_path / "task1", tmp_path / "flickr30k-images"
    (root / "raw").mkdir(parents=True)
    (root / "image_splits").mkdir()
    splits = {"train": ["1000092795.jpg", "10002456.jpg"], "val": ["1000268201.jpg"], "test_2016_flickr": ["1.jpg"]}
    for split, names in splits.items():
        (root / "image_splits" / f"{split}.txt").write_text("\n".join(names) + "\n")
        (root / "raw" / f"{split}.en").write_text("\n".join(f"A photo {n}." for n in names) + "\n")
        (root / "raw" / f"{split}.de").write_text("\n".join(f"Ein Foto {n}." for n in names) + "\n")
        for name in names:
            _jpg(images / name, "green")
    dsd = from_multi30k(root, images)
    assert {s: len(d) for s, d in dsd.items()} == {"train": 4, "dev": 2, "test": 2}
    assert dsd["dev"][1] == dsd["dev"][1] and set(dsd["dev"]["lang"]) == {"en", "de"}
    assert set(dsd["train"]["concept_id"]) == {"multi30k:1000092795.jpg", "multi30k:10002456.jpg"}
    check_no_leakage({s: dsd[s]["concept_id"] for s in dsd})
    (root / "raw" / "val.de").write_text("one\ntwo\n")
    with pytest.raises(DataSourceError, match="raw/val.de"):
        from_multi30k(root, images)


def test_from_multi30k_hub_layout(tmp_path: Path) -> None:
    image = str(_jpg(tmp_path / "a.jpg", "white"))
    features = Features({"image": ImageFeature(), "en": Value("string"), "de": Value("string")})
    hub = DatasetDict({"validation": Dataset.from_list([{"image": image, "en": "a", "de": "b"}], features=features)})
    dsd = from_multi30k(hub, langs=("en", "de", "fr"))
    assert dsd["dev"]["text"] == ["a", "b"] and len(set(dsd["dev"]["concept_id"])) == 1
