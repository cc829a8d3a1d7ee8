from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import st_unimr
from st_unimr.errors import InvalidInputError
from st_unimr.modules.module_lookup import find_image_encoder


def _pooled(encoder, images) -> torch.Tensor:
    with torch.no_grad():
        return encoder._backbone_outputs(encoder.preprocess(images)["pixel_values"])[0]


def _domain(seed: int, count: int, low: int, high: int) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(low, high, (24, 24, 3), dtype=np.uint8)) for _ in range(count)]


def test_gate_opens_on_the_training_domain_and_closes_far_from_it(tiny_unimr_factory):
    model = tiny_unimr_factory()
    encoder = find_image_encoder(model)
    training = _domain(0, 40, 0, 60)  # dark noise
    # Random tiny features sit close together in cosine, so the tests take a sharper gate than the default.
    report = encoder.fit_domain_gate(_pooled(encoder, training), softness=1e-3)
    assert report["threshold"] < report["median_similarity"] and report["bank"] == 40
    with torch.no_grad():
        encoder.linear.weight.normal_()
        inside = encoder(encoder.preprocess(_domain(1, 10, 0, 60)))["domain_gate"]
        outside = encoder(encoder.preprocess(_domain(2, 10, 200, 256)))["domain_gate"]
    assert inside.mean() > 0.5 > outside.max()
    assert outside.max() < 1e-3


def test_a_closed_gate_keeps_the_zero_shot_embedding(tiny_unimr_factory):
    model = tiny_unimr_factory()
    encoder = find_image_encoder(model)
    far = _domain(2, 4, 200, 256)
    before = model.encode_document(far, convert_to_tensor=True)
    encoder.fit_domain_gate(_pooled(encoder, _domain(0, 40, 0, 60)), softness=1e-3)
    with torch.no_grad():
        encoder.linear.weight.normal_(std=10.0)
    after = model.encode_document(far, convert_to_tensor=True)
    assert torch.allclose(before, after, atol=1e-3)


def test_gate_round_trips_through_save_and_load(tiny_unimr_factory, tmp_path: Path):
    model = tiny_unimr_factory()
    encoder = find_image_encoder(model)
    encoder.fit_domain_gate(_pooled(encoder, _domain(0, 40, 0, 60)))
    with torch.no_grad():
        encoder.linear.weight.normal_()
    images = _domain(5, 3, 0, 256)
    expected = model.encode_document(images, convert_to_tensor=True)
    st_unimr.save(model, tmp_path / "model")
    loaded = st_unimr.load(str(tmp_path / "model"))
    assert find_image_encoder(loaded).domain_gate_size == 40
    assert torch.allclose(loaded.encode_document(images, convert_to_tensor=True), expected, atol=1e-5)


def test_models_saved_without_a_gate_still_load(tiny_unimr_factory, tmp_path: Path):
    model = tiny_unimr_factory()
    st_unimr.save(model, tmp_path / "model")
    configs = list((tmp_path / "model").rglob("image_encoder_config.json"))
    assert configs
    config = json.loads(configs[0].read_text())
    config.pop("domain_gate_size")
    config.pop("domain_gate_neighbours")
    configs[0].write_text(json.dumps(config))
    assert find_image_encoder(st_unimr.load(str(tmp_path / "model"))).domain_gate_size == 0


def test_fit_domain_gate_rejects_bad_input(tiny_unimr_factory):
    encoder = find_image_encoder(tiny_unimr_factory())
    with pytest.raises(InvalidInputError, match="more than domain_gate_neighbours=5"):
        encoder.fit_domain_gate(torch.zeros(5, encoder.backbone.feature_dim))
    with pytest.raises(InvalidInputError, match="shape"):
        encoder.fit_domain_gate(torch.zeros(20, 3))
    with pytest.raises(InvalidInputError, match="shape"):
        encoder.fit_domain_gate([[0.0] * encoder.backbone.feature_dim] * 20)
    with pytest.raises(InvalidInputError, match="quantile"):
        encoder.fit_domain_gate(torch.zeros(20, encoder.backbone.feature_dim), quantile=1.0)
    with pytest.raises(InvalidInputError, match="softness"):
        encoder.fit_domain_gate(torch.zeros(20, encoder.backbone.feature_dim), softness=0)
    linear = find_image_encoder(tiny_unimr_factory(image_projection="linear"))
    with pytest.raises(InvalidInputError, match="projection='prototypes'"):
        linear.fit_domain_gate(torch.zeros(20, linear.backbone.feature_dim))


def test_a_loaded_frozen_backbone_keeps_its_batchnorm_statistics_when_called_directly(tiny_unimr_factory, tmp_path):
    # The gate's fit calls the image encoder directly on a freshly loaded model (a resumed run): its frozen backbone
    # must not normalise with batch statistics nor overwrite its running statistics.
    st_unimr.save(tiny_unimr_factory(), tmp_path / "model")
    model = st_unimr.load(str(tmp_path / "model"))
    encoder = find_image_encoder(model)
    statistics = {name: value.clone() for name, value in encoder.backbone.state_dict().items() if "running" in name}
    assert statistics
    images = _domain(0, 8, 0, 60)
    direct = encoder.fit_domain_gate(_pooled(encoder, images))
    after = encoder.backbone.state_dict()
    assert all(torch.equal(after[name], value) for name, value in statistics.items())
    assert direct["bank"] == 8
    model.train()
    assert not encoder.backbone.training  # training mode leaves a frozen backbone in eval mode too
    with torch.no_grad():
        in_train_mode = _pooled(encoder, images)
    model.eval()
    assert torch.allclose(in_train_mode, _pooled(encoder, images))
