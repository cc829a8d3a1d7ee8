from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from st_unimr.modules.image_loading import ImageInputError, load_rgb_image, to_rgb
from st_unimr.modules.module_lookup import find_image_encoder


def embed(model, images):
    return model.encode_document(images, convert_to_numpy=True)


def test_transparent_pixels_are_composited_on_white(tiny_unimr):
    transparent = Image.new("RGBA", (40, 40), (255, 0, 0, 0))
    white = Image.new("RGB", (40, 40), (255, 255, 255))
    assert np.allclose(embed(tiny_unimr, [transparent]), embed(tiny_unimr, [white]), atol=1e-6)
    la = Image.new("LA", (40, 40), (0, 0))
    assert np.asarray(to_rgb(la)).min() == 255


def test_every_image_mode_gives_an_embedding(tiny_unimr):
    rgb = Image.new("RGB", (50, 40), (200, 30, 30))
    palette = rgb.convert("P")
    palette_transparent = Image.new("P", (20, 20), 0)
    palette_transparent.info["transparency"] = 0
    gray16 = Image.fromarray((np.linspace(0, 65535, 40 * 40).reshape(40, 40)).astype(np.uint16))
    assert gray16.mode.startswith("I;16")
    images = [
        rgb,
        palette,
        palette_transparent,
        rgb.convert("RGBA"),
        rgb.convert("LA"),
        rgb.convert("CMYK"),
        rgb.convert("L"),
        rgb.convert("1"),
        gray16,
        Image.new("RGB", (1, 1), (0, 0, 255)),
    ]
    embeddings = embed(tiny_unimr, images)
    assert embeddings.shape == (len(images), 32)
    assert np.isfinite(embeddings).all()
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-5)


def test_sixteen_bit_images_keep_their_contrast():
    values = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    rgb = np.asarray(to_rgb(Image.fromarray(values)))
    # PIL's own I;16 -> RGB conversion clips at 255 and turns almost everything white.
    assert rgb.min() == 0 and rgb.max() == 255 and 100 < rgb.mean() < 155


def test_huge_image_is_reduced_before_resizing(tiny_unimr):
    huge = Image.new("RGB", (8000, 8000), (10, 200, 10))
    assert load_rgb_image(huge, max_side=64).size[0] < 8000
    small = Image.new("RGB", (64, 64), (10, 200, 10))
    assert np.allclose(embed(tiny_unimr, [huge]), embed(tiny_unimr, [small]), atol=1e-4)


def test_arrays_tensors_paths_and_dicts(tiny_unimr, tmp_path):
    rng = np.random.default_rng(0)
    array = rng.integers(0, 255, (36, 36, 3), dtype=np.uint8)
    image = Image.fromarray(array)
    path = tmp_path / "photo.png"
    image.save(path)
    inputs = [
        image,
        array,
        array.astype(np.float32) / 255.0,
        np.moveaxis(array, -1, 0),
        torch.from_numpy(array.copy()),
        str(path),
        {"image": image},
    ]
    embeddings = embed(tiny_unimr, inputs)
    assert np.allclose(embeddings, embeddings[0], atol=1e-5)
    assert np.allclose(embed(tiny_unimr, [{"image": str(path)}]), embeddings[0], atol=1e-5)
    assert np.allclose(load_rgb_image(Path(path)), array)


def test_missing_and_corrupt_files_are_named(tiny_unimr, tmp_path):
    encoder = find_image_encoder(tiny_unimr)
    missing = tmp_path / "nowhere.png"
    with pytest.raises(ImageInputError, match="nowhere.png"):
        encoder.preprocess([str(missing)])
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    with pytest.raises(ImageInputError, match="broken.jpg"):
        tiny_unimr.encode_document([str(corrupt)])
    with pytest.raises(ImageInputError, match="Unsupported image input"):
        encoder.preprocess([3.5])
    with pytest.raises(ImageInputError, match="shape"):
        encoder.preprocess([np.zeros((5, 5, 7), dtype=np.uint8)])


