"""Slow: builds the evaluation-only real_photos check from its pinned packages (about 400 MB of downloads)."""

from __future__ import annotations

from collections import Counter

import pytest

from st_unimr.data import load
from st_unimr.data.build import build
from st_unimr.data.pins import ALL_PINS, REAL_PHOTO_PINS

pytestmark = pytest.mark.slow

TRAINING_PACKAGES = {"tuxpaint-stamps-default", "fonts-noto-color-emoji", "iso-flags-png-320x240", "openmoji"}


@pytest.fixture(scope="module")
def photos():
    build(["real_photos"], datasheet=False)
    return load("real_photos")


def test_size_languages_and_kinds(photos) -> None:
    assert list(photos) == ["dev"]  # no train split: evaluation only
    ds = photos["dev"]
    assert len(set(ds["concept_id"])) >= 100
    assert set(ds["domain"]) == {"photo"}
    titles = Counter(lang for lang, kind in zip(ds["lang"], ds["kind"]) if kind == "title")
    assert sum(n >= 20 for n in titles.values()) >= 30  # languages with enough title queries for a figure
    descriptions = Counter(lang for lang, kind in zip(ds["lang"], ds["kind"]) if kind == "description")
    assert sum(n >= 5 for n in descriptions.values()) >= 20
    assert {"mate-backgrounds", "plasma-wallpapers", "palapeli", "stellarium-dso"} <= set(ds["source"])


def test_never_from_training_or_reserved_packages(photos) -> None:
    names = {a.name for a in REAL_PHOTO_PINS}
    assert not names & (TRAINING_PACKAGES | {"gcompris-qt-data"})
    assert not names & {a.name for a in ALL_PINS}


def test_images_decode(photos) -> None:
    row = photos["dev"][0]
    assert row["image"].mode == "RGB" and max(row["image"].size) <= 224
