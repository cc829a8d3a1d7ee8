"""The 1000 ImageNet-1k class names in index order, read from timm's wheel (downloaded, never installed)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from st_unimr.assets.catalog import get_artifact
from st_unimr.assets.home import unimr_home

__all__ = ["imagenet_classnames", "clean_classnames"]

# First lemmas that name two classes; WordNet gives these synsets no other lemma, so say which sense is meant.
_SENSE = {"n02012849": "crane (bird)", "n03126707": "crane (machine)"}


def clean_classnames(synsets: list[str], lemmas: dict[str, str]) -> list[str]:
    """Short readable names: each synset's first lemma, or its next unused lemma when the first is taken.

    Args:
        synsets: WordNet ids in class-index order.
        lemmas: Synset -> comma-separated lemmas (``"tench, Tinca tinca"``).
    """
    names = []
    for synset in synsets:
        options = [lemma.strip() for lemma in lemmas[synset].split(",") if lemma.strip()]
        name = _SENSE.get(synset, options[0])
        if name in names:
            # A later class whose first lemma is taken ("maillot" twice) goes by its next lemma ("tank suit").
            name = next((o for o in options[1:] if o not in names), name)
        names.append(name)
    return names


@lru_cache(maxsize=1)
def _cached(home: str) -> tuple[str, ...]:
    target = Path(home) / "data" / "imagenet_classnames.json"
    if target.exists():
        return tuple(json.loads(target.read_text()))
    info = get_artifact("timm").unpack() / "timm" / "data" / "_info"
    synsets = (info / "imagenet_synsets.txt").read_text().split()
    lemmas = dict(
        line.split("\t", 1) for line in (info / "imagenet_synset_to_lemma.txt").read_text().splitlines() if line
    )
    names = clean_classnames(synsets, lemmas)
    if len(names) != 1000:
        raise ValueError(f"Expected 1000 ImageNet-1k synsets, found {len(names)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(names, ensure_ascii=False, indent=0) + "\n")
    os.replace(tmp, target)
    return tuple(names)


def imagenet_classnames() -> list[str]:
    """The 1000 ImageNet-1k class names in the index order of the EfficientNet-Lite classifier.

    Example:
        ::

            from st_unimr.assets import imagenet_classnames

            names = imagenet_classnames()
            names[285], names[967]  # ('Egyptian cat', 'espresso')
    """
    return list(_cached(str(unimr_home())))
