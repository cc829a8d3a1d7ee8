"""The frozen text encoder's token embeddings, computed once per distinct text while only the heads train.

Stage 2 trains the NLU heads on a frozen encoder, yet the trainer ran the encoder again at every step: 3 epochs of
11.9k rows (558 steps) took 10 of the default run's 30 minutes, and the intent-head fit after it encoded the same
rows once more. The encoder's output for a text does not change while it is frozen, so it is kept per text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from sentence_transformers import SentenceTransformer
from torch import Tensor

from st_unimr.training.trainable import _text_transformer

__all__ = ["FrozenTextFeatureCache", "frozen_text_features"]

logger = logging.getLogger(__name__)

OUTPUT_KEY = "token_embeddings"


class FrozenTextFeatureCache:
    """Serve the text encoder's ``token_embeddings`` from memory, keyed by each row's unpadded token ids.

    The rows are computed in eval mode (no dropout): what a frozen encoder gives at inference, so heads trained on
    them read what the saved model will feed them. Padding never enters a key and padded positions come back as
    zeros (every consumer masks them), so a text gets the same embeddings in any batch. Only for a frozen encoder:
    a call while any encoder weight takes gradients raises, since the cached rows would be stale after a step.

    Args:
        model: A UniMR (or any sentence-transformers) model with a ``Transformer`` text module.

    Example:
        ::

            cache = FrozenTextFeatureCache(model)
            cache.attach()
            model.encode_query(texts)   # computed and kept
            model.encode_query(texts)   # served from memory
            cache.detach()
    """

    def __init__(self, model: SentenceTransformer) -> None:
        self.transformer = _text_transformer(model)
        self.rows: dict[tuple[int, ...], Tensor] = {}
        self.hits = 0
        self.misses = 0
        self._forward = None

    def attach(self) -> None:
        if self._forward is not None:
            raise RuntimeError("The frozen text feature cache is already attached")
        self._forward = self.transformer.forward
        self.transformer.forward = self._cached_forward

    def detach(self) -> None:
        if self._forward is not None:
            del self.transformer.forward  # the instance attribute; the class's forward shows through again
            self._forward = None

    def stats(self) -> dict[str, int]:
        return {"texts": len(self.rows), "hits": self.hits, "misses": self.misses}

    def _cached_forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
        if kwargs or features.get("modality", "text") != "text" or "attention_mask" not in features:
            return self._forward(features, **kwargs)
        if torch.is_grad_enabled() and any(p.requires_grad for p in self.transformer.parameters()):
            raise RuntimeError(
                "FrozenTextFeatureCache is only for a frozen text encoder: some of its weights take gradients"
            )
        input_ids, mask = features["input_ids"], features["attention_mask"].to(torch.bool)
        keys = [tuple(ids[row_mask].tolist()) for ids, row_mask in zip(input_ids, mask)]
        missing = [i for i, key in enumerate(keys) if key not in self.rows]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if missing:
            self._compute(features, missing, keys)
        first = self.rows[keys[0]]
        tokens = first.new_zeros(*input_ids.shape, first.shape[-1])
        for i, key in enumerate(keys):
            tokens[i, mask[i]] = self.rows[key]
        features[OUTPUT_KEY] = tokens.to(input_ids.device)
        return features

    def _compute(self, features: dict[str, Any], missing: list[int], keys: list[tuple[int, ...]]) -> None:
        per_row = {
            name
            for name, value in features.items()
            if isinstance(value, Tensor) and value.dim() and len(value) == len(keys)
        }
        subset = {name: value[missing] if name in per_row else value for name, value in features.items()}
        before = set(subset)
        was_training = self.transformer.training
        self.transformer.eval()
        try:
            with torch.no_grad():
                output = self._forward(subset)
        finally:
            self.transformer.train(was_training)
        added = set(output) - before - {OUTPUT_KEY}
        if added:
            # Per-layer outputs (output_hidden_states) would have to be kept too; not worth it for what this serves.
            raise RuntimeError(f"The cache keeps only {OUTPUT_KEY}; the encoder also gave {sorted(added)}")
        mask = subset["attention_mask"].to(torch.bool)
        for row, i in enumerate(missing):
            self.rows[keys[i]] = output[OUTPUT_KEY][row][mask[row]].detach()


@contextmanager
def frozen_text_features(model: SentenceTransformer, enabled: bool = True) -> Iterator[FrozenTextFeatureCache | None]:
    """:class:`FrozenTextFeatureCache` on ``model`` for the ``with`` block (nothing when ``enabled`` is False); the
    cache is dropped on exit.

    Example:
        ::

            with frozen_text_features(model) as cache:
                trainer.train()  # the heads train; the encoder runs once per distinct text
    """
    if not enabled:
        yield None
        return
    cache = FrozenTextFeatureCache(model)
    cache.attach()
    try:
        yield cache
    finally:
        cache.detach()
        logger.info(f"Frozen text features: {cache.stats()}")
        cache.rows.clear()
