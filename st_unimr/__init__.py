"""st-unimr: one multilingual text encoder for text-text retrieval, text-image retrieval and query intents."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Attributes resolve on first use: `python -m st_unimr.assets fetch` and `python -m st_unimr.data build` then do not
# pay for importing sentence-transformers and transformers up front.
_EXPORTS = {
    "ImageEncoder": "st_unimr.modules.image_encoder",
    "IntentClassificationLoss": "st_unimr.losses.intent_classification_loss",
    "NLUFeatureFusion": "st_unimr.modules.nlu_feature_fusion",
    "UnsafeModelError": "st_unimr.loading",
    "build_unimr": "st_unimr.builder",
    "encode": "st_unimr.encoding",
    "load": "st_unimr.loading",
    "predict_intent": "st_unimr.intents",
    "push_to_hub": "st_unimr.hub",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'st_unimr' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
