"""EfficientNet-Lite (Tan & Le, 2019; the "Lite" variants of the TensorFlow TPU release), written in plain torch.

The Lite variants differ from EfficientNet-B*: ReLU6 instead of swish, no squeeze-and-excitation, and the stem (32
channels), the head (1280 channels) and the repeat counts of the first and last stages are not scaled. Convolutions
use TensorFlow's "same" padding, computed at run time from the input size, so any input resolution works and the
published ImageNet weights give the same numbers as in TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from st_unimr.errors import InvalidInputError

__all__ = ["EfficientNetLite"]

# (width_coefficient, depth_coefficient, native resolution, dropout) as in efficientnet_lite_builder.py.
_VARIANTS: dict[str, tuple[float, float, int, float]] = {
    "lite0": (1.0, 1.0, 224, 0.2),
    "lite1": (1.0, 1.1, 240, 0.2),
    "lite2": (1.1, 1.2, 260, 0.3),
    "lite3": (1.2, 1.4, 280, 0.3),
    "lite4": (1.4, 1.8, 300, 0.3),
}

# Stages of EfficientNet-B0 without SE: (repeats, kernel, stride, expand ratio, input filters, output filters).
_STAGES: list[tuple[int, int, int, int, int, int]] = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]

_STEM_CHANNELS = 32
_HEAD_CHANNELS = 1280
_DEPTH_DIVISOR = 8
# TensorFlow's batch-norm momentum 0.99 is torch's 0.01 (torch weighs the new batch, TF the running value).
_BN_MOMENTUM = 0.01
_BN_EPS = 1e-3


def _round_filters(filters: int, width_coefficient: float) -> int:
    # Same rounding as the TF builder: to a multiple of 8, never more than 10% below the scaled value.
    scaled = filters * width_coefficient
    rounded = max(_DEPTH_DIVISOR, int(scaled + _DEPTH_DIVISOR / 2) // _DEPTH_DIVISOR * _DEPTH_DIVISOR)
    if rounded < 0.9 * scaled:
        rounded += _DEPTH_DIVISOR
    return int(rounded)


def _round_repeats(repeats: int, depth_coefficient: float) -> int:
    return int(math.ceil(depth_coefficient * repeats))


class _Conv2dSame(nn.Conv2d):
    """A bias-free ``nn.Conv2d`` with TensorFlow "same" padding, computed for each input size."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, groups: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, groups=groups, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        ih, iw = x.shape[-2:]
        kh, kw = self.kernel_size
        sh, sw = self.stride
        pad_h = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pad_w = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        if pad_h or pad_w:
            # TF puts the odd pixel at the bottom/right, which symmetric torch padding cannot express.
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, None, self.stride, 0, self.dilation, self.groups)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, momentum=_BN_MOMENTUM, eps=_BN_EPS)


