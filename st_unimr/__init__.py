"""st-unimr: one multilingual text encoder for text-text retrieval, text-image retrieval and query intents."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Attributes resolve on first use: `python -m st_unimr.assets fetch` and `python -m st_unimr.data build` then do not
# pay for importing sentence-transformers and transformers up front.
_EXPORTS = {
    "ConfigError": "st_unimr.errors",
    "ImageEncoder": "st_unimr.modules.image_encoder",
    "ImageInputError": "st_unimr.errors",
    "IntentClassificationLoss": "st_unimr.losses.intent_classification_loss",
    "InvalidCheckpointError": "st_unimr.errors",
    "InvalidInputError": "st_unimr.errors",
    "InvalidInputTypeError": "st_unimr.errors",
    "MissingCheckpointFileError": "st_unimr.errors",
    "ModelNotFoundError": "st_unimr.errors",
    "NLUFeatureFusion": "st_unimr.modules.nlu_feature_fusion",
    "SlotIntentLoss": "st_unimr.losses.slot_intent_loss",
    "UniMRError": "st_unimr.errors",
    "UniMRModel": "st_unimr.unimr_model",
    "UnsafeModelError": "st_unimr.errors",
    "build_unimr": "st_unimr.builder",
    "encode": "st_unimr.encoding",
    "export_onnx": "st_unimr.onnx_export",
    "load": "st_unimr.loading",
    "parse_query": "st_unimr.query_parsing",
    "predict_intent": "st_unimr.intents",
    "push_to_hub": "st_unimr.hub",
    "save": "st_unimr.saving",
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
