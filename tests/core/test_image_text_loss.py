from __future__ import annotations

import pytest
import torch
from PIL import Image
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

from st_unimr.losses import ImageTextLoss
from st_unimr.modules.module_lookup import find_image_encoder

CAPTIONS = ["a red square", "a blue circle", "ein hund", "le chien"]
COLOURS = [(200, 30, 30), (30, 30, 200), (30, 200, 30), (240, 240, 20)]


def _features(model):
    images = [Image.new("RGB", (32, 32), colour) for colour in COLOURS]
    text = model.preprocess(CAPTIONS, prompt="query: ")
    image = model.preprocess(images)
    return [text, image]


def test_without_regularisers_it_is_the_ranking_loss(tiny_unimr_factory):
    model = tiny_unimr_factory()
    features = _features(model)
    expected = MultipleNegativesRankingLoss(model)(features, None)
    torch.testing.assert_close(ImageTextLoss(model)(features, None), expected)


def test_prototype_anchor_is_zero_at_the_start_and_grows_with_drift(tiny_unimr_factory):
    model = tiny_unimr_factory()
    features = _features(model)
    plain = ImageTextLoss(model)(features, None)
    anchored = ImageTextLoss(model, prototype_anchor_weight=10.0)
    torch.testing.assert_close(anchored(features, None), plain)
    with torch.no_grad():
        find_image_encoder(model).prototypes.mul_(2.0)  # drift by 100% of the norm: relative penalty 1
    ranking = MultipleNegativesRankingLoss(model)(features, None)
    torch.testing.assert_close(anchored(features, None), ranking + 10.0, rtol=1e-4, atol=1e-4)
    # The anchor is the loss's own buffer: it neither trains nor lands in the saved model.
    assert "initial_prototypes" not in dict(anchored.named_parameters())
    assert not any("initial_prototypes" in key for key in model.state_dict())


def test_uniformity_term_penalises_collapsed_images(tiny_unimr_factory):
    model = tiny_unimr_factory()
    features = _features(model)
    loss = ImageTextLoss(model, uniformity_weight=1.0)
    plain = ImageTextLoss(model)(features, None)
    assert loss(features, None) >= plain
    encoder = find_image_encoder(model)
    with torch.no_grad():
        # Every image embedding the same vector: mean similarity 1, the largest penalty there is.
        encoder.prototypes.zero_()
        encoder.linear.weight.zero_()
        encoder.linear.bias.fill_(1.0)
    collapsed = loss(features, None) - ImageTextLoss(model)(features, None)
    assert collapsed.item() == pytest.approx(1.0 + (1.0 - 1.0 / encoder.embedding_dimension), abs=1e-3)


def test_rejects_negative_weights_and_anchor_without_prototypes(tiny_unimr_factory):
    model = tiny_unimr_factory()
    with pytest.raises(ValueError, match="must be >= 0"):
        ImageTextLoss(model, uniformity_weight=-1.0)
    linear = tiny_unimr_factory(image_projection="linear")
    with pytest.raises(ValueError, match="projection='prototypes'"):
        ImageTextLoss(linear, prototype_anchor_weight=1.0)


def test_without_text_gradient_only_the_image_route_learns(tiny_unimr_factory):
    model = tiny_unimr_factory()
    features = _features(model)
    loss = ImageTextLoss(model, text_gradient=False)
    value = loss(features, None)
    torch.testing.assert_close(value, MultipleNegativesRankingLoss(model)(_features(model), None))
    model.zero_grad()
    value.backward()
    text_grads = [p.grad for n, p in model.named_parameters() if "prototypes" not in n and "image" not in n]
    assert text_grads and all(grad is None or not grad.any() for grad in text_grads)
    assert find_image_encoder(model).prototypes.grad.abs().sum() > 0
    assert loss.get_config_dict()["text_gradient"] is False
