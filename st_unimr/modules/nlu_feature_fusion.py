from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import torch
import torch.nn.functional as F
from sentence_transformers.base.modules.module import Module
from torch import Tensor, nn

from st_unimr.errors import InvalidInputError, InvalidInputTypeError
from st_unimr.modules.plugin_module import PluginModuleMixin
from st_unimr.nlu.bio_decoding import bio_viterbi
from st_unimr.nlu.slot_labels import SEARCH_INTENTS
from st_unimr.validation import check_int

__all__ = ["NLUFeatureFusion"]

FusionMode = Literal["gated", "none"]
IntentPooling = Literal["mean", "attention"]
SlotContext = Literal["none", "bigru"]
ContentRoute = Literal["pool", "reencode"]
ContentGate = Literal["always", "search"]


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

    With ``content_route="reencode"`` the request then moves on toward its content tokens alone (with the special and
    prompt tokens) encoded a second time through the whole text route, this module included::

        s' = f + beta * (route(content tokens) - f),   f = s + beta * (c - s) + alpha * sigmoid(...) * proj(nlu)

    so at ``beta = 1`` a request embeds exactly as its content does: the in-context token embeddings of "a dog" inside
    a request still carry the request's frame, the content on its own does not. Only query-side texts that the intent
    head takes for a search (:data:`~st_unimr.nlu.slot_labels.SEARCH_INTENTS`; any text, for a label set without
    them) and in whose best BIO path the tagger finds both content and a frame are encoded again; documents, plain
    captions, other sentences and commands keep ``f`` and cost nothing more.

    With ``slot_context="bigru"`` the tagger reads each token beside a bidirectional GRU's view of the whole text
    (``hidden_features // 2`` units each way): a per-token MLP alone cannot tell the content of a request from the
    words of its frame ("Schnappschüsse", "pull up"), and tagged them as content (slot F1 0.52 against 0.87 with the
    GRU, dev requests, frozen stage-1 encoder; ``evaluation/reports/nlu/report.md``).

    ``p_content(t)`` is the tagger's probability of ``B-content`` or ``I-content`` at token ``t``; the ``+ s`` and
    ``+ 1`` terms act as one extra pseudo-token holding the mean embedding, so a text without content (a weather
    question) keeps ``c`` near ``s``. ``beta`` is per-dimension and starts at zero like ``alpha``.

    With ``content_gate="search"`` the pooled move is weighted by the intent head's probability that the text is a
    search (:data:`~st_unimr.nlu.slot_labels.SEARCH_INTENTS`; 1 for a label set without them)::

        s' = s + p_search * beta * (c - s) + ...

    A request moves toward its content; a photo's title or a caption keeps its own embedding (the tagger weights every
    text's tokens, whatever the intent). The probability is read, not trained, by the fusion: only the intent loss
    trains the head. Trained in on the default recipe it changed nothing beyond seed noise (3 seeds,
    ``evaluation/reports/image-route/report.md``), so ``build_unimr`` keeps ``"always"``.

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
        content_route: ``"pool"`` (content-weighted pooling of the request's token embeddings; what models saved
            before this option load with) or ``"reencode"`` (the content tokens encoded again on their own; needs the
            module inside a ``SentenceTransformer``).
        content_gate: ``"always"`` (the pooled content move applies to every text; what models saved before this
            option load with) or ``"search"`` (weighted by the intent head's search probability).

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
        "content_route",
        "content_gate",
    ]
    # sentence-transformers' Router passes the task ("query", "document", None) to modules that name it here.
    forward_kwargs: set[str] = {"task"}

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
        content_route: ContentRoute = "pool",
        content_gate: ContentGate = "always",
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
        if content_route not in ("pool", "reencode"):
            raise InvalidInputError(f"content_route must be 'pool' or 'reencode', got {content_route!r}")
        if content_gate not in ("always", "search"):
            raise InvalidInputError(f"content_gate must be 'always' or 'search', got {content_gate!r}")
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
        self.content_route = content_route
        self.content_gate = content_gate

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

    def on_model_ready(self, model: Any) -> None:
        """Remember the model that holds the module: ``content_route="reencode"`` runs the modules before this one
        (the text encoder and its pooling) a second time, on a request's content."""
        super().on_model_ready(model)
        # A plain list, so that torch does not register the model as a submodule of its own module; a deepcopy of the
        # model maps it to the copy.
        self._owner = [model]

    def forward(self, features: dict[str, Tensor], task: str | None = None, **kwargs) -> dict[str, Tensor]:
        return self._fuse(features, task, content_pass=False)

    def _fuse(self, features: dict[str, Tensor], task: str | None, content_pass: bool) -> dict[str, Tensor]:
        sentence = features["sentence_embedding"]
        summary = self._intent_input(features, sentence)
        hidden = self.head_dropout(F.gelu(self.head_hidden(summary)))
        logits = self.head_out(hidden)
        label_mix = logits.softmax(dim=-1) @ self.label_embeddings.weight
        nlu = torch.cat([hidden, label_mix], dim=-1)
        features["intent_logits"] = logits
        features["nlu_features"] = nlu
        fused = sentence
        slot_logits = None
        if self.slot_tags is not None:
            slot_logits = self._slot_logits(features)
            features["slot_logits"] = slot_logits
            if hasattr(self, "content_scale"):
                shift = self._content_pooling(features, sentence, slot_logits) - sentence
                if self.content_gate == "search":
                    shift = self._search_probability(logits).unsqueeze(-1) * shift
                fused = fused + self.content_scale * shift
        if self.fusion == "gated":
            gate = torch.sigmoid(self.fusion_gate(torch.cat([sentence, nlu], dim=-1)))
            fused = fused + self.fusion_scale * gate * self.fusion_proj(nlu)
            if hasattr(self, "content_scale") and self.content_route == "reencode" and not content_pass:
                content = self._content_reencoding(features, fused, slot_logits, logits, task)
                fused = fused + self.content_scale * (content - fused)
            features["sentence_embedding"] = fused
        return features

    def _slot_logits(self, features: dict[str, Tensor]) -> Tensor:
        return self.slot_out(self.head_dropout(F.gelu(self.slot_hidden(self._slot_input(features)))))

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

    def _content_reencoding(
        self,
        features: dict[str, Tensor],
        own: Tensor,
        slot_logits: Tensor,
        intent_logits: Tensor,
        task: str | None,
    ) -> Tensor:
        """``own`` (the fused embeddings), where a search request's content tokens, with the special and prompt
        tokens, are encoded again on their own through the whole text route (this module included, once).

        Texts that the tagger finds no frame in (a caption, a plain question), documents and rows that the scale
        cannot reach (stage 2, scale 0 and frozen) keep ``own`` and cost nothing.
        """
        scale = self.content_scale
        if task == "document" or not (scale.any() or (scale.requires_grad and torch.is_grad_enabled())):
            return own
        upstream = self._upstream_modules()
        tokenizer = next((module.tokenizer for module in upstream if getattr(module, "tokenizer", None)), None)
        if tokenizer is None:
            raise RuntimeError("content_route='reencode' needs the text encoder's tokenizer before NLUFeatureFusion")
        input_ids, mask = features["input_ids"], features["attention_mask"].to(torch.bool)
        is_content = torch.zeros_like(mask)
        search = self._is_search(intent_logits)
        log_probs = slot_logits.detach().float().log_softmax(dim=-1)
        content_tags = torch.tensor(self.content_tag_ids)
        for row in search.nonzero().flatten().tolist():
            # The best valid BIO path, as parse_query decodes it: a per-token threshold cuts spans in the middle.
            length = int(mask[row].sum())
            path = torch.tensor(bio_viterbi(log_probs[row, :length], self.slot_tags))
            is_content[row, :length] = torch.isin(path, content_tags).to(mask.device)
        prompt_length = features.get("prompt_length")
        if isinstance(prompt_length, Tensor):
            prompt_length = prompt_length.flatten()[0]
        prompts = self._prompts_of_length(tokenizer, None if prompt_length is None else int(prompt_length))
        special_ids = set(tokenizer.all_special_ids)
        # The content is decoded to text and tokenized again rather than reused as token ids: inside a request a word
        # often splits differently ("«лошадь»": "лош", "а", "дь"; alone: "▁лоша", "дь"), and the ids cut out of the
        # request then embed away from the same words typed alone (request->image 0.496 against 0.529 for the
        # exact content, on rows whose span the tagger found exactly; evaluation/reports/nlu/report.md).
        selected, texts = [], []
        for row in is_content.any(dim=1).nonzero().flatten().tolist():
            words = [
                (token, flag)
                for token, flag in zip(input_ids[row][mask[row]].tolist(), is_content[row][mask[row]].tolist())
                if token not in special_ids
            ]
            prompt, prompt_ids = next(
                ((text, ids) for text, ids in prompts if [token for token, _ in words[: len(ids)]] == ids), ("", [])
            )
            if prompt_length and not prompt_ids:
                # A prompt given as a string, not one of the model's: its extent by count (the leading special token
                # included), as sentence-transformers gives it.
                prompt_ids = [token for token, _ in words[: int(prompt_length) - 1]]
                prompt = tokenizer.decode(prompt_ids).strip() + " "
            outside = [token for token, flag in words[len(prompt_ids) :] if not flag]
            if not any(_has_word(piece) for piece in tokenizer.convert_ids_to_tokens(outside)):
                # No frame around the content (at most punctuation, which gold spans leave out too): the text already
                # embeds as its content.
                continue
            selected.append(row)
            texts.append(prompt + self._content_text(tokenizer, input_ids[row], is_content[row]))
        if not selected:
            return own
        rows = torch.tensor(selected, device=input_ids.device)
        encoded_content = tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=input_ids.shape[1],
            add_special_tokens=True,
            return_tensors="pt",
        )
        content_ids = encoded_content["input_ids"].to(input_ids.device)
        content_mask = encoded_content["attention_mask"].to(input_ids.device, features["attention_mask"].dtype)
        content_features: dict[str, Any] = {"input_ids": content_ids, "attention_mask": content_mask}
        if "token_type_ids" in features:
            content_features["token_type_ids"] = torch.zeros_like(content_ids)
        for key in ("prompt_length", "modality"):
            if key in features:
                content_features[key] = features[key]
        for module in upstream:
            module_kwargs = {"task": task} if "task" in getattr(module, "forward_kwargs", ()) else {}
            content_features = module(content_features, **module_kwargs)
        encoded = self._fuse(content_features, task, content_pass=True)["sentence_embedding"].to(own.dtype)
        return own.index_copy(0, rows, encoded)

    @staticmethod
    def _content_text(tokenizer: Any, ids: Tensor, is_content: Tensor) -> str:
        """The content runs of one request as text, joined by a space."""
        runs: list[list[int]] = []
        previous = False
        for token, flag in zip(ids.tolist(), is_content.tolist()):
            if flag:
                if not previous:
                    runs.append([])
                runs[-1].append(token)
            previous = bool(flag)
        return " ".join(tokenizer.decode(run, skip_special_tokens=True).strip() for run in runs)

    def _prompts_of_length(self, tokenizer: Any, prompt_length: int | None) -> list[tuple[str, list[int]]]:
        """The holding model's prompts that tokenize to ``prompt_length`` (as sentence-transformers counts it), each
        with the token ids it starts a text with, longest first; none without a prompt.

        A prompt's token count alone over-counts by one when it ends in a space that tokenizes on its own ("query: "
        alone ends in a bare "▁"; before a word the space joins the word: "▁toon"), so the first ``prompt_length``
        tokens of a request may hold its first word: the prompt is matched by its ids without that trailing piece.
        """
        if not prompt_length:
            return []
        owner = getattr(self, "_owner", None)
        prompts = (getattr(owner[0], "prompts", None) or {}) if owner else {}
        found = []
        for text in prompts.values():
            if not text or len(tokenizer(text)["input_ids"]) - 1 != prompt_length:
                continue
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            if ids and not tokenizer.decode(ids[-1:]).strip():
                ids = ids[:-1]
            found.append((text, ids))
        return sorted(found, key=lambda item: len(item[1]), reverse=True)

    def _is_search(self, intent_logits: Tensor) -> Tensor:
        """Rows whose most likely intent is a search (``photo_search``, ``document_search``)."""
        search = self._search_label_ids()
        if not search:
            return torch.ones(intent_logits.shape[0], dtype=torch.bool, device=intent_logits.device)
        return torch.isin(intent_logits.argmax(dim=-1), torch.tensor(search, device=intent_logits.device))

    def _search_probability(self, intent_logits: Tensor) -> Tensor:
        """Per row, the intent head's probability of a search intent (1 for a label set without one), detached."""
        search = self._search_label_ids()
        if not search:
            return intent_logits.new_ones(intent_logits.shape[0])
        return intent_logits.detach().softmax(dim=-1)[:, search].sum(dim=-1)

    def _search_label_ids(self) -> list[int]:
        """Indices of the search intents (:data:`~st_unimr.nlu.slot_labels.SEARCH_INTENTS`) among ``labels``."""
        return [i for i, label in enumerate(self.labels) if label in SEARCH_INTENTS]

    def _upstream_modules(self) -> list[nn.Module]:
        """The modules before this one on its route of the model that holds it (``on_model_ready``)."""
        owner = getattr(self, "_owner", None)
        if owner:
            for module in owner[0].modules():
                children = list(module.children())
                if any(child is self for child in children):
                    return children[: next(i for i, child in enumerate(children) if child is self)]
        raise RuntimeError(
            "NLUFeatureFusion(content_route='reencode') encodes text again, so it needs the model holding it: "
            "use it inside a SentenceTransformer (st_unimr.build_unimr / st_unimr.load / SentenceTransformer(...))"
        )

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


def _has_word(piece: str) -> bool:
    """Whether a token's text holds a letter or a digit (a word of a frame, not punctuation or a bare space)."""
    return any(char.isalnum() for char in piece)


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
