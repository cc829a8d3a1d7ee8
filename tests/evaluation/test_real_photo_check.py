from __future__ import annotations

import math

import pytest
import torch
from datasets import Dataset

from st_unimr.data.schemas import IMAGE_TEXT_FEATURES, REAL_PHOTO_FEATURES
from st_unimr.evaluation import real_photo_check
from st_unimr.evaluation.real_photo_check import (
    in_domain_metrics,
    markdown_report,
    mean_pairwise_cosine,
    real_photo_metrics,
)

COLORS = {"dog": (200, 30, 30), "cat": (30, 200, 30), "bicycle": (30, 30, 200), "beach": (200, 200, 30)}
SOURCE = {"dog": "src-a", "cat": "src-a", "bicycle": "src-b", "beach": "stellarium-dso"}
TITLES = {
    "en": {"dog": "Dog", "cat": "Cat", "bicycle": "Bicycle", "beach": "Beach"},
    "de": {"dog": "Hund", "cat": "Katze", "bicycle": "Fahrrad", "beach": "Strand"},
}


def _image(concept: str):
    from PIL import Image

    return Image.new("RGB", (32, 32), COLORS[concept])


def _photos() -> Dataset:
    rows = []
    for lang, titles in TITLES.items():
        for concept, title in titles.items():
            rows.append(_row(concept, title, lang, "title", SOURCE[concept]))
    # A repeated title: both images are positives of the one query "Animal".
    rows += [_row("dog", "Animal", "fr", "title", "src-a"), _row("cat", "animal", "fr", "title", "src-a")]
    rows += [_row("beach", "A sandy beach by the sea, seen at noon.", "en", "description", "stellarium-dso")]
    return Dataset.from_list(rows, features=REAL_PHOTO_FEATURES)


def _row(concept: str, text: str, lang: str, kind: str, source: str) -> dict:
    return {
        "image": _image(concept),
        "text": text,
        "lang": lang,
        "concept_id": f"photo:test:{concept}",
        "kind": kind,
        "domain": "photo",
        "source": source,
        "license": "CC0",
    }


def test_mean_pairwise_cosine_detects_collapse():
    assert mean_pairwise_cosine(torch.ones(5, 8)) == pytest.approx(1.0)
    assert mean_pairwise_cosine(torch.eye(4)) == pytest.approx(0.0)
    assert mean_pairwise_cosine(torch.tensor([[1.0, 0.0], [-1.0, 0.0]])) == pytest.approx(-1.0)
    assert math.isnan(mean_pairwise_cosine(torch.ones(1, 3)))


def test_mean_pairwise_cosine_stays_a_cosine_under_rounding():
    # Copies of one random vector: in float32 the mean came out 1.0000001 for 8 of these 50 vectors.
    for seed in range(50):
        vector = torch.randn(1, 384, generator=torch.Generator().manual_seed(seed))
        assert -1.0 <= mean_pairwise_cosine(vector.repeat(6, 1)) <= 1.0


def test_real_photo_metrics_shape_and_range(tiny_unimr):
    metrics = real_photo_metrics(tiny_unimr, _photos(), min_queries={"title": 1, "description": 1})
    assert metrics["real_photos_n_images"] == 4
    assert -1.0 <= metrics["real_photos_image_cosine"] <= 1.0
    for lang in ("en", "de", "fr"):
        assert 0.0 <= metrics[f"real_photos_title_recall@10_{lang}"] <= 1.0
    # Only 4 images: every image is in the top 10, so recall@10 is 1 whatever the model.
    assert metrics["real_photos_title_recall@10"] == pytest.approx(1.0)
    assert metrics["real_photos_title_n_langs"] == 3
    assert metrics["real_photos_title_n_queries"] == 4 + 4 + 1  # "Animal"/"animal" are one query
    assert metrics["real_photos_description_recall@10_en"] == pytest.approx(1.0)
    assert metrics["real_photos_description_n_langs"] == 1
    assert set(k for k in metrics if "_en_" in k) == {
        "real_photos_title_recall@10_en_src-a",
        "real_photos_title_recall@10_en_src-b",
        "real_photos_title_recall@10_en_stellarium-dso",
    }
    # The everyday figure leaves the deep-sky titles out of the queries ("Beach", "Strand" here).
    assert metrics["real_photos_everyday_title_n_queries"] == 3 + 3 + 1
    assert metrics["real_photos_everyday_title_recall@10"] == pytest.approx(1.0)
    report = markdown_report(metrics, label="tiny")
    assert "| de |" in report and "titles (short)" in report and "no deep-sky" in report


def test_min_queries_drops_thin_languages(tiny_unimr):
    metrics = real_photo_metrics(tiny_unimr, _photos(), min_queries={"title": 4, "description": 5})
    assert "real_photos_title_recall@10_fr" not in metrics  # one distinct query only
    assert metrics["real_photos_title_n_langs"] == 2
    assert "real_photos_description_recall@10" not in metrics


def test_collapsed_image_embeddings_give_cosine_one(tiny_unimr, monkeypatch):
    # Every photo embedded to the same vector: the image space has collapsed.
    width = tiny_unimr.get_embedding_dimension()
    monkeypatch.setattr(
        real_photo_check, "_encode_images", lambda model, images, batch_size: torch.ones(len(images), width)
    )
    metrics = real_photo_metrics(tiny_unimr, _photos(), min_queries={"title": 1})
    assert metrics["real_photos_image_cosine"] == pytest.approx(1.0)


def test_in_domain_metrics_per_domain(tiny_unimr):
    rows = []
    for source, concepts in (("tuxpaint", ("dog", "cat")), ("noto-emoji", ("bicycle",)), ("iso-flags", ("beach",))):
        for concept in concepts:
            for lang, titles in TITLES.items():
                rows.append(
                    {
                        "image": _image(concept),
                        "text": titles[concept],
                        "lang": lang,
                        "concept_id": f"name:{concept}",
                        "source": source,
                    }
                )
    dataset = Dataset.from_list(rows, features=IMAGE_TEXT_FEATURES)
    metrics = in_domain_metrics(tiny_unimr, dataset, split="test", max_queries_per_domain=3)
    for domain, n_images in (("clipart", 2), ("emoji", 1), ("flags", 1)):
        assert 0.0 <= metrics[f"test_{domain}_t2i_recall@10"] <= 1.0
        assert metrics[f"test_{domain}_n_images"] == n_images
    assert metrics["test_clipart_image_cosine"] <= 1.0 + 1e-6
    assert math.isnan(metrics["test_emoji_image_cosine"])  # a single image has no pairs
    assert -1.0 <= metrics["test_all_image_cosine"] <= 1.0
