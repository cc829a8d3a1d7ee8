from __future__ import annotations

import re
from typing import Any

try:
    from typing import Self
except ImportError:
    from typing_extensions import Self

from safetensors.torch import load_file as load_safetensors_file
from torch import Tensor, nn
from transformers import (
    AutoConfig,
    AutoImageProcessor,
    AutoModel,
    CLIPImageProcessorPil,
    CLIPVisionConfig,
    CLIPVisionModelWithProjection,
)

from st_unimr.modules.efficientnet_lite import EfficientNetLite

__all__ = ["ImageBackbone"]

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
_EFFICIENTNET_NAME = re.compile(r"^efficientnet[-_]?(lite[0-4])$")


class ImageBackbone(nn.Module):
    """A vision backbone behind one interface: ``forward(pixel_values) -> (pooled features, class logits or None)``.

    ``"efficientnet_lite"`` wraps :class:`~st_unimr.modules.efficientnet_lite.EfficientNetLite`; ``"clip"`` wraps
    ``CLIPVisionModelWithProjection`` (pooled feature = CLIP's projected image embedding); any other ``transformers``
    vision model type (``"siglip"``, ...) is built with ``AutoModel`` and uses its ``pooler_output``.

    Args:
        backbone_type: ``"efficientnet_lite"``, ``"clip"`` or a ``transformers`` vision model type.
        config: ``EfficientNetLite`` keyword arguments, or the ``transformers`` vision config as a dict.

    Example:
        ::

            from st_unimr.modules.image_backbone import ImageBackbone

            backbone = ImageBackbone.from_pretrained("openai/clip-vit-base-patch32")
            pooled, logits = backbone(pixel_values)  # logits is None for CLIP
    """

    def __init__(self, backbone_type: str, config: dict[str, Any]) -> None:
        super().__init__()
        self.backbone_type = backbone_type
        self.config = config
        self.pretrained_image_processor = None
        if backbone_type == "efficientnet_lite":
            # `image_size` only changes the preprocessing resolution (the network takes any size).
            kwargs = {key: value for key, value in config.items() if key != "image_size"}
            self.model = EfficientNetLite(**kwargs)
            self.feature_dim = self.model.num_features
            self.num_classes = self.model.classifier.out_features
            self.image_size = config.get("image_size") or self.model.image_size
        else:
            hf_config = _vision_config_from_dict(backbone_type, config)
            self.model = (
                CLIPVisionModelWithProjection(hf_config)
                if backbone_type == "clip"
                else AutoModel.from_config(hf_config)
            )
            self.feature_dim = (
                self.model.visual_projection.out_features if backbone_type == "clip" else hf_config.hidden_size
            )
            self.num_classes = None
            self.image_size = hf_config.image_size

    @classmethod
    def from_pretrained(cls, name_or_path: str, weights_path: str | None = None, **overrides) -> Self:
        """Build a backbone with pretrained weights from an EfficientNet-Lite variant name or a Hub id / path."""
        match = _EFFICIENTNET_NAME.match(name_or_path.lower())
        if match:
            backbone = cls("efficientnet_lite", {"variant": match.group(1), **overrides})
            if weights_path is not None:
                backbone.model.load_state_dict(load_safetensors_file(weights_path))
            return backbone
        if weights_path is not None or overrides:
            raise ValueError("weights_path and backbone overrides apply to EfficientNet-Lite backbones only")
        hf_config = AutoConfig.from_pretrained(name_or_path)
        # Full multimodal checkpoints (CLIP, SigLIP) carry the tower's config as `vision_config`; the vision model
        # classes load their tower's weights straight from such checkpoints.
        vision_config = getattr(hf_config, "vision_config", hf_config)
        backbone_type = "clip" if vision_config.model_type == "clip_vision_model" else vision_config.model_type
        model_class = (
            CLIPVisionModelWithProjection if backbone_type == "clip" else AutoModel._model_mapping[type(vision_config)]
        )
        if backbone_type == "clip" and hasattr(hf_config, "vision_config"):
            # The projection width of a full CLIP checkpoint lives on the top-level config; without copying it the
            # vision config keeps its default (512) and `visual_projection` would be silently re-initialised.
            vision_config.projection_dim = hf_config.projection_dim
        model = model_class.from_pretrained(name_or_path, config=vision_config)
        backbone = cls(backbone_type, model.config.to_dict())
        backbone.model.load_state_dict(model.state_dict())
        backbone.pretrained_image_processor = AutoImageProcessor.from_pretrained(name_or_path, backend="pil")
        return backbone

    def default_image_processor(self):
        """The processor used when none came with the weights: resize shortest edge, centre crop, normalise."""
        size = self.image_size
        if self.backbone_type == "efficientnet_lite":
            mean, std = IMAGENET_MEAN, IMAGENET_STD
        else:
            mean, std = CLIPImageProcessorPil.image_mean, CLIPImageProcessorPil.image_std
        return CLIPImageProcessorPil(
            size={"shortest_edge": size},
            crop_size={"height": size, "width": size},
            image_mean=mean,
            image_std=std,
            do_convert_rgb=False,
        )

    def set_trainable_blocks(self, num_trainable_blocks: int) -> None:
        """Freeze everything, then unfreeze the last ``num_trainable_blocks`` blocks and the layers after them."""
        if num_trainable_blocks < 0:
            raise ValueError(f"num_trainable_blocks must be >= 0, got {num_trainable_blocks}")
        self.model.requires_grad_(False)
        if num_trainable_blocks == 0:
            return
        if self.backbone_type == "efficientnet_lite":
            blocks = list(self.model.blocks)
            children = list(self.model.children())
            # Whatever EfficientNetLite registers after its blocks (head conv, norm, classifier) sits above them.
            tail = children[next(i for i, child in enumerate(children) if child is self.model.blocks) + 1 :]
        else:
            vision = getattr(self.model, "vision_model", self.model)
            blocks = list(vision.encoder.layers)
            tail = [module for name, module in vision.named_children() if name not in ("embeddings", "encoder")]
            tail += [module for name, module in self.model.named_children() if name != "vision_model"]
        if num_trainable_blocks > len(blocks):
            raise ValueError(f"num_trainable_blocks={num_trainable_blocks}, but the backbone has {len(blocks)} blocks")
        for module in blocks[-num_trainable_blocks:] + tail:
            module.requires_grad_(True)

    def forward(self, pixel_values: Tensor) -> tuple[Tensor, Tensor | None]:
        if self.backbone_type == "efficientnet_lite":
            pooled = self.model.forward_features(pixel_values)
            return pooled, self.model.classifier(pooled)
        output = self.model(pixel_values=pixel_values)
        if self.backbone_type == "clip":
            return output.image_embeds, None
        return output.pooler_output, None


def _vision_config_from_dict(backbone_type: str, config: dict[str, Any]):
    if backbone_type == "clip":
        return CLIPVisionConfig.from_dict(config)
    config = dict(config)
    model_type = config.pop("model_type", backbone_type)
    return AutoConfig.for_model(model_type, **config)
