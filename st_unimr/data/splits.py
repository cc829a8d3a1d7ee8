from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = ["SPLITS", "DEFAULT_RATIOS", "assign_split", "split_of_groups", "check_no_leakage"]

SPLITS: tuple[str, str, str] = ("train", "dev", "test")
DEFAULT_RATIOS: tuple[float, float, float] = (0.8, 0.1, 0.1)
_SALT = "st-unimr-split-v1"


def assign_split(group: str, ratios: Sequence[float] = DEFAULT_RATIOS, salt: str = _SALT) -> str:
    """Assign a group (a concept or a template) to ``train``, ``dev`` or ``test``.

    The split depends only on the group key: it is the position of ``sha256(salt + group)`` in ``[0, 1)``,
    compared with the cumulative ratios. It never uses Python's salted ``hash()``, so it is the same on every
    run and every machine, and all rows sharing a group land in the same split.

    Args:
        group: The group key, e.g. a ``concept_id`` or a ``template_id``.
        ratios: Shares of ``train``, ``dev``, ``test``; they must sum to 1.
        salt: Change only to draw a different (still deterministic) partition.

    Returns:
        ``"train"``, ``"dev"`` or ``"test"``.

    Example:
        ::

            from st_unimr.data.splits import assign_split

            assign_split("name:dog")  # always the same answer
    """
    if len(ratios) != 3 or abs(sum(ratios) - 1.0) > 1e-6 or min(ratios) < 0:
        raise ValueError(f"ratios must be three non-negative shares summing to 1, got {ratios}")
    digest = hashlib.sha256(f"{salt}\x00{group}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    if position < ratios[0]:
        return "train"
    if position < ratios[0] + ratios[1]:
        return "dev"
    return "test"


def split_of_groups(groups: Iterable[str], ratios: Sequence[float] = DEFAULT_RATIOS) -> dict[str, str]:
    """Map each distinct group key to its split (see :func:`assign_split`)."""
    return {g: assign_split(g, ratios) for g in set(groups)}


def check_no_leakage(split_groups: dict[str, Iterable[str]]) -> None:
    """Raise ``AssertionError`` if any group key occurs in more than one split.

    Args:
        split_groups: ``{split name: group keys of its rows}``.

    Example:
        ::

            check_no_leakage({"train": ds["train"]["concept_id"], "test": ds["test"]["concept_id"]})
    """
    seen: dict[str, str] = {}
    for split, groups in split_groups.items():
        for g in set(groups):
            if g in seen and seen[g] != split:
                raise AssertionError(f"group {g!r} is in both {seen[g]!r} and {split!r}")
            seen[g] = split
