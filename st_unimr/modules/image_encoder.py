from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from typing import Any, Literal

try:
    from typing import Self
except ImportError:
    from typing_extensions import Self

import torch
import torch.nn.functional as F
from sentence_transformers.base.modules.input_module import InputModule
from torch import Tensor, nn
from transformers import AutoImageProcessor

from st_unimr.errors import InvalidInputError, InvalidInputTypeError
from st_unimr.modules.image_backbone import ImageBackbone
from st_unimr.modules.image_loading import load_rgb_image
from st_unimr.modules.plugin_module import PluginModuleMixin
from st_unimr.validation import check_int, describe_input

__all__ = ["ImageEncoder"]

Projection = Literal["linear", "prototypes"]


class ImageEncoder(PluginModuleMixin, InputModule):
    """The image route's input module: a vision backbone and a projection into the text embedding space.

    Backbones: any Hugging Face CLIP or SigLIP vision tower (by Hub id or local path), or EfficientNet-Lite (the
    offline default). The projection maps the backbone's pooled feature to ``embedding_dimension``:

    - ``"linear"``: a linear layer over the pooled feature.
    - ``"prototypes"``: for classifier backbones (EfficientNet-Lite on ImageNet): the class probabilities
      ``softmax(logits / prototype_temperature)`` weight a trainable matrix of class prototypes living in the text
      space, plus a linear path over the pooled feature initialised at zero. Filled with the text encoder's
      embeddings of class prompts (see :func:`st_unimr.zero_shot.init_zero_shot_head`), images land in the text
      space before any training.

    The linear path learns the training images' domain. With a domain gate (:meth:`fit_domain_gate`) it is scaled per
    image by ``sigmoid((s - threshold) / softness)``, where ``s`` is the mean cosine similarity of the pooled feature
    to its ``domain_gate_neighbours`` nearest training images (the gate's bank). Images unlike the training domain
    (photographs, when it was trained on emoji and clip-art) then keep the zero-shot embedding instead of inheriting
    the domain's offset.

    The backbone is frozen by default; ``num_trainable_blocks`` unfreezes its last blocks (EfficientNet MBConv blocks
    or transformer layers) together with the layers after them. Preprocessing accepts PIL images of every mode,
    numpy arrays, tensors, file paths, URLs and ``{"image": ...}`` dicts, converts them to RGB (alpha composited on
    white) and resizes and normalises them with the backbone's own Hugging Face image processor. It emits
    ``pixel_values``.

    Args:
        backbone_type: ``"efficientnet_lite"``, ``"clip"``, ``"siglip"`` or another ``transformers`` vision model
            type.
        backbone_config: The backbone's configuration: ``EfficientNetLite`` keyword arguments, or a ``transformers``
            vision config as a dict.
        embedding_dimension: Output dimension; equal to the text route's embedding dimension.
        projection: ``"linear"`` or ``"prototypes"`` (see above).
        num_trainable_blocks: How many of the backbone's last blocks are trainable; 0 freezes the backbone.
        prototype_temperature: Softmax temperature over the class logits for ``projection="prototypes"``.
        domain_gate_size: Rows of the domain gate's bank of training features; 0 (default): no gate.
        domain_gate_neighbours: How many nearest bank rows the gate's similarity averages.
        image_processor: A ``transformers`` image processor; built from the backbone type if None.

    Example:
        ::

            from PIL import Image
            from st_unimr.modules import ImageEncoder

            encoder = ImageEncoder.from_backbone("openai/clip-vit-base-patch32", embedding_dimension=384)
            features = encoder.preprocess([Image.open("dog.jpg"), "cat.png"])
            print(encoder(features)["sentence_embedding"].shape)  # torch.Size([2, 384])
    """

    config_keys: list[str] = [
        "backbone_type",
        "backbone_config",
        "embedding_dimension",
        "projection",
        "num_trainable_blocks",
        "prototype_temperature",
        "domain_gate_size",
        "domain_gate_neighbours",
    ]
    config_file_name: str = "image_encoder_config.json"
    save_in_root: bool = False

    def __init__(
        self,
        backbone_type: str,
        backbone_config: dict[str, Any],
        embedding_dimension: int,
        projection: Projection = "linear",
        num_trainable_blocks: int = 0,
        prototype_temperature: float = 1.0,
        image_processor: Any | None = None,
        domain_gate_size: int = 0,
        domain_gate_neighbours: int = 5,
    ) -> None:
        super().__init__()
        check_int(domain_gate_size, "domain_gate_size", minimum=0)
        check_int(domain_gate_neighbours, "domain_gate_neighbours")
        if projection not in ("linear", "prototypes"):
            raise InvalidInputError(f"projection must be 'linear' or 'prototypes', got {projection!r}")
        check_int(embedding_dimension, "embedding_dimension")
        check_int(num_trainable_blocks, "num_trainable_blocks", minimum=0)
        if isinstance(prototype_temperature, bool) or not isinstance(prototype_temperature, (int, float)):
            raise InvalidInputTypeError(f"prototype_temperature must be a number, got {prototype_temperature!r}")
        if not prototype_temperature > 0:
            raise InvalidInputError(f"prototype_temperature must be > 0, got {prototype_temperature}")
        if not isinstance(backbone_config, dict):
            raise InvalidInputTypeError(f"backbone_config must be a dict, got {describe_input(backbone_config)}")
        self.backbone_type = backbone_type
        self.backbone_config = copy.deepcopy(backbone_config)
        self.embedding_dimension = embedding_dimension
        self.projection = projection
        self.prototype_temperature = prototype_temperature
        self.backbone = ImageBackbone(backbone_type, self.backbone_config)
        self.image_processor = image_processor or self.backbone.default_image_processor()

        self.linear = nn.Linear(self.backbone.feature_dim, embedding_dimension)
        if projection == "prototypes":
            if self.backbone.num_classes is None:
                raise InvalidInputError(
                    f"projection='prototypes' needs a classifier backbone; {backbone_type!r} has none"
                )
            self.prototypes = nn.Parameter(torch.zeros(self.backbone.num_classes, embedding_dimension))
            # Untrained, the embedding is the zero-shot prototype mix alone; training grows the linear path.
            nn.init.zeros_(self.linear.weight)
            nn.init.zeros_(self.linear.bias)
        self.domain_gate_neighbours = domain_gate_neighbours
        self.domain_gate_size = 0
        if domain_gate_size:
            self._register_gate_buffers(domain_gate_size)
        self.num_trainable_blocks = num_trainable_blocks
        self.set_trainable_blocks(num_trainable_blocks)

    @classmethod
    def from_backbone(
        cls,
        backbone: str,
        embedding_dimension: int,
        projection: Projection = "linear",
        num_trainable_blocks: int = 0,
        weights_path: str | None = None,
        prototype_temperature: float = 1.0,
        **backbone_kwargs,
    ) -> Self:
        """Build an encoder around a pretrained backbone.

        Args:
            backbone: A Hub id or local path of a CLIP / SigLIP checkpoint (full or vision-only), or an
                EfficientNet-Lite variant name such as ``"efficientnet-lite0"``.
            embedding_dimension: Output dimension (the text route's).
            projection: ``"linear"`` or ``"prototypes"``.
            num_trainable_blocks: Trainable backbone blocks, counted from the end.
            weights_path: EfficientNet-Lite only: a safetensors file of its weights. Random weights if None.
            prototype_temperature: See the class docstring.
            **backbone_kwargs: EfficientNet-Lite only: overrides such as ``width_coefficient`` (tests use tiny ones).
        """
        image_backbone = ImageBackbone.from_pretrained(backbone, weights_path=weights_path, **backbone_kwargs)
        encoder = cls(
            image_backbone.backbone_type,
            image_backbone.config,
            embedding_dimension,
            projection=projection,
            num_trainable_blocks=num_trainable_blocks,
            prototype_temperature=prototype_temperature,
            image_processor=image_backbone.pretrained_image_processor,
        )
        encoder.backbone.load_state_dict(image_backbone.state_dict())
        return encoder

    @property
    def modalities(self) -> list[str]:
        return ["image"]

    def set_trainable_blocks(self, num_trainable_blocks: int) -> None:
        """Freeze the backbone except its last ``num_trainable_blocks`` blocks; the projection stays trainable."""
        self.num_trainable_blocks = num_trainable_blocks
        self.backbone.set_trainable_blocks(num_trainable_blocks)
        # A module starts in training mode: a frozen backbone called before any train()/eval() (a freshly loaded
        # model's image encoder called directly, as the domain gate's fit does) would normalise with batch statistics
        # and overwrite its BatchNorm running statistics.
        self.backbone.train(self.training and num_trainable_blocks != 0)

    def train(self, mode: bool = True) -> Self:
        super().train(mode)
        # A frozen backbone keeps its BatchNorm statistics and no dropout, so its outputs are the same in training
        # as at inference; that is also what makes caching its features during training exact.
        if mode and self.num_trainable_blocks == 0:
            self.backbone.eval()
        return self

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs) -> dict[str, Tensor]:
        max_side = self.backbone.image_size * 2
        images = [load_rgb_image(value, max_side=max_side) for value in inputs]
        processed = self.image_processor(images=images, return_tensors="pt")
        return {"pixel_values": processed["pixel_values"]}

    def cache_backbone_features(self, enabled: bool = True) -> None:
        """Remember the frozen backbone's outputs per image, so repeated epochs skip the backbone.

        Keys are hashes of the preprocessed pixels, so the cached outputs are exactly the ones the backbone would
        compute. Only allowed while the backbone is frozen (its outputs then never change). The cache lives in
        memory, about 9 kB per image for EfficientNet-Lite.
        """
        if enabled and self.num_trainable_blocks != 0:
            raise ValueError("Backbone features can only be cached while the backbone is frozen")
        self._feature_cache = {} if enabled else None

    def _backbone_outputs(self, pixel_values: Tensor) -> tuple[Tensor, Tensor | None]:
        cache = getattr(self, "_feature_cache", None)
        if cache is None:
            return self.backbone(pixel_values)
        keys = [hashlib.sha1(row.detach().cpu().numpy().tobytes()).hexdigest() for row in pixel_values]
        missing = [i for i, key in enumerate(keys) if key not in cache]
        if missing:
            with torch.no_grad():
                pooled, logits = self.backbone(pixel_values[missing])
            for row, i in enumerate(missing):
                cache[keys[i]] = (pooled[row].cpu(), None if logits is None else logits[row].cpu())
        rows = [cache[key] for key in keys]
        pooled = torch.stack([row[0] for row in rows]).to(pixel_values.device)
        logits = None if rows[0][1] is None else torch.stack([row[1] for row in rows]).to(pixel_values.device)
        return pooled, logits

    def _register_gate_buffers(self, size: int) -> None:
        # Buffers, so they are saved with the weights and never trained; fit_domain_gate fills them.
        device = self.linear.weight.device
        self.register_buffer("gate_bank", torch.zeros(size, self.backbone.feature_dim, device=device))
        self.register_buffer("gate_threshold", torch.zeros((), device=device))
        self.register_buffer("gate_softness", torch.ones((), device=device))
        self.domain_gate_size = size

    def fit_domain_gate(self, pooled: Tensor, quantile: float = 0.05, softness: float = 0.01) -> dict[str, float]:
        """Fit the domain gate to the pooled backbone features of the training images (they become its bank).

        The gate is half open at the ``quantile`` of the training images' own neighbour similarities (each left out
        of its own neighbours), so all but that fraction of the training images (and most images of the same
        domains) get the full linear path, while images less alike than that get almost none.

        Args:
            pooled: ``[N, feature_dim]`` pooled features of the training images, N > ``domain_gate_neighbours``.
            quantile: Quantile of the training images' neighbour similarities where the gate is 0.5.
            softness: Width of the gate's transition, in cosine similarity.

        Returns:
            The fitted threshold, and the median of the training images' neighbour similarities.
        """
        if self.projection != "prototypes":
            # Gating a linear head would send every image unlike the training ones to the zero vector.
            raise InvalidInputError("fit_domain_gate needs projection='prototypes' (the gate scales its linear path)")
        if isinstance(quantile, bool) or not isinstance(quantile, (int, float)) or not 0 < quantile < 1:
            raise InvalidInputError(f"quantile must be a number in (0, 1), got {quantile!r}")
        if isinstance(softness, bool) or not isinstance(softness, (int, float)) or not softness > 0:
            raise InvalidInputError(f"softness must be a number > 0, got {softness!r}")
        if not isinstance(pooled, Tensor) or pooled.ndim != 2 or pooled.shape[1] != self.backbone.feature_dim:
            shape = tuple(pooled.shape) if isinstance(pooled, Tensor) else describe_input(pooled)
            raise InvalidInputError(
                f"fit_domain_gate expects a tensor of shape [N, {self.backbone.feature_dim}], got {shape}"
            )
        if pooled.shape[0] <= self.domain_gate_neighbours:
            raise InvalidInputError(
                f"fit_domain_gate needs more than domain_gate_neighbours={self.domain_gate_neighbours} images, "
                f"got {pooled.shape[0]}"
            )
        if pooled.shape[0] != self.domain_gate_size:
            self._register_gate_buffers(pooled.shape[0])
        self.gate_bank.copy_(F.normalize(pooled.detach().float(), dim=-1))
        similarities = self.gate_bank @ self.gate_bank.T
        similarities.fill_diagonal_(-1.0)
        own = similarities.topk(self.domain_gate_neighbours, dim=-1).values.mean(-1)
        threshold = torch.quantile(own.cpu(), quantile)
        self.gate_threshold.fill_(float(threshold))
        self.gate_softness.fill_(float(softness))
        return {"threshold": float(threshold), "median_similarity": float(own.median()), "bank": pooled.shape[0]}

    def domain_similarity(self, pooled: Tensor) -> Tensor:
        """Mean cosine similarity of each pooled feature to its nearest training images in the gate's bank."""
        similarities = F.normalize(pooled, dim=-1) @ self.gate_bank.T
        return similarities.topk(min(self.domain_gate_neighbours, len(self.gate_bank)), dim=-1).values.mean(-1)

    def domain_gate(self, pooled: Tensor) -> Tensor:
        """Per-image scale of the linear path: ``sigmoid((s - threshold) / softness)``, or ones without a gate."""
        if not self.domain_gate_size:
            return pooled.new_ones(len(pooled))
        return torch.sigmoid((self.domain_similarity(pooled) - self.gate_threshold) / self.gate_softness)

    def prototype_mix(self, logits: Tensor) -> Tensor:
        """The class prototypes weighted by ``softmax(logits / prototype_temperature)``; needs prototypes."""
        return (logits / self.prototype_temperature).softmax(dim=-1) @ self.prototypes

    def forward(self, features: dict[str, Tensor], **kwargs) -> dict[str, Tensor]:
        pooled, logits = self._backbone_outputs(features["pixel_values"])
        embedding = self.linear(pooled)
        if self.domain_gate_size:
            gate = self.domain_gate(pooled)
            features["domain_gate"] = gate
            embedding = gate.unsqueeze(-1) * embedding
        if self.projection == "prototypes":
            embedding = embedding + self.prototype_mix(logits)
        features["image_features"] = pooled
        features["sentence_embedding"] = embedding
        return features

    def get_embedding_dimension(self) -> int:
        return self.embedding_dimension

    def save_extra(self, output_path: str) -> None:
        self.image_processor.save_pretrained(output_path)

    @classmethod
    def load_extra(cls, model_name_or_path: str, hub_kwargs: dict[str, Any]) -> dict[str, Any]:
        local_dir = cls.load_dir_path(model_name_or_path, **hub_kwargs)
        # The PIL backend gives the same preprocessing on every machine, with or without torchvision.
        return {"image_processor": AutoImageProcessor.from_pretrained(local_dir, backend="pil")}
