"""st-unimr: one multilingual text encoder for text-text retrieval, text-image retrieval and query intents."""

from __future__ import annotations

__version__ = "0.1.0"

from st_unimr.builder import build_unimr
from st_unimr.encoding import encode
from st_unimr.hub import push_to_hub
from st_unimr.intents import predict_intent
from st_unimr.loading import UnsafeModelError, load
from st_unimr.losses import IntentClassificationLoss
from st_unimr.modules import ImageEncoder, NLUFeatureFusion

__all__ = [
    "ImageEncoder",
    "IntentClassificationLoss",
    "NLUFeatureFusion",
    "UnsafeModelError",
    "__version__",
    "build_unimr",
    "encode",
    "load",
    "predict_intent",
    "push_to_hub",
]
