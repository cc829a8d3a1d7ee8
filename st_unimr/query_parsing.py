from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from sentence_transformers import SentenceTransformer

from st_unimr.errors import InvalidInputError, InvalidInputTypeError
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.nlu.bio_decoding import bio_viterbi
from st_unimr.nlu.token_alignment import decode_slot_spans, token_offsets
from st_unimr.validation import check_int, check_texts, describe_input

__all__ = ["parse_query", "tag_queries"]


def parse_query(
    model: SentenceTransformer,
    texts: str | Sequence[str],
    reference_date: datetime.date | str | None = None,
    batch_size: int = 32,
    return_embedding: bool = False,
    lang: str | None = None,
) -> list[dict[str, Any]] | dict[str, Any]:
    """Intent, slots (content, time, place) and time range of search requests, from one forward pass per batch.

    The intent comes from the model's intent head, the slots from its token-level slot tagger (the same encoder
    pass that gives the retrieval embedding), their char offsets from the fast tokenizer's offset mapping, and the
    time range from :func:`st_unimr.nlu.time_normalization.normalize_time` applied to the first time slot.

    Args:
        model: A UniMR model built with ``slot_tagging=True``.
        texts: One text or a list of texts.
        reference_date: The "today" relative times ("last month") resolve against: a date or an ISO string; None
            means today.
        batch_size: Encoding batch size.
        return_embedding: Also return each text's query embedding (a tensor) under ``"embedding"``.
        lang: The texts' language code (``"de"``), if known: time phrases are then read in that language.
            None: ``normalize_time`` tries its languages in turn.

    Returns:
        Per text ``{"intent": {"label", "score"}, "slots": [{"type", "text", "start", "end"}, ...],
        "time_range": {"start", "end"} (ISO dates) or None}``; ``text[start:end] == slot["text"]``. For a single text,
        just its dict.

    Raises:
        InvalidInputError: ``texts`` is not a text or a list of texts, a text holds a lone surrogate, ``batch_size`` is
            not a positive integer, ``reference_date`` is not a date, or the model has no slot tagger.

    Example:
        ::

            import st_unimr

            model = st_unimr.load("org/unimr")
            st_unimr.parse_query(model, "find photos of my dog from last week", reference_date="2026-11-27")
            # {'intent': {'label': 'photo_search', 'score': 0.97},
            #  'slots': [{'type': 'content', 'text': 'my dog', 'start': 15, 'end': 21},
            #            {'type': 'time', 'text': 'last week', 'start': 27, 'end': 36}],
            #  'time_range': {'start': '2026-11-16', 'end': '2026-11-22'}}
    """
    check_int(batch_size, "batch_size")
    if lang is not None and (not isinstance(lang, str) or not lang):
        raise InvalidInputError(f"lang must be a language code such as 'de', or None; got {lang!r}")
    items, single = check_texts(texts)
    reference = _reference_date(reference_date)
    results = []
    for parsed in tag_queries(model, items, batch_size=batch_size):
        parsed["time_range"] = _time_range(parsed["slots"], reference, lang=lang)
        del parsed["intent_probabilities"]
        if not return_embedding:
            del parsed["embedding"]
        results.append(parsed)
    return results[0] if single else results


def tag_queries(model: SentenceTransformer, texts: list[str], batch_size: int = 32) -> list[dict[str, Any]]:
    """Intent (top label and all probabilities), slots and embedding of checked texts; no time normalisation.

    The shared part of :func:`parse_query` and the slot evaluator: one ``encode_query`` pass, slot offsets from the
    fast tokenizer's offset mapping of the same prompt + text.
    """
    nlu = find_nlu_module(model)
    if nlu.slot_tags is None:
        raise InvalidInputError(
            "This model's NLU module has no slot tagger: build it with st_unimr.build_unimr(slot_tagging=True)"
        )
    if not texts:
        return []
    prompt = model.prompts.get("query", "") or ""
    outputs = model.encode_query(texts, output_value=None, batch_size=batch_size)
    offsets = token_offsets(model.tokenizer, texts, prompt=prompt, max_length=model.max_seq_length)
    results = []
    for text, output, row_offsets in zip(texts, outputs, offsets):
        probabilities = output["intent_logits"].float().softmax(dim=-1)
        score, index = probabilities.max(dim=-1)
        length = int(output["attention_mask"].sum())
        if length != len(row_offsets):
            # Offsets come from a second tokenisation of the same prompt + text: it must match the model's tokens.
            raise RuntimeError(
                f"The tokenizer's offsets ({len(row_offsets)} tokens) do not line up with the model's {length}"
            )
        # The best valid BIO path, not a per-token argmax: no span opens with I- or changes type halfway.
        tag_ids = bio_viterbi(output["slot_logits"][:length].float().log_softmax(dim=-1), nlu.slot_tags)
        results.append(
            {
                "intent": {"label": nlu.labels[int(index)], "score": float(score)},
                "slots": decode_slot_spans(text, row_offsets, tag_ids, nlu.slot_tags),
                "intent_probabilities": probabilities,
                "embedding": output["sentence_embedding"],
            }
        )
    return results


def _time_range(
    slots: list[dict[str, Any]], reference: datetime.date, normalize_time: Any = None, lang: str | None = None
) -> dict[str, str] | None:
    if normalize_time is None:
        from st_unimr.nlu.time_normalization import normalize_time

    for slot in slots:
        if slot["type"] == "time":
            # Without a language, normalize_time tries its languages in turn.
            found = normalize_time(slot["text"], lang=lang, reference_date=reference)
            if found is not None:
                return {"start": found.start.isoformat(), "end": found.end.isoformat()}
    return None


def _reference_date(value: Any) -> datetime.date:
    if value is None:
        return datetime.date.today()
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInputError(f"reference_date must be an ISO date (YYYY-MM-DD), got {value!r}") from exc
    raise InvalidInputTypeError(
        f"reference_date must be a date, an ISO date string or None, got {describe_input(value)}"
    )
