"""Tiny in-memory datasets in the st_unimr.data schemas, and an oracle mteb encoder that knows every concept."""

from __future__ import annotations

from typing import Any

import numpy as np
from datasets import Dataset, DatasetDict
from mteb.models import ModelMeta
from mteb.models.abs_encoder import AbsEncoder
from PIL import Image

COLORS = {"dog": (200, 30, 30), "cat": (30, 200, 30), "bicycle": (30, 30, 200), "beach": (200, 200, 30)}
CAPTIONS = {
    "en": {"dog": "A dog.", "cat": "A cat.", "bicycle": "A bicycle.", "beach": "A beach."},
    "de": {"dog": "Ein Hund.", "cat": "Eine Katze.", "bicycle": "Ein Fahrrad.", "beach": "Der Strand."},
    "fr": {"dog": "Un chien.", "cat": "Un chat.", "bicycle": "Un vélo.", "beach": "La plage."},
}


def image_of(concept: str) -> Image.Image:
    return Image.new("RGB", (32, 32), COLORS[concept])


def image_text() -> Dataset:
    rows = [
        {"image": image_of(c), "text": text, "lang": lang, "concept_id": f"name:{c}", "source": "test"}
        for lang, captions in CAPTIONS.items()
        for c, text in captions.items()
    ]
    return Dataset.from_list(rows)


def text_pairs() -> Dataset:
    rows = []
    for lang in ("de", "fr"):
        for c in COLORS:
            rows.append(
                {
                    "anchor": CAPTIONS["en"][c],
                    "positive": CAPTIONS[lang][c],
                    "lang_anchor": "en",
                    "lang_positive": lang,
                    "concept_id": f"name:{c}",
                    "source": "test",
                }
            )
    return Dataset.from_list(rows)


INTENT_TEXTS = {
    "en": [("find a photo of my dog", 0), ("what is the weather tomorrow", 1), ("wake me up at six", 2)],
    "de": [("finde ein Foto von meinem Hund", 0), ("wie wird das Wetter morgen", 1), ("weck mich um sechs", 2)],
}


def intents() -> DatasetDict:
    def rows(repeat: int) -> Dataset:
        return Dataset.from_list(
            [
                {"text": f"{text} {i}", "label": label, "lang": lang}
                for lang, items in INTENT_TEXTS.items()
                for text, label in items
                for i in range(repeat)
            ]
        )

    return DatasetDict(train=rows(4), test=rows(2))


class OracleEncoder(AbsEncoder):
    """Embeds every text and image as the one-hot vector of its concept: a perfect retriever."""

    def __init__(self) -> None:
        self.concept_of_text = {}
        for captions in CAPTIONS.values():
            for concept, text in captions.items():
                self.concept_of_text[text] = concept
        self.concepts = sorted(COLORS)
        self.mteb_model_meta = ModelMeta.create_empty(
            overwrites={"name": "test/oracle", "revision": "1", "modalities": ["text", "image"]}
        )

    def _concept(self, item: Any) -> str:
        if isinstance(item, str):
            return next(c for text, c in self.concept_of_text.items() if text.rstrip(".").lower() in item.lower())
        color = item.convert("RGB").getpixel((0, 0))
        return next(c for c, rgb in COLORS.items() if rgb == color)

    def encode(self, inputs, **kwargs: Any) -> np.ndarray:
        items = [x for batch in inputs for x in (batch["image"] if "image" in batch else batch["text"])]
        out = np.zeros((len(items), len(self.concepts)), dtype=np.float32)
        for i, item in enumerate(items):
            out[i, self.concepts.index(self._concept(item))] = 1.0
        return out
