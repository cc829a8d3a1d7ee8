from __future__ import annotations

import json
from importlib.resources import files
from string import Template
from typing import Any

from sentence_transformers import SentenceTransformer

from st_unimr.modules.module_lookup import find_nlu_module

__all__ = ["render_model_card"]


def render_model_card(
    model: SentenceTransformer,
    repo_id: str,
    metrics: dict[str, Any] | None = None,
    training: str | None = None,
    languages: list[str] | None = None,
    model_name: str | None = None,
) -> str:
    """Render the model card (``model_card.md`` in the package) for a UniMR model.

    Unlike the card sentence-transformers generates, its usage snippet installs the plugin and shows loading,
    text and image encoding, mixed lists, intent prediction and Matryoshka truncation.

    Args:
        model: The model the card describes.
        repo_id: The Hub id (or local path) used in the usage snippet.
        metrics: Measured metrics, ``{"name": value}`` or ``{"split": {"name": value}}``; rendered as a table.
        training: Free text describing how the model was trained.
        languages: ISO codes for the card's ``language`` metadata.
        model_name: Title of the card; defaults to ``repo_id``.

    Example:
        ::

            from st_unimr.model_card import render_model_card

            card = render_model_card(model, "org/unimr", metrics={"test": {"t2i_recall@10": 0.61}})
    """
    nlu = find_nlu_module(model)
    template = Template(files("st_unimr").joinpath("model_card.md").read_text(encoding="utf8"))
    yaml_extra = ""
    if languages:
        yaml_extra = "language:\n" + "\n".join(f"- {code}" for code in languages)
    intents = ", ".join(f"`{label}`" for label in nlu.labels[:50])
    if nlu.num_labels > 50:
        intents += f", ... ({nlu.num_labels - 50} more)"
    return template.substitute(
        yaml_extra=yaml_extra,
        model_name=model_name or repo_id,
        repo_id=repo_id,
        architecture=str(model),
        dimension=model.get_embedding_dimension(),
        prompts=json.dumps(model.prompts, ensure_ascii=False),
        num_intents=nlu.num_labels,
        intents=intents,
        metrics=_metrics_table(metrics),
        training=training or "Not documented for this checkpoint.",
    ).replace("\n\n\n", "\n\n")


def _metrics_table(metrics: dict[str, Any] | None) -> str:
    if not metrics:
        return "No measured metrics were attached to this checkpoint."
    rows = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            rows.extend((key, name, score) for name, score in value.items())
        else:
            rows.append(("", key, value))
    lines = ["| split | metric | value |", "|---|---|---|"]
    for split, name, value in rows:
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        lines.append(f"| {split} | {name} | {shown} |")
    return "\n".join(lines)
