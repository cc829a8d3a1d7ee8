from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch.nn.functional as F
from sentence_transformers import SentenceTransformer
from torch import Tensor, nn

from st_unimr.losses.citation import UNIMR_CITATION
from st_unimr.modules.module_lookup import find_nlu_module

__all__ = ["IntentClassificationLoss"]


class IntentClassificationLoss(nn.Module):
    """Cross-entropy on the ``intent_logits`` that :class:`~st_unimr.modules.NLUFeatureFusion` adds to the features.

    It has the sentence-transformers loss signature, so it trains beside
    :class:`~sentence_transformers.sentence_transformer.losses.MultipleNegativesRankingLoss` in one multi-dataset
    :class:`~sentence_transformers.SentenceTransformerTrainer` run (a dict of datasets with a dict of losses).

    Args:
        model: A UniMR model (its text route holds an ``NLUFeatureFusion``).
        label_smoothing: Label smoothing of the cross-entropy.

    Requirements:
        1. The model has an ``NLUFeatureFusion`` module.
        2. Integer labels that index the module's ``labels`` list.

    Inputs:
        +-------+---------------------------+
        | Texts | Labels                    |
        +=======+===========================+
        | text  | intent id (int), "label"  |
        +-------+---------------------------+

    Example:
        ::

            from datasets import Dataset
            from sentence_transformers import SentenceTransformerTrainer
            from st_unimr import build_unimr
            from st_unimr.losses import IntentClassificationLoss

            model = build_unimr(intents=["weather", "alarm"])
            train_dataset = Dataset.from_dict({"text": ["will it rain", "wake me at 7"], "label": [0, 1]})
            loss = IntentClassificationLoss(model)
            trainer = SentenceTransformerTrainer(model=model, train_dataset=train_dataset, loss=loss)
            trainer.train()
    """

    def __init__(self, model: SentenceTransformer, label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.model = model
        self.label_smoothing = label_smoothing
        self.num_labels = find_nlu_module(model).num_labels

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor) -> Tensor:
        features = list(sentence_features)
        if len(features) != 1:
            raise ValueError(
                f"IntentClassificationLoss expects one text column beside the label, got {len(features)} columns"
            )
        output = self.model(features[0])
        if "intent_logits" not in output:
            raise ValueError("The model's output has no 'intent_logits': the input did not pass an NLUFeatureFusion")
        labels = labels.view(-1).long()
        if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= self.num_labels):
            bad = labels[(labels < 0) | (labels >= self.num_labels)].unique().tolist()
            raise ValueError(f"Intent label ids {bad} are outside the model's {self.num_labels} labels")
        return F.cross_entropy(output["intent_logits"], labels, label_smoothing=self.label_smoothing)

    def get_config_dict(self) -> dict[str, Any]:
        return {"num_labels": self.num_labels, "label_smoothing": self.label_smoothing}

    @property
    def citation(self) -> str:
        return UNIMR_CITATION
