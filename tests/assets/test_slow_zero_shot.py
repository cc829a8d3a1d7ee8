"""The untrained default model (no training at all) matches real photos to captions in several languages.

Run with ``pytest -m slow tests/assets/test_slow_zero_shot.py -s`` to see the similarity ranks.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from st_unimr.assets import get_artifact

pytestmark = pytest.mark.slow

PHOTOS = {"chelsea.png": "cat", "coffee.png": "coffee", "rocket.jpg": "rocket", "motorcycle_left.png": "motorcycle"}
# Hand-written captions; one per photo and language, in the order of PHOTOS.
CAPTIONS = {
    "en": ["a photo of a cat", "a cup of coffee", "a rocket on the launch pad", "a motorcycle"],
    "de": ["ein Foto einer Katze", "eine Tasse Kaffee", "eine Rakete auf der Startrampe", "ein Motorrad"],
    "fr": ["une photo d'un chat", "une tasse de café", "une fusée sur le pas de tir", "une moto"],
    "es": ["una foto de un gato", "una taza de café", "un cohete en la plataforma de lanzamiento", "una moto"],
    "zh": ["一只猫的照片", "一杯咖啡", "发射台上的火箭", "一辆摩托车"],
}


@pytest.fixture(scope="module")
def model():
    from st_unimr import build_unimr

    return build_unimr(intents=["find_photo", "other"])


@pytest.fixture(scope="module")
def photos():
    root = get_artifact("skimage-data").unpack() / "skimage" / "data"
    return [Image.open(root / name) for name in PHOTOS]


@pytest.mark.parametrize("lang", sorted(CAPTIONS))
def test_photos_retrieve_their_caption_without_training(model, photos, lang):
    images = model.encode_document(photos)
    captions = model.encode_query(CAPTIONS[lang])
    scores = captions @ images.T
    correct = int((scores.argmax(axis=1) == np.arange(len(photos))).sum())
    print(f"{lang}: {correct}/{len(photos)} captions retrieve their photo; scores\n{np.round(scores, 3)}")
    assert correct == len(photos)


@pytest.mark.parametrize("lang", ["de", "fr", "es", "ru", "zh", "ja", "ar"])
def test_translations_retrieve_their_english_source(model, lang):
    """Through the assembled UniMR model (Router, NLU fusion at identity), not the bare encoder."""
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).parent / "translations.json").read_text(encoding="utf-8"))
    english = model.encode_document(data["en"])
    queries = model.encode_query(data[lang])
    accuracy = float(((queries @ english.T).argmax(axis=1) == np.arange(len(queries))).mean())
    print(f"{lang}: translation -> English accuracy {accuracy:.2f} among {len(english)} candidates")
    assert accuracy >= 0.9


def test_lite2_by_name_gets_imagenet_weights_and_a_zero_shot_head(tiny_text_dir):
    import torch
    from safetensors.torch import load_file

    from st_unimr import build_unimr
    from st_unimr.assets import ensure_image_backbone
    from st_unimr.modules.module_lookup import find_image_encoder

    model = build_unimr(text_model=tiny_text_dir, image_model="efficientnet-lite2", intents=["a", "b"])
    encoder = find_image_encoder(model)
    expected = load_file(str(ensure_image_backbone("lite2")))
    state = encoder.backbone.model.state_dict()
    assert all(torch.equal(state[key], value) for key, value in expected.items())
    assert encoder.projection == "prototypes" and encoder.prototypes.abs().sum() > 0
