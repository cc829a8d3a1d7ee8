"""Frozen baselines to compare st-unimr against (see ``st_unimr.assets.ensure_baseline``)."""

from __future__ import annotations

from st_unimr.baselines.use_multilingual import MultilingualUSE

__all__ = ["MultilingualUSE", "load_baseline"]


def load_baseline(name: str):
    """Load a baseline encoder by name.

    Args:
        name: ``"use-multilingual"`` -> :class:`MultilingualUSE`; ``"all-minilm-l6-v2"`` -> a plain
            ``SentenceTransformer`` (English all-MiniLM-L6-v2).

    Example:
        ::

            from st_unimr.baselines import load_baseline

            minilm = load_baseline("all-minilm-l6-v2")
            minilm.encode(["hello world"]).shape  # (1, 384)
    """
    if name == "use-multilingual":
        return MultilingualUSE()
    from sentence_transformers import SentenceTransformer

    from st_unimr.assets.baseline_models import ensure_baseline

    return SentenceTransformer(str(ensure_baseline(name)), device="cpu")
