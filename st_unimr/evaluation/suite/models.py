"""The models of an evaluation run: the UniMR checkpoint under test and the baselines, as mteb encoders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

__all__ = ["ModelSpec", "load_encoder", "parse_models"]

TEXT_ONLY_BASELINES = {"use-multilingual", "all-minilm-l6-v2"}


@dataclass
class ModelSpec:
    """One model of the run.

    Attributes:
        label: Column name in the report (``"unimr"``, ``"untrained"``, ``"single-task-t2i"``, ...).
        kind: ``"unimr"`` (a UniMR checkpoint), ``"untrained"`` (``build_unimr()``), ``"use-multilingual"`` or
            ``"all-minilm-l6-v2"``.
        source: Local folder or Hub id of a UniMR checkpoint.
    """

    label: str
    kind: str
    source: str | None = None

    @property
    def is_unimr(self) -> bool:
        return self.kind in {"unimr", "untrained"}

    @property
    def mteb_name(self) -> str:
        if self.kind == "unimr" and self.source and not os.path.exists(self.source) and self.source.count("/") == 1:
            return self.source  # a Hub id
        return f"st-unimr/{self.label}"


def parse_models(model: str | None, model_label: str, baselines: list[str]) -> list[ModelSpec]:
    """The main model and the baselines, from the command line.

    Args:
        model: ``--model``: a UniMR checkpoint (local folder or Hub id), or None for baselines only.
        model_label: Its column name in the report.
        baselines: ``untrained``, ``use-multilingual``, ``all-minilm-l6-v2`` or ``NAME=PATH_OR_HUB_ID`` (another
            UniMR checkpoint: the single-task models, the ``fusion: none`` ablation, ...).

    Example:
        ::

            parse_models("outputs/main/final", "unimr", ["untrained", "t2i-only=outputs/t2i/final"])
    """
    specs = [ModelSpec(model_label, "unimr", model)] if model else []
    for name in baselines:
        if "=" in name:
            label, source = name.split("=", 1)
            specs.append(ModelSpec(label, "unimr", source))
        elif name == "untrained" or name in TEXT_ONLY_BASELINES:
            specs.append(ModelSpec(name, name))
        else:
            raise ValueError(
                f"unknown baseline {name!r}: use untrained, use-multilingual, all-minilm-l6-v2 or NAME=PATH"
            )
    labels = [spec.label for spec in specs]
    if len(set(labels)) != len(labels):
        raise ValueError(f"model labels must be unique, got {labels}")
    return specs


def load_encoder(spec: ModelSpec, device: str | None = None) -> tuple[Any, Any]:
    """The mteb encoder of a model, and the underlying ``SentenceTransformer`` (None for USE).

    UniMR models are wrapped in :class:`~st_unimr.mteb.UniMREncoder` (modalities text and image);
    all-MiniLM-L6-v2 in mteb's ``SentenceTransformerEncoderWrapper`` (text only); USE is already an mteb encoder.
    """
    from st_unimr.mteb import UniMREncoder

    if spec.kind == "unimr":
        encoder = UniMREncoder(spec.source, name=spec.mteb_name, device=device)
        return encoder, encoder.model
    if spec.kind == "untrained":
        from st_unimr import build_unimr

        model = build_unimr(device=device)
        return UniMREncoder(model, name=spec.mteb_name), model
    from st_unimr.baselines import load_baseline

    baseline = load_baseline(spec.kind)
    if spec.kind == "use-multilingual":
        return baseline, None
    from mteb.models import SentenceTransformerEncoderWrapper

    encoder = SentenceTransformerEncoderWrapper(baseline)
    encoder.mteb_model_meta = encoder.mteb_model_meta.model_copy(
        update={"name": "sentence-transformers/all-MiniLM-L6-v2", "modalities": ["text"]}
    )
    return encoder, baseline
