"""Find the UniMR modules inside a model, wherever the Router put them."""

from __future__ import annotations

from torch import nn

from st_unimr.errors import InvalidInputError
from st_unimr.modules.image_encoder import ImageEncoder
from st_unimr.modules.nlu_feature_fusion import NLUFeatureFusion

__all__ = ["find_image_encoder", "find_nlu_module"]


def find_nlu_module(model: nn.Module) -> NLUFeatureFusion:
    """The model's NLUFeatureFusion; a clear error if it has none."""
    for module in model.modules():
        if isinstance(module, NLUFeatureFusion):
            return module
    raise InvalidInputError(
        f"This {type(model).__name__} has no NLUFeatureFusion module (no intent head): it was not built with "
        "st_unimr.build_unimr"
    )


def find_image_encoder(model: nn.Module) -> ImageEncoder | None:
    """The model's ImageEncoder, or None for a text-only model."""
    for module in model.modules():
        if isinstance(module, ImageEncoder):
            return module
    return None
