from __future__ import annotations

import pytest
import torch
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

from st_unimr.losses import RequestContentLoss

REQUESTS = ["find me a photo of a dog from last summer", "zeig mir die katze", "cherche le vélo", "a red car please"]
DOCUMENTS = ["a dog on a beach", "eine katze", "un vélo rouge", "a red car"]
CONTENTS = ["a dog", "die katze", "le vélo", "a red car"]


def _features(model):
    return [
        model.preprocess(REQUESTS, prompt="query: "),
        model.preprocess(DOCUMENTS, prompt="passage: "),
        model.preprocess(CONTENTS, prompt="query: "),
    ]


def test_without_content_weight_it_is_the_ranking_loss(tiny_unimr_factory):
    model = tiny_unimr_factory()
    model.eval()  # no dropout: the two losses see the same forward
    features = _features(model)
    expected = MultipleNegativesRankingLoss(model)(features[:2], None)
    torch.testing.assert_close(RequestContentLoss(model, content_weight=0.0)(features, None), expected)
    torch.testing.assert_close(RequestContentLoss(model, content_weight=0.0)(features[:2], None), expected)


def test_content_term_is_the_cosine_distance_to_the_content_without_gradient(tiny_unimr_factory):
    model = tiny_unimr_factory()
    model.eval()
    features = _features(model)
    loss = RequestContentLoss(model, content_weight=2.0)
    value = loss(features, None)
    with torch.no_grad():
        requests = model(_features(model)[0])["sentence_embedding"]
        contents = model(_features(model)[2])["sentence_embedding"]
    distance = (1 - torch.nn.functional.cosine_similarity(requests, contents, dim=-1)).mean()
    ranking = MultipleNegativesRankingLoss(model)(_features(model)[:2], None)
    torch.testing.assert_close(value, ranking + 2.0 * distance, rtol=1e-4, atol=1e-5)
    assert distance > 0

    # The third column is what the request is pulled onto: a request that is its own content has no distance.
    same = [features[0], features[1], model.preprocess(REQUESTS, prompt="query: ")]
    torch.testing.assert_close(loss(same, None), RequestContentLoss(model, content_weight=0.0)(same, None))
    model.zero_grad()
    value = loss(_features(model), None)
    value.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_rejects_negative_weight_and_missing_content_column(tiny_unimr_factory):
    model = tiny_unimr_factory()
    with pytest.raises(ValueError, match="must be >= 0"):
        RequestContentLoss(model, content_weight=-1.0)
    with pytest.raises(ValueError, match="3 columns"):
        RequestContentLoss(model, content_weight=1.0)(_features(model)[:2], None)
    assert RequestContentLoss(model, content_weight=0.5).get_config_dict() == {"content_weight": 0.5, "scale": 20.0}
