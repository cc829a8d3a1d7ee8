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
SlotContext = Literal["none", "bigru"]


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

    With ``slot_tags`` (BIO tags such as :data:`st_unimr.nlu.slot_labels.SLOT_TAGS`) a token-level slot tagger runs
    over the shared encoder's ``token_embeddings`` in the same forward pass. With ``fusion="gated"`` and content tags
    among them, the embedding also moves toward a content-weighted pooling of the tokens, so a request ("please find
    a photo of a dog from last month") lands where its content ("a dog") lands::

        c  = (sum_t p_content(t) * tok_t + s) / (sum_t p_content(t) + 1)
        s' = s + beta * (c - s) + alpha * sigmoid(...) * proj(nlu)

    With ``slot_context="bigru"`` the tagger reads each token beside a bidirectional GRU's view of the whole text
    (``hidden_features // 2`` units each way): a per-token MLP alone cannot tell the content of a request from the
    words of its frame ("Schnappschüsse", "pull up"), and tagged them as content (slot F1 0.52 against 0.87 with the
    GRU, dev requests, frozen stage-1 encoder; ``evaluation/reports/nlu/report.md``).

    ``p_content(t)`` is the tagger's probability of ``B-content`` or ``I-content`` at token ``t``; the ``+ s`` and
    ``+ 1`` terms act as one extra pseudo-token holding the mean embedding, so a text without content (a weather
    question) keeps ``c`` near ``s``. ``beta`` is per-dimension and starts at zero like ``alpha``.

    Output features added: ``intent_logits`` ``[B, num_labels]``, ``nlu_features`` ``[B, 2 * hidden_features]``, and
    with ``slot_tags`` ``slot_logits`` ``[B, T, len(slot_tags)]``; ``sentence_embedding`` is replaced by the fused
    embedding when ``fusion="gated"``.

    Args:
        in_features: Dimension of the incoming ``sentence_embedding`` (and of the token embeddings).
        labels: Intent label names; index ``i`` of ``intent_logits`` is ``labels[i]``.
        hidden_features: Width of the intent head's hidden layer and of the label embeddings.
        fusion: ``"gated"`` (fuse NLU features into the embedding) or ``"none"`` (head only).
        intent_pooling: ``"mean"`` (use the pooled sentence embedding) or ``"attention"`` (a learned query attends
            over ``token_embeddings``; needs ``attention_mask`` in the features).
        dropout: Dropout inside the intent head (and the slot tagger) during training.
        slot_tags: Slot tag names (BIO), index ``i`` of ``slot_logits`` being ``slot_tags[i]``; None (the default, and
            what models saved before the tagger existed load with) adds no tagger.
        slot_context: ``"none"`` (the tagger sees each token's embedding alone; what models saved before this option
            load with) or ``"bigru"`` (plus a bidirectional GRU over the tokens; what ``build_unimr`` uses).

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

            # with a slot tagger: per-token logits over the BIO tags
            from st_unimr.nlu.slot_labels import SLOT_TAGS

            tagged = NLUFeatureFusion(
                dim, labels=["weather", "photo_search"], slot_tags=list(SLOT_TAGS), slot_context="bigru"
            )
    """

    config_keys: list[str] = [
        "in_features",
        "labels",
        "hidden_features",
        "fusion",
        "intent_pooling",
        "dropout",
        "slot_tags",
        "slot_context",
    ]

    def __init__(
        self,
        in_features: int,
        labels: list[str],
        hidden_features: int = 256,
        fusion: FusionMode = "gated",
        intent_pooling: IntentPooling = "mean",
        dropout: float = 0.1,
        slot_tags: list[str] | None = None,
        slot_context: SlotContext = "none",
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
        if slot_context not in ("none", "bigru"):
            raise InvalidInputError(f"slot_context must be 'none' or 'bigru', got {slot_context!r}")
        if isinstance(labels, (str, bytes, dict)) or not isinstance(labels, Iterable):
            raise InvalidInputTypeError(f"labels must be a list of label names, got {labels!r}")
        labels = _check_names(labels, "intent label")
        if slot_tags is not None:
            if isinstance(slot_tags, (str, bytes, dict)) or not isinstance(slot_tags, Iterable):
                raise InvalidInputTypeError(f"slot_tags must be a list of tag names or None, got {slot_tags!r}")
            slot_tags = _check_names(slot_tags, "slot tag")

        self.in_features = in_features
        self.labels = labels
        self.hidden_features = hidden_features
        self.fusion = fusion
        self.intent_pooling = intent_pooling
        self.dropout = dropout
        self.slot_tags = slot_tags
        self.slot_context = slot_context

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

        if slot_tags is not None:
            context_features = 0
            if slot_context == "bigru":
                half = max(hidden_features // 2, 1)
                self.slot_gru = nn.GRU(in_features, half, batch_first=True, bidirectional=True)
                context_features = 2 * half
            self.slot_hidden = nn.Linear(in_features + context_features, hidden_features)
            self.slot_out = nn.Linear(hidden_features, len(slot_tags))
            if fusion == "gated" and self.content_tag_ids:
                self.content_scale = nn.Parameter(torch.zeros(in_features))

    @property
    def num_labels(self) -> int:
        return len(self.labels)

    @property
    def content_tag_ids(self) -> list[int]:
        """Indices of the ``B-content`` / ``I-content`` tags in ``slot_tags`` (empty without a tagger)."""
        return [i for i, tag in enumerate(self.slot_tags or []) if tag in ("B-content", "I-content")]

    def forward(self, features: dict[str, Tensor], **kwargs) -> dict[str, Tensor]:
        sentence = features["sentence_embedding"]
        summary = self._intent_input(features, sentence)
        hidden = self.head_dropout(F.gelu(self.head_hidden(summary)))
        logits = self.head_out(hidden)
        label_mix = logits.softmax(dim=-1) @ self.label_embeddings.weight
        nlu = torch.cat([hidden, label_mix], dim=-1)
        features["intent_logits"] = logits
        features["nlu_features"] = nlu
        fused = sentence
        if self.slot_tags is not None:
            slot_logits = self.slot_out(self.head_dropout(F.gelu(self.slot_hidden(self._slot_input(features)))))
            features["slot_logits"] = slot_logits
            if hasattr(self, "content_scale"):
                content = self._content_pooling(features, sentence, slot_logits)
                fused = fused + self.content_scale * (content - sentence)
        if self.fusion == "gated":
            gate = torch.sigmoid(self.fusion_gate(torch.cat([sentence, nlu], dim=-1)))
            fused = fused + self.fusion_scale * gate * self.fusion_proj(nlu)
            features["sentence_embedding"] = fused
        return features

    def _slot_input(self, features: dict[str, Tensor]) -> Tensor:
        tokens = features["token_embeddings"]
        if self.slot_context == "none":
            return tokens
        # Packed by length so that padding never flows into the backward direction of the real tokens.
        lengths = features["attention_mask"].sum(dim=1).clamp(min=1).to("cpu", torch.int64)
        packed = nn.utils.rnn.pack_padded_sequence(tokens, lengths, batch_first=True, enforce_sorted=False)
        context, _ = self.slot_gru(packed)
        context, _ = nn.utils.rnn.pad_packed_sequence(context, batch_first=True, total_length=tokens.shape[1])
        return torch.cat([tokens, context], dim=-1)

    def _content_pooling(self, features: dict[str, Tensor], sentence: Tensor, slot_logits: Tensor) -> Tensor:
        """The tokens averaged by the tagger's content probability, with the mean embedding as one pseudo-token."""
        tokens = features["token_embeddings"]
        mask = features["attention_mask"].to(tokens.dtype)
        weights = slot_logits.softmax(dim=-1)[..., self.content_tag_ids].sum(dim=-1) * mask
        pooled = (weights.unsqueeze(-1) * tokens).sum(dim=1) + sentence
        return pooled / (weights.sum(dim=1, keepdim=True) + 1)

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


def _check_names(names: Iterable, what: str) -> list[str]:
    """``names`` as a list of unique non-empty strings; ``what`` names one of them in the errors ("intent label")."""
    names = list(names)
    if not names:
        raise InvalidInputError(f"NLUFeatureFusion needs at least one {what}")
    what = f"{what[0].upper()}{what[1:]}s"
    not_names = [name for name in names if not isinstance(name, str) or not name]
    if not_names:
        raise InvalidInputTypeError(f"{what} must be non-empty strings; got {not_names[:5]}")
    if len(set(names)) != len(names):
        duplicates = sorted({name for name in names if names.count(name) > 1})
        raise InvalidInputError(f"{what} must be unique; duplicated: {duplicates}")
    return names
