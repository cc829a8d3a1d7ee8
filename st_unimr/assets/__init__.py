from __future__ import annotations

from st_unimr.assets.artifact import Artifact, ArtifactError
from st_unimr.assets.baseline_models import ensure_baseline
from st_unimr.assets.catalog import CATALOG, get_artifact
from st_unimr.assets.e5_converter import ensure_text_model
from st_unimr.assets.efficientnet_weights import ensure_image_backbone
from st_unimr.assets.home import unimr_home
from st_unimr.assets.imagenet_classes import imagenet_classnames

__all__ = [
    "Artifact",
    "ArtifactError",
    "CATALOG",
    "ensure_baseline",
    "ensure_image_backbone",
    "ensure_text_model",
    "get_artifact",
    "imagenet_classnames",
    "unimr_home",
]
