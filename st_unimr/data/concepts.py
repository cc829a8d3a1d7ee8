from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

__all__ = ["Concept", "name_concept_id", "pick_langs"]

_ARTICLES = re.compile(r"^(a|an|the|some)\s+", re.IGNORECASE)


def name_concept_id(english: str) -> str:
    """Concept key from an English name or caption, shared across sources.

    Lower-cased, leading article and trailing punctuation removed: ``"A dog."`` (a Tux Paint caption) and
    ``"dog"`` (the CLDR name of 🐕) both give ``"name:dog"``, so the same concept is never in two splits, even
    across sources and datasets.

    Example:
        ::

            name_concept_id("A badger.")  # 'name:badger'
    """
    text = re.sub(r"\s+", " ", english).strip().lower()
    text = _ARTICLES.sub("", text).rstrip(" .!?;:")
    return f"name:{text}"


def pick_langs(
    concept_id: str,
    langs: list[str],
    k: int | None,
    always: tuple[str, ...] = ("en",),
    usage: Counter | None = None,
) -> list[str]:
    """Choose up to ``k`` languages for a concept, deterministically, keeping ``always`` first.

    With ``usage`` (a counter shared over the concepts of one source, updated here) the least-used languages
    are taken first, ties broken by sha256, so every language keeps rows while the image bundle stays small.
    """
    if k is None or len(langs) <= k:
        chosen = sorted(langs)
    else:
        keep = [lang for lang in always if lang in langs]
        rest = sorted(
            (lang for lang in langs if lang not in keep),
            key=lambda lang: (
                usage[lang] if usage is not None else 0,
                hashlib.sha256(f"{concept_id}\x00{lang}".encode()).digest(),
            ),
        )
        chosen = keep + rest[: max(0, k - len(keep))]
    if usage is not None:
        usage.update(chosen)
    return chosen


@dataclass
class Concept:
    """One depicted concept from one source: an image loader and its names per language.

    Attributes:
        concept_id: Split key; see :func:`name_concept_id`.
        source: Short source name, e.g. ``"tuxpaint"``.
        package: The pinned package key (``registry:name==version``), for error messages and datasheets.
        file: The image file (or the code point for rendered emoji), for error messages.
        texts: ``{lang: caption or name}``; ``"en"`` is always present.
        keywords: ``{lang: "kw1 | kw2"}`` where the source has keywords (CLDR).
        load_image: Returns the image (PIL); raises :class:`~st_unimr.data.errors.DataSourceError` if unreadable.
    """

    concept_id: str
    source: str
    package: str
    file: str
    texts: dict[str, str]
    load_image: Callable[[], Image.Image] | None = None
    keywords: dict[str, str] = field(default_factory=dict)
