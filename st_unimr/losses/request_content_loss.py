from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.losses.merged_forward import embed_columns
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from torch import Tensor, nn

__all__ = ["RequestContentLoss"]


class RequestContentLoss(nn.Module):
    """Request → document ranking, with each request pulled onto where its plain content lands.

    A search request ("can you find me a photo of a dog from last summer") should embed where its content ("a dog")
    embeds. The ranking loss alone stops pulling once the request ranks its document first among the batch, and
    requests stay a few points behind their plain contents. This loss adds ``content_weight`` times the mean cosine
    distance between each request's embedding and its content's, the content embedded without gradient (the target
    does not move toward the request).

    With ``content_weight=0`` the third column is not embedded and the loss is exactly
    :class:`~sentence_transformers.sentence_transformer.losses.MultipleNegativesRankingLoss` over the first two.

    Args:
        model: A UniMR model (any SentenceTransformer works).
        content_weight: Weight of the cosine distance to the content embedding.
        scale: The ranking loss's similarity scale.

    Inputs:
        +-------------------------------+--------+
        | Texts                         | Labels |
        +===============================+========+
        | (request, document, content)  | none   |
        +-------------------------------+--------+

    Example:
        ::

            from datasets import Dataset
            from sentence_transformers import SentenceTransformerTrainer
            from st_unimr import build_unimr
            from st_unimr.losses import RequestContentLoss

            model = build_unimr()
            train_dataset = Dataset.from_dict(
                {
                    "query": ["find me a photo of a dog from last summer", "show me the tax form from 2023"],
                    "document": ["a dog", "Form 1040: individual income tax return"],
                    "content": ["a dog", "the tax form"],
                }
            )
            loss = RequestContentLoss(model, content_weight=1.0)
            trainer = SentenceTransformerTrainer(model=model, train_dataset=train_dataset, loss=loss)
    """

    def __init__(self, model: SentenceTransformer, content_weight: float = 1.0, scale: float = 20.0) -> None:
        super().__init__()
        if content_weight < 0:
            raise ValueError(f"RequestContentLoss content_weight must be >= 0, got {content_weight}")
        self.model = model
        self.content_weight = content_weight
        self.ranking_loss = MultipleNegativesRankingLoss(model, scale=scale)

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor | None = None) -> Tensor:
        features = list(sentence_features)
        if len(features) != 3 and (self.content_weight or len(features) != 2):
            raise ValueError(f"RequestContentLoss expects 3 columns (request, document, content), got {len(features)}")
        embeddings = embed_columns(self.model, features[:2])
        loss = self.ranking_loss.compute_loss_from_embeddings(embeddings, labels)
        if self.content_weight:
            with torch.no_grad():
                content = self.model(features[2])["sentence_embedding"]
            distance = 1 - nn.functional.cosine_similarity(embeddings[0], content, dim=-1)
            loss = loss + self.content_weight * distance.mean()
        return loss

    def get_config_dict(self) -> dict[str, Any]:
        return {"content_weight": self.content_weight, "scale": self.ranking_loss.scale}

    @property
    def citation(self) -> str:
        return self.ranking_loss.citation
