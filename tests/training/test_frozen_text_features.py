from __future__ import annotations

import pytest
import torch

from st_unimr.training.frozen_text_features import FrozenTextFeatureCache, frozen_text_features
from st_unimr.training.trainable import _text_transformer, set_trainable

TEXTS = ["find my photo of a dog", "will it rain", "a much longer text about a dog on the beach in the rain", "hi"]


def _token_embeddings(model, texts):
    features = model.tokenize([f"query: {text}" for text in texts])
    with torch.no_grad():
        return _text_transformer(model)(features)["token_embeddings"], features["attention_mask"].bool()


def test_cached_rows_are_the_encoders_eval_outputs_in_any_batch(tiny_unimr_factory):
    model = tiny_unimr_factory()
    set_trainable(model, 2)
    model.eval()
    expected = {text: _token_embeddings(model, [text])[0][0] for text in TEXTS}
    model.train()  # as in the trainer: dropout on, yet the cached rows are the eval-mode outputs
    with frozen_text_features(model) as cache:
        for batch in (TEXTS, TEXTS[::-1], TEXTS[1:3]):
            tokens, mask = _token_embeddings(model, batch)
            for row, text in enumerate(batch):
                torch.testing.assert_close(tokens[row][mask[row]], expected[text], atol=1e-5, rtol=1e-5)
                assert not tokens[row][~mask[row]].any()  # padding comes back as zeros
        assert cache.stats() == {"texts": 4, "hits": 6, "misses": 4}


def test_a_second_pass_does_not_run_the_encoder(tiny_unimr_factory, monkeypatch):
    model = tiny_unimr_factory()
    set_trainable(model, 2)
    transformer = _text_transformer(model)
    calls = []
    original = transformer.model.forward
    monkeypatch.setattr(transformer.model, "forward", lambda *a, **k: calls.append(1) or original(*a, **k))
    with frozen_text_features(model):
        first = model.encode_query(TEXTS, convert_to_tensor=True)
        ran = len(calls)
        second = model.encode_query(TEXTS[::-1], convert_to_tensor=True)
    assert ran > 0 and len(calls) == ran
    torch.testing.assert_close(second, first.flip(0))
    model.encode_query(TEXTS)
    assert len(calls) > ran  # detached on exit: the encoder runs again


def test_refuses_an_encoder_that_trains(tiny_unimr_factory):
    model = tiny_unimr_factory()
    set_trainable(model, 3, trainable_layers=1)
    cache = FrozenTextFeatureCache(model)
    cache.attach()
    try:
        with pytest.raises(RuntimeError, match="only for a frozen text encoder"):
            _token_embeddings_with_grad(model)
    finally:
        cache.detach()
    assert "forward" not in vars(_text_transformer(model))


def _token_embeddings_with_grad(model):
    features = model.tokenize(["query: hello"])
    return _text_transformer(model)(features)


def test_disabled_leaves_the_model_alone(tiny_unimr_factory):
    model = tiny_unimr_factory()
    with frozen_text_features(model, enabled=False) as cache:
        assert cache is None
        assert "forward" not in vars(_text_transformer(model))
