from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import torch
import torch.nn.functional as F
from sentence_transformers.base.modules.module import Module
from torch import Tensor, nn

from st_unimr.errors import InvalidInputError, InvalidInputTypeError
from st_unimr.modules.plugin_module import PluginModuleMixin
from st_unimr.validation import check_int

__all__ = ["NLUFeatureFusion"]

FusionMode = Literal["gated", "none"]
IntentPooling = Literal["mean", "attention"]


class NLUFeatureFusion(PluginModuleMixin, Module):
    """The NLU module and the fusion layer of UniMR, placed after pooling on the text route.

    An intent head (a small MLP over the pooled sentence embedding, or over an attention-pooled summary of the token
    embeddings) predicts ``intent_logits`` over a label set stored by name. Its NLU features are the concatenation of
    the head's hidden representation and the intent-probability-weighted label embeddings. With ``fusion="gated"``
    they are fused back into the sentence embedding through a residual, input-dependent gate::

        s' = s + alpha * sigmoid(W_g [s; nlu] + b_g) * proj(nlu)

    ``alpha`` is a per-dimension scale initialised at zero, so a freshly built module leaves the encoder's embedding
    exactly unchanged and training decides how much intent information flows in. ``fusion="none"`` keeps the head
    (for the intent loss and :func:`st_unimr.predict_intent`) but never touches the embedding: the paper's ablation.

    Output features added: ``intent_logits`` ``[B, num_labels]``, ``nlu_features`` ``[B, 2 * hidden_features]``;
    ``sentence_embedding`` is replaced by the fused embedding when ``fusion="gated"``.

    Args:
        in_features: Dimension of the incoming ``sentence_embedding`` (and of the token embeddings).
        labels: Intent label names; index ``i`` of ``intent_logits`` is ``labels[i]``.
        hidden_features: Width of the intent head's hidden layer and of the label embeddings.
        fusion: ``"gated"`` (fuse NLU features into the embedding) or ``"none"`` (head only).
        intent_pooling: ``"mean"`` (use the pooled sentence embedding) or ``"attention"`` (a learned query attends
            over ``token_embeddings``; needs ``attention_mask`` in the features).
        dropout: Dropout inside the intent head during training.

    Example:
        ::

            from sentence_transformers import SentenceTransformer
            from sentence_transformers.base.modules import Normalize, Transformer
            from sentence_transformers.sentence_transformer.modules import Pooling
            from st_unimr.modules import NLUFeatureFusion

            transformer = Transformer("intfloat/multilingual-e5-small")
            dim = transformer.get_embedding_dimension()
            fusion = NLUFeatureFusion(dim, labels=["weather", "alarm", "photo_search"])
            model = SentenceTransformer(modules=[transformer, Pooling(dim, "mean"), fusion, Normalize()])
            out = model.encode("wake me up at 7", output_value=None)
            print(out["intent_logits"].shape)  # torch.Size([3])
    """

    config_keys: list[str] = ["in_features", "labels", "hidden_features", "fusion", "intent_pooling", "dropout"]

    def __init__(
        self,
        in_features: int,
        labels: list[str],
        hidden_features: int = 256,
        fusion: FusionMode = "gated",
        intent_pooling: IntentPooling = "mean",
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        check_int(in_features, "in_features")
        check_int(hidden_features, "hidden_features")
        if fusion not in ("gated", "none"):
            raise InvalidInputError(f"fusion must be 'gated' or 'none', got {fusion!r}")
        if intent_pooling not in ("mean", "attention"):
            raise InvalidInputError(f"intent_pooling must be 'mean' or 'attention', got {intent_pooling!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise InvalidInputError(f"dropout must be a number in [0, 1), got {dropout!r}")
        if isinstance(labels, (str, bytes, dict)) or not isinstance(labels, Iterable):
            raise InvalidInputTypeError(f"labels must be a list of label names, got {labels!r}")
        labels = list(labels)
        if not labels:
            raise InvalidInputError("NLUFeatureFusion needs at least one intent label")
        not_names = [label for label in labels if not isinstance(label, str) or not label]
        if not_names:
            raise InvalidInputTypeError(f"Intent labels must be non-empty strings; got {not_names[:5]}")
        if len(set(labels)) != len(labels):
            duplicates = sorted({label for label in labels if labels.count(label) > 1})
            raise InvalidInputError(f"Intent labels must be unique; duplicated: {duplicates}")

        self.in_features = in_features
        self.labels = labels
        self.hidden_features = hidden_features
        self.fusion = fusion
        self.intent_pooling = intent_pooling
        self.dropout = dropout

        if intent_pooling == "attention":
            self.attention_query = nn.Parameter(torch.zeros(in_features))
        self.head_hidden = nn.Linear(in_features, hidden_features)
        self.head_dropout = nn.Dropout(dropout)
        self.head_out = nn.Linear(hidden_features, len(labels))
        self.label_embeddings = nn.Embedding(len(labels), hidden_features)

        if fusion == "gated":
            nlu_dim = 2 * hidden_features
            self.fusion_proj = nn.Linear(nlu_dim, in_features)
            self.fusion_gate = nn.Linear(in_features + nlu_dim, in_features)
            self.fusion_scale = nn.Parameter(torch.zeros(in_features))

    @property
    def num_labels(self) -> int:
        return len(self.labels)

    def forward(self, features: dict[str, Tensor], **kwargs) -> dict[str, Tensor]:
        sentence = features["sentence_embedding"]
        summary = self._intent_input(features, sentence)
        hidden = self.head_dropout(F.gelu(self.head_hidden(summary)))
        logits = self.head_out(hidden)
        label_mix = logits.softmax(dim=-1) @ self.label_embeddings.weight
        nlu = torch.cat([hidden, label_mix], dim=-1)
        features["intent_logits"] = logits
        features["nlu_features"] = nlu
        if self.fusion == "gated":
            gate = torch.sigmoid(self.fusion_gate(torch.cat([sentence, nlu], dim=-1)))
            features["sentence_embedding"] = sentence + self.fusion_scale * gate * self.fusion_proj(nlu)
        return features

    def _intent_input(self, features: dict[str, Tensor], sentence: Tensor) -> Tensor:
        if self.intent_pooling == "mean":
            return sentence
        tokens = features["token_embeddings"]
        mask = features["attention_mask"].to(torch.bool)
        scores = (tokens @ self.attention_query) / self.in_features**0.5
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        weights = scores.softmax(dim=-1).unsqueeze(-1)
        return (weights * tokens).sum(dim=1)

    def get_embedding_dimension(self) -> int:
        return self.in_features