class _MBConv(nn.Module):
    """Mobile inverted bottleneck: 1x1 expand, depthwise kxk, 1x1 project, residual when shapes allow."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = in_channels * expand_ratio
        self.has_expansion = expand_ratio != 1
        if self.has_expansion:
            self.expand_conv = _Conv2dSame(in_channels, hidden, 1)
            self.expand_bn = _bn(hidden)
        self.depthwise_conv = _Conv2dSame(hidden, hidden, kernel_size, stride=stride, groups=hidden)
        self.depthwise_bn = _bn(hidden)
        self.project_conv = _Conv2dSame(hidden, out_channels, 1)
        self.project_bn = _bn(out_channels)
        self.act = nn.ReLU6()
        self.has_residual = stride == 1 and in_channels == out_channels

    def forward(self, x: Tensor, drop_connect_rate: float = 0.0) -> Tensor:
        h = x
        if self.has_expansion:
            h = self.act(self.expand_bn(self.expand_conv(h)))
        h = self.act(self.depthwise_bn(self.depthwise_conv(h)))
        h = self.project_bn(self.project_conv(h))
        if self.has_residual:
            if self.training and drop_connect_rate > 0:
                # Stochastic depth: drop the whole residual branch per sample, rescale the kept ones.
                keep = 1.0 - drop_connect_rate
                mask = torch.rand(h.shape[0], 1, 1, 1, dtype=h.dtype, device=h.device).add_(keep).floor_()
                h = h / keep * mask
            h = h + x
        return h


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite0..4 image classifier and feature extractor.

    Args:
        variant: ``"lite0"`` .. ``"lite4"``; sets the width/depth coefficients, the native resolution and dropout.
        num_classes: Size of the final classifier (1000 for the ImageNet weights).
        width_coefficient: Overrides the variant's channel multiplier (stem and head stay fixed, as in Lite).
        depth_coefficient: Overrides the variant's repeat multiplier (first and last stage stay fixed).
        dropout_rate: Overrides the variant's dropout before the classifier.
        drop_connect_rate: Stochastic-depth rate of the last block (scaled linearly from 0 over the blocks), only
            active in training mode.

    Example:
        ::

            import torch
            from st_unimr.assets import ensure_image_backbone
            from st_unimr.modules.efficientnet_lite import EfficientNetLite

            model = EfficientNetLite("lite0").eval()
            model.load_weights(ensure_image_backbone("lite0"))
            pixels = torch.randn(2, 3, model.image_size, model.image_size)
            features = model.forward_features(pixels)  # [2, 1280]
            logits = model(pixels)  # [2, 1000]

            tiny = EfficientNetLite("lite0", width_coefficient=0.25, depth_coefficient=0.25, num_classes=10)
            tiny(torch.randn(1, 3, 32, 32)).shape  # torch.Size([1, 10])
    """

    def __init__(
        self,
        variant: str = "lite0",
        num_classes: int = 1000,
        width_coefficient: float | None = None,
        depth_coefficient: float | None = None,
        dropout_rate: float | None = None,
        drop_connect_rate: float = 0.2,
    ) -> None:
        super().__init__()
        if variant not in _VARIANTS:
            raise InvalidInputError(
                f"Unknown EfficientNet-Lite variant {variant!r}; expected one of {sorted(_VARIANTS)}"
            )
        width, depth, resolution, dropout = _VARIANTS[variant]
        self.variant = variant
        self.width_coefficient = width if width_coefficient is None else width_coefficient
        self.depth_coefficient = depth if depth_coefficient is None else depth_coefficient
        self.dropout_rate = dropout if dropout_rate is None else dropout_rate
        self.drop_connect_rate = drop_connect_rate
        self.image_size = resolution
        self.num_classes = num_classes

        self.stem_conv = _Conv2dSame(3, _STEM_CHANNELS, 3, stride=2)
        self.stem_bn = _bn(_STEM_CHANNELS)
        blocks: list[_MBConv] = []
        last = len(_STAGES) - 1
        for i, (repeats, kernel, stride, expand, filters_in, filters_out) in enumerate(_STAGES):
            filters_in = _STEM_CHANNELS if i == 0 else _round_filters(filters_in, self.width_coefficient)
            filters_out = _round_filters(filters_out, self.width_coefficient)
            if i not in (0, last):
                repeats = _round_repeats(repeats, self.depth_coefficient)
            for r in range(repeats):
                blocks.append(
                    _MBConv(
                        filters_in if r == 0 else filters_out, filters_out, kernel, stride if r == 0 else 1, expand
                    )
                )
        self.blocks = nn.ModuleList(blocks)
        self.head_conv = _Conv2dSame(blocks[-1].project_conv.out_channels, _HEAD_CHANNELS, 1)
        self.head_bn = _bn(_HEAD_CHANNELS)
        self.act = nn.ReLU6()
        self.num_features = _HEAD_CHANNELS
        self.dropout = nn.Dropout(self.dropout_rate)
        self.classifier = nn.Linear(_HEAD_CHANNELS, num_classes)

    def forward_features(self, pixel_values: Tensor) -> Tensor:
        """Pooled features ``[batch, num_features]``: after the head conv + BN + ReLU6 and global average pooling."""
        x = self.act(self.stem_bn(self.stem_conv(pixel_values)))
        n = len(self.blocks)
        for idx, block in enumerate(self.blocks):
            x = block(x, self.drop_connect_rate * idx / n)
        x = self.act(self.head_bn(self.head_conv(x)))
        return x.mean(dim=(2, 3))

    def forward(self, pixel_values: Tensor) -> Tensor:
        """ImageNet-style logits ``[batch, num_classes]`` for normalised ``[batch, 3, H, W]`` pixels."""
        return self.classifier(self.dropout(self.forward_features(pixel_values)))

    @staticmethod
    def reference_key(key: str) -> str:
        """Map a parameter name of this module to the reference package's (``efficientnet-lite-pytorch``) name."""
        parts = key.split(".")
        top = {
            "stem_conv": "_conv_stem",
            "stem_bn": "_bn0",
            "head_conv": "_conv_head",
            "head_bn": "_bn1",
            "classifier": "_fc",
        }
        block = {
            "expand_conv": "_expand_conv",
            "expand_bn": "_bn0",
            "depthwise_conv": "_depthwise_conv",
            "depthwise_bn": "_bn1",
            "project_conv": "_project_conv",
            "project_bn": "_bn2",
        }
        if parts[0] == "blocks":
            return ".".join(["_blocks", parts[1], block[parts[2]], *parts[3:]])
        return ".".join([top[parts[0]], *parts[1:]])

    def load_reference_state_dict(self, state_dict: Mapping[str, Tensor], strict: bool = True) -> None:
        """Load a state dict in the reference package's layout (``_conv_stem.weight``, ``_blocks.0._bn1.weight``, ...).

        Args:
            state_dict: The reference state dict, e.g. ``torch.load("efficientnet-lite0-57934424.pth")``.
            strict: Refuse missing or unexpected keys (and always refuse shape mismatches).

        Raises:
            ValueError: keys are missing or unexpected (with ``strict``), or a shape differs.
        """
        own = self.state_dict()
        mapped: dict[str, Tensor] = {}
        missing = []
        for key, value in own.items():
            ref = self.reference_key(key)
            if ref not in state_dict:
                missing.append(ref)
                continue
            if state_dict[ref].shape != value.shape:
                raise ValueError(
                    f"Shape mismatch for {ref}: reference {tuple(state_dict[ref].shape)} vs {tuple(value.shape)}"
                )
            mapped[key] = state_dict[ref]
        unexpected = sorted(set(state_dict) - {self.reference_key(k) for k in own})
        if strict and (missing or unexpected):
            raise ValueError(
                f"Reference state dict does not fit {self.variant}: missing {missing}, unexpected {unexpected}"
            )
        self.load_state_dict(mapped, strict=strict)

    def load_weights(self, path: str | Path) -> None:
        """Load a safetensors file written for this module (see ``st_unimr.assets.ensure_image_backbone``)."""
        from safetensors.torch import load_file

        self.load_state_dict(load_file(str(path)))
