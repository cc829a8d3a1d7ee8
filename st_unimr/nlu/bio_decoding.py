"""The best valid BIO tag sequence from per-token tag scores (Viterbi under the BIO constraints)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["bio_viterbi"]


def bio_viterbi(log_probs: Tensor, tags: Sequence[str]) -> list[int]:
    """Tag ids of the highest-scoring tag sequence in which every ``I-x`` follows a ``B-x`` or an ``I-x``.

    A per-token argmax lets a span start with ``I-`` or switch type mid-span (``B-content I-place``), which the span
    decoder then cuts into fragments; restricting the path to valid BIO sequences is the decoding half of a CRF
    without its learned transition scores. Tags without a ``B-``/``I-`` prefix (``O``) may follow anything.

    Args:
        log_probs: ``[tokens, len(tags)]`` log-probabilities (or any additive scores) of one text's tokens.
        tags: Tag names, index ``i`` naming column ``i``.

    Returns:
        One tag id per token.

    Example:
        ::

            from st_unimr.nlu.slot_labels import SLOT_TAGS

            tag_ids = bio_viterbi(slot_logits[:length].log_softmax(dim=-1), SLOT_TAGS)
    """
    if log_probs.ndim != 2 or log_probs.shape[1] != len(tags):
        raise ValueError(f"log_probs must be [tokens, {len(tags)}], got {list(log_probs.shape)}")
    if log_probs.shape[0] == 0:
        return []
    scores = log_probs.detach().float().cpu()
    allowed = torch.ones(len(tags), len(tags), dtype=torch.bool)
    may_start = torch.ones(len(tags), dtype=torch.bool)
    for j, tag in enumerate(tags):
        if tag.startswith("I-"):
            may_start[j] = False
            for i, previous in enumerate(tags):
                allowed[i, j] = previous in (f"B-{tag[2:]}", tag)
    forbidden = torch.finfo(scores.dtype).min / 4
    transition = torch.where(allowed, 0.0, forbidden)
    best = scores[0] + torch.where(may_start, 0.0, forbidden)
    backpointers = []
    for position in range(1, scores.shape[0]):
        candidates = best[:, None] + transition  # [from, to]
        best, pointer = candidates.max(dim=0)
        best = best + scores[position]
        backpointers.append(pointer)
    path = [int(best.argmax())]
    for pointer in reversed(backpointers):
        path.append(int(pointer[path[-1]]))
    return path[::-1]