def test_frozen_backbone_has_identical_outputs_in_train_mode(tiny_unimr):
    encoder = find_image_encoder(tiny_unimr)
    features = encoder.preprocess([Image.new("RGB", (40, 40), (1, 2, 3)), Image.new("RGB", (40, 40), (90, 2, 3))])
    encoder.eval()
    expected = encoder(dict(features))["sentence_embedding"]
    encoder.train()
    assert not encoder.backbone.training
    assert torch.allclose(encoder(dict(features))["sentence_embedding"], expected, atol=1e-6)
    assert not any(p.requires_grad for p in encoder.backbone.parameters())
    assert encoder.prototypes.requires_grad and encoder.linear.weight.requires_grad


def test_trainable_blocks(tiny_unimr_factory, tiny_clip_dir):
    model = tiny_unimr_factory(num_trainable_image_blocks=2)
    backbone = find_image_encoder(model).backbone
    blocks = list(backbone.model.blocks)
    assert all(p.requires_grad for block in blocks[-2:] for p in block.parameters())
    assert not any(p.requires_grad for block in blocks[:-2] for p in block.parameters())
    assert backbone.model.head_conv.weight.requires_grad and not backbone.model.stem_conv.weight.requires_grad

    clip = tiny_unimr_factory(image_model=tiny_clip_dir, num_trainable_image_blocks=1)
    clip_backbone = find_image_encoder(clip).backbone
    layers = clip_backbone.model.vision_model.encoder.layers
    assert all(p.requires_grad for p in layers[-1].parameters())
    assert not any(p.requires_grad for p in layers[0].parameters())
    assert clip_backbone.model.visual_projection.weight.requires_grad
    with pytest.raises(ValueError, match="blocks"):
        tiny_unimr_factory(image_model=tiny_clip_dir, num_trainable_image_blocks=5)


def test_clip_backbone_route(tiny_unimr_factory, tiny_clip_dir):
    model = tiny_unimr_factory(image_model=tiny_clip_dir)
    encoder = find_image_encoder(model)
    assert encoder.backbone_type == "clip" and encoder.projection == "linear"
    embeddings = embed(model, [Image.new("RGB", (64, 48), (0, 0, 0)), Image.new("RGB", (48, 64), (255, 255, 0))])
    assert embeddings.shape == (2, 32)
    assert not np.allclose(embeddings[0], embeddings[1])


def test_zero_shot_prototypes_are_centred_text_embeddings(tiny_unimr):
    encoder = find_image_encoder(tiny_unimr)
    prototypes = encoder.prototypes.detach()
    assert torch.allclose(prototypes.mean(dim=0), torch.zeros(prototypes.shape[1]), atol=1e-6)
    assert prototypes.norm(dim=1).min() > 0


def test_cached_backbone_features_are_identical(tiny_unimr):
    encoder = find_image_encoder(tiny_unimr).eval()
    images = [Image.new("RGB", (40, 40), (i * 20, 5, 5)) for i in range(5)]
    features = encoder.preprocess(images)
    expected = encoder(dict(features))["sentence_embedding"]
    encoder.cache_backbone_features()
    first = encoder(dict(features))["sentence_embedding"]
    assert len(encoder._feature_cache) == 5
    partial = encoder.preprocess(images[3:] + [Image.new("RGB", (40, 40), (0, 99, 0))])
    second = encoder(dict(partial))["sentence_embedding"]
    assert len(encoder._feature_cache) == 6
    assert torch.equal(first, expected)
    # Same rows in another batch: equal up to float rounding (convolutions vary at the last bit with batch size).
    torch.testing.assert_close(second[:2], expected[3:], atol=1e-6, rtol=1e-5)
    encoder.cache_backbone_features(False)
    encoder.set_trainable_blocks(1)
    with pytest.raises(ValueError, match="frozen"):
        encoder.cache_backbone_features()
