from __future__ import annotations

from st_unimr.modules.efficientnet_lite import EfficientNetLite
from st_unimr.modules.image_encoder import ImageEncoder
from st_unimr.modules.nlu_feature_fusion import NLUFeatureFusion

__all__ = ["EfficientNetLite", "ImageEncoder", "NLUFeatureFusion"]
