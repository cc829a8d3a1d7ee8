"""Slow: EfficientNet-Lite against the reference implementation on real photos; ImageNet names; baselines.

Run with ``pytest -m slow tests/assets -s`` to see the figures.
"""

from __future__ import annotations

import importlib
import json
import sys

import numpy as np
import pytest
import torch

from st_unimr.modules.efficientnet_lite import EfficientNetLite

pytestmark = pytest.mark.slow

PHOTOS = ["chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "astronaut.png", "horse.png"]
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def preprocess(path, size: int) -> torch.Tensor:
    """Resize the short side to size * 256 / 224 (bicubic), centre-crop ``size``, ImageNet mean/std."""
    from PIL import Image

    image = Image.open(path).convert("RGB")
    short = round(size * 256 / 224)
    w, h = image.size
    scale = short / min(w, h)
    image = image.resize((max(short, round(w * scale)), max(short, round(h * scale))), Image.BICUBIC)
    w, h = image.size
    left, top = (w - size) // 2, (h - size) // 2
    image = image.crop((left, top, left + size, top + size))
    pixels = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (pixels - MEAN) / STD


@pytest.fixture(scope="module")
def reference_class():
    from st_unimr.assets.catalog import get_artifact

    root = str(get_artifact("efficientnet-lite-pytorch").unpack())
    sys.path.insert(0, root)
    try:
        return importlib.import_module("efficientnet_lite_pytorch").EfficientNet
    finally:
        sys.path.remove(root)


@pytest.fixture(scope="module")
def photos():
    from st_unimr.assets.catalog import get_artifact

    data = get_artifact("skimage-data").unpack() / "skimage" / "data"
    return {name: data / name for name in PHOTOS}


@pytest.mark.parametrize("variant", ["lite0", "lite2"])
def test_efficientnet_parity_on_photos(variant, reference_class, photos):
    from st_unimr.assets import ensure_image_backbone, imagenet_classnames
    from st_unimr.assets.efficientnet_weights import reference_weights_path

    names = imagenet_classnames()
    ours = EfficientNetLite(variant).eval()
    ours.load_weights(ensure_image_backbone(variant))
    ref = reference_class.from_pretrained(f"efficientnet-{variant}", weights_path=str(reference_weights_path(variant)))
    ref.eval()
    batch = torch.stack([preprocess(path, ours.image_size) for path in photos.values()])
    with torch.no_grad():
        a, b = ours(batch), ref(batch)
        features_ref = ref._avg_pooling(ref.extract_features(batch)).flatten(1)
        features = ours.forward_features(batch)
    probs = a.softmax(-1)
    report = {}
    for i, photo in enumerate(photos):
        top_ours, top_ref = int(a[i].argmax()), int(b[i].argmax())
        diff = float((a[i] - b[i]).abs().max())
        report[photo] = {"top1": names[top_ours], "p": round(float(probs[i, top_ours]), 3), "max_logit_diff": diff}
        assert top_ours == top_ref, photo
        assert diff < 1e-3, (photo, diff)
    print(f"\n{variant}:", json.dumps(report, indent=1))
    assert torch.allclose(features, features_ref, atol=1e-4)
    # The photos the notes checked: a cat and an espresso.
    assert "cat" in report["chelsea.png"]["top1"] and report["coffee.png"]["top1"] == "espresso"


def test_efficientnet_runs_at_other_resolutions(photos):
    from st_unimr.assets import ensure_image_backbone

    model = EfficientNetLite("lite0").eval()
    model.load_weights(ensure_image_backbone("lite0"))
    with torch.no_grad():
        for size in (192, 257, 320):
            logits = model(preprocess(photos["coffee.png"], size)[None])
            assert logits.shape == (1, 1000) and torch.isfinite(logits).all()


def test_imagenet_classnames_real():
    from st_unimr.assets import imagenet_classnames

    names = imagenet_classnames()
    assert len(names) == 1000 and len(set(names)) == 1000
    assert names[0] == "tench" and names[285] == "Egyptian cat" and names[967] == "espresso"
    assert all(n and n == n.strip() for n in names)


def test_use_multilingual_baseline():
    from st_unimr.baselines import MultilingualUSE

    use = MultilingualUSE()
    emb = use.encode(["a dog runs on the beach", "ein Hund rennt am Strand", "the stock market fell sharply"])
    assert emb.shape == (3, 512)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert emb[0] @ emb[1] > emb[0] @ emb[2] + 0.3
    # mteb's EncoderProtocol hands over batches with a "text" column.
    batches = [{"text": ["a dog runs on the beach"]}, {"text": ["ein Hund rennt am Strand"]}]
    np.testing.assert_allclose(use.encode(batches), emb[:2], atol=1e-5)
    assert use.mteb_model_meta.embed_dim == 512


def test_all_minilm_baseline():
    from st_unimr.baselines import load_baseline

    model = load_baseline("all-minilm-l6-v2")
    emb = model.encode(["a dog runs on the beach", "a puppy plays on the sand", "the stock market fell"])
    assert emb.shape == (3, 384)
    assert emb[0] @ emb[1] > emb[0] @ emb[2]
