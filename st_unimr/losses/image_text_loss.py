from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sentence_transformers import SentenceTransformer
from sentence_transformers.base.losses.merged_forward import embed_columns
from sentence_transformers.sentence_transformer.losses import (
    GlobalOrthogonalRegularizationLoss,
    MultipleNegativesRankingLoss,
)
from torch import Tensor, nn

from st_unimr.modules.module_lookup import find_image_encoder

__all__ = ["ImageTextLoss"]


class ImageTextLoss(nn.Module):
    """Caption → image contrastive loss that keeps what the image route knew before training.

    The training images of the embedded bundle are emoji, flags and clip-art. Trained on them with
    :class:`~sentence_transformers.sentence_transformer.losses.MultipleNegativesRankingLoss` alone, the image route
    learns that domain and real photographs collapse together (mean pairwise cosine 0.06 → 0.65). This loss adds two
    optional regularisers to the ranking loss:

    - ``uniformity_weight``: sentence-transformers' Global Orthogonal Regularization on the batch's image
      embeddings, which penalises a high mean similarity between different images;
    - ``prototype_anchor_weight``: the squared distance of the image route's class prototypes from their values
      when the loss was built (the zero-shot head), relative to their norm.

    With both at 0 it is exactly ``MultipleNegativesRankingLoss``.

    Args:
        model: A UniMR model.
        uniformity_weight: Weight of the Global Orthogonal Regularization terms on the image column.
        prototype_anchor_weight: Weight of the prototype anchor (needs ``projection="prototypes"``).
        scale: The ranking loss's similarity scale.

    Inputs:
        +----------------------+--------+
        | Texts                | Labels |
        +======================+========+
        | (caption, image)     | none   |
        +----------------------+--------+

    Example:
        ::

            from datasets import Dataset
            from PIL import Image
            from sentence_transformers import SentenceTransformerTrainer
            from st_unimr import build_unimr
            from st_unimr.losses import ImageTextLoss

            model = build_unimr()
            train_dataset = Dataset.from_dict(
                {"query": ["a red square", "a blue circle"], "document": [Image.new("RGB", (64, 64), "red")] * 2}
            )
            loss = ImageTextLoss(model, uniformity_weight=1.0, prototype_anchor_weight=1.0)
            trainer = SentenceTransformerTrainer(model=model, train_dataset=train_dataset, loss=loss)
    """

    def __init__(
        self,
        model: SentenceTransformer,
        uniformity_weight: float = 0.0,
        prototype_anchor_weight: float = 0.0,
        scale: float = 20.0,
    ) -> None:
        super().__init__()
        if uniformity_weight < 0 or prototype_anchor_weight < 0:
            raise ValueError(
                f"ImageTextLoss weights must be >= 0, got uniformity_weight={uniformity_weight}, "
                f"prototype_anchor_weight={prototype_anchor_weight}"
            )
        self.model = model
        self.uniformity_weight = uniformity_weight
        self.prototype_anchor_weight = prototype_anchor_weight
        self.ranking_loss = MultipleNegativesRankingLoss(model, scale=scale)
        self.uniformity_loss = GlobalOrthogonalRegularizationLoss(model) if uniformity_weight else None
        self.prototypes = None
        if prototype_anchor_weight:
            encoder = find_image_encoder(model)
            if encoder is None or encoder.projection != "prototypes":
                raise ValueError("prototype_anchor_weight needs an ImageEncoder with projection='prototypes'")
            self.prototypes = encoder.prototypes
            # A buffer, not a parameter: the anchor must neither train nor be saved with the model.
            self.register_buffer("initial_prototypes", encoder.prototypes.detach().clone(), persistent=False)

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor | None = None) -> Tensor:
        embeddings = embed_columns(self.model, sentence_features)
        loss = self.ranking_loss.compute_loss_from_embeddings(embeddings, labels)
        if self.uniformity_loss is not None:
            terms = self.uniformity_loss.compute_loss_from_embeddings(embeddings[1:])
            loss = loss + self.uniformity_weight * sum(terms.values())
        if self.prototypes is not None:
            drift = (self.prototypes - self.initial_prototypes).pow(2).sum()
            loss = loss + self.prototype_anchor_weight * drift / self.initial_prototypes.pow(2).sum().clamp_min(1e-12)
        return loss

    def get_config_dict(self) -> dict[str, Any]:
        return {
            "uniformity_weight": self.uniformity_weight,
            "prototype_anchor_weight": self.prototype_anchor_weight,
            "scale": self.ranking_loss.scale,
        }

    @property
    def citation(self) -> str:
        return self.ranking_loss.citation
