"""Train at a short sequence length, evaluate and save at the text encoder's full one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sentence_transformers import SentenceTransformer

from st_unimr.training.trainable import _text_transformer

__all__ = ["full_max_seq_length", "max_seq_length"]

# Position ids of these models start after the padding index, so two (or pad + 1) positions are never usable.
_OFFSET_POSITION_MODELS = ("roberta", "xlm-roberta", "camembert")


def full_max_seq_length(model: SentenceTransformer) -> int:
    """The longest input the text encoder was pretrained for (its position embeddings, less any offset)."""
    transformer = _text_transformer(model)
    config = transformer.model.config
    positions = getattr(config, "max_position_embeddings", None)
    if positions is None:
        return transformer.max_seq_length
    if getattr(config, "model_type", None) in _OFFSET_POSITION_MODELS:
        positions -= (getattr(config, "pad_token_id", None) or 1) + 1
    return positions


@contextmanager
def max_seq_length(model: SentenceTransformer, length: int) -> Iterator[None]:
    """Run the block with the text encoder truncating at ``length`` tokens, then put the previous length back."""
    transformer = _text_transformer(model)
    previous = transformer.max_seq_length
    transformer.max_seq_length = length
    try:
        yield
    finally:
        transformer.max_seq_length = previous
