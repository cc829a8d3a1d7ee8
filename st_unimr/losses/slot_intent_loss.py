from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
import torch.nn.functional as F
from sentence_transformers import SentenceTransformer
from torch import Tensor, nn

from st_unimr.losses.citation import UNIMR_CITATION
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.nlu.token_alignment import IGNORE_INDEX

__all__ = ["SlotIntentLoss"]


class SlotIntentLoss(nn.Module):
    """Intent cross-entropy plus token-level slot-tagging cross-entropy, from one forward pass.

    Reads the ``intent_logits`` and ``slot_logits`` that :class:`~st_unimr.modules.NLUFeatureFusion` (built with
    ``slot_tags``) adds to the features. sentence-transformers' data collator turns only the first ``label`` column
    into a tensor, so each row's label is one fixed-length int list ``[intent_id, tag_0, tag_1, ...]`` with one tag
    id per token position of the tokenised input (prompt included); build it with
    :func:`st_unimr.nlu.token_alignment.slot_intent_labels`, which aligns char spans to tokens through the fast
    tokenizer's offset mapping. ``-100`` is ignored: an intent id of ``-100`` trains the tagger only, tags of
    ``-100`` (padding, or utterances without slot annotations) train the intent head only.

    Args:
        model: A UniMR model whose NLU module has a slot tagger.
        slot_weight: Weight of the slot-tagging term.
        intent_weight: Weight of the intent term.
        label_smoothing: Label smoothing of the intent cross-entropy.

    Requirements:
        1. The model's ``NLUFeatureFusion`` has ``slot_tags``.
        2. Labels as above, at least as long as the longest tokenised input plus one.

    Inputs:
        +-------+------------------------------------------------+
        | Texts | Labels                                         |
        +=======+================================================+
        | text  | ``[intent_id, tag ids per token...]``, "label" |
        +-------+------------------------------------------------+

    Example:
        ::

            from datasets import Dataset
            from sentence_transformers import SentenceTransformerTrainer
            from st_unimr import build_unimr
            from st_unimr.losses import SlotIntentLoss
            from st_unimr.nlu.token_alignment import slot_intent_labels

            model = build_unimr(intents=["weather"], slot_tagging=True)  # adds photo_search, document_search
            texts = ["find photos of my dog from last week", "will it rain"]
            spans = [[{"label": "content", "start": 15, "end": 21}, {"label": "time", "start": 27, "end": 36}], None]
            labels = slot_intent_labels(model.tokenizer, texts, [1, 0], spans, length=32, prompt="query: ")
            train_dataset = Dataset.from_dict({"text": texts, "label": labels})
            trainer = SentenceTransformerTrainer(model=model, train_dataset=train_dataset, loss=SlotIntentLoss(model))
            trainer.train()
    """

    def __init__(
        self,
        model: SentenceTransformer,
        slot_weight: float = 1.0,
        intent_weight: float = 1.0,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__()
        nlu = find_nlu_module(model)
        if nlu.slot_tags is None:
            raise ValueError("SlotIntentLoss needs a slot tagger: build the model with slot_tagging=True")
        self.model = model
        self.slot_weight = slot_weight
        self.intent_weight = intent_weight
        self.label_smoothing = label_smoothing
        self.num_labels = nlu.num_labels
        self.num_tags = len(nlu.slot_tags)
        #: The last batch's terms, detached (the trainer logs one number per loss).
        self.last_terms: dict[str, float] = {}

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor) -> Tensor:
        features = list(sentence_features)
        if len(features) != 1:
            raise ValueError(f"SlotIntentLoss expects one text column beside the label, got {len(features)} columns")
        output = self.model(features[0])
        if "slot_logits" not in output:
            raise ValueError("The model's output has no 'slot_logits': the input did not pass a slot tagger")
        labels = labels.long()
        if labels.ndim != 2:
            raise ValueError(
                f"SlotIntentLoss labels must be [batch, 1 + tokens] int lists, got shape {tuple(labels.shape)}"
            )
        intent_labels, tag_labels = labels[:, 0], labels[:, 1:]
        slot_logits = output["slot_logits"]
        length = slot_logits.shape[1]
        if tag_labels.shape[1] < length:
            raise ValueError(
                f"Slot labels hold {tag_labels.shape[1]} token positions but the batch has {length} tokens: build "
                "them with a length of at least the model's max_seq_length"
            )
        # Beyond the batch's padded length there are only ignored positions.
        tag_labels = tag_labels[:, :length].masked_fill(output["attention_mask"] == 0, IGNORE_INDEX)
        self._check_range(intent_labels, self.num_labels, "Intent label ids")
        self._check_range(tag_labels, self.num_tags, "Slot tag ids")
        zero = slot_logits.sum() * 0.0
        intent_loss = zero
        if (intent_labels != IGNORE_INDEX).any():
            intent_loss = F.cross_entropy(
                output["intent_logits"], intent_labels, ignore_index=IGNORE_INDEX, label_smoothing=self.label_smoothing
            )
        slot_loss = zero
        if (tag_labels != IGNORE_INDEX).any():
            slot_loss = F.cross_entropy(
                slot_logits.reshape(-1, self.num_tags), tag_labels.reshape(-1), ignore_index=IGNORE_INDEX
            )
        self.last_terms = {"intent": float(intent_loss.detach()), "slots": float(slot_loss.detach())}
        return self.intent_weight * intent_loss + self.slot_weight * slot_loss

    @staticmethod
    def _check_range(values: Tensor, size: int, what: str) -> None:
        bad = values[(values != IGNORE_INDEX) & ((values < 0) | (values >= size))]
        if bad.numel():
            raise ValueError(f"{what} {torch.unique(bad).tolist()} are outside the model's {size}")

    def get_config_dict(self) -> dict[str, Any]:
        return {
            "num_labels": self.num_labels,
            "num_tags": self.num_tags,
            "slot_weight": self.slot_weight,
            "intent_weight": self.intent_weight,
            "label_smoothing": self.label_smoothing,
        }

    @property
    def citation(self) -> str:
        return UNIMR_CITATION
