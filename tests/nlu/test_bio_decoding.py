"""Constrained BIO decoding and slot span trimming."""

from __future__ import annotations

import math

import pytest
import torch

from st_unimr.nlu.bio_decoding import bio_viterbi
from st_unimr.nlu.slot_labels import SLOT_TAGS
from st_unimr.nlu.span_trimming import trim_span


def log_probs(*rows: dict[str, float]) -> torch.Tensor:
    """One row per token: the named tags' probabilities, the rest sharing what is left."""
    out = []
    for row in rows:
        rest = (1 - sum(row.values())) / (len(SLOT_TAGS) - len(row))
        out.append([math.log(row.get(tag, rest)) for tag in SLOT_TAGS])
    return torch.tensor(out)


def names(ids: list[int]) -> list[str]:
    return [SLOT_TAGS[i] for i in ids]


def test_viterbi_never_opens_a_span_with_inside():
    scores = log_probs({"I-content": 0.6, "B-content": 0.3}, {"I-content": 0.9})
    assert names(scores.argmax(dim=-1).tolist()) == ["I-content", "I-content"]
    assert names(bio_viterbi(scores, SLOT_TAGS)) == ["B-content", "I-content"]


def test_viterbi_does_not_switch_type_inside_a_span():
    scores = log_probs({"B-content": 0.9}, {"I-place": 0.5, "I-content": 0.4}, {"I-content": 0.9})
    assert names(bio_viterbi(scores, SLOT_TAGS)) == ["B-content", "I-content", "I-content"]


def test_viterbi_keeps_a_valid_argmax_path():
    scores = log_probs({"O": 0.9}, {"B-time": 0.8}, {"I-time": 0.7}, {"B-place": 0.6}, {"O": 0.9})
    assert bio_viterbi(scores, SLOT_TAGS) == scores.argmax(dim=-1).tolist()
    assert bio_viterbi(torch.zeros(0, len(SLOT_TAGS)), SLOT_TAGS) == []
    with pytest.raises(ValueError, match="log_probs"):
        bio_viterbi(torch.zeros(3, 2), SLOT_TAGS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (".قطّة سوداء", "قطّة سوداء"),
        ("!حزين", "حزين"),
        ("„modré oko", "modré oko"),
        ("«каре око»", "каре око"),
        ("appooppan Thaadi (indický druh rostliny)", "appooppan Thaadi (indický druh rostliny)"),
        ("(a) b.", "(a) b"),
        ("Sept.", "Sept"),
        ("100%", "100%"),
        (" a dog ", "a dog"),
        ("flag: Nigeria", "flag: Nigeria"),
        ("...", ""),
    ],
)
def test_trim_span_moves_edge_punctuation_out(text, expected):
    start, end = trim_span(text, 0, len(text))
    assert text[start:end] == expected
