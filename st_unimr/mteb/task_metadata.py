"""Shared ``TaskMetadata`` fields of the st-unimr tasks."""

from __future__ import annotations

from typing import Any

from mteb.abstasks.task_metadata import TaskMetadata

__all__ = ["for_loaded_data", "unimr_task_metadata"]

REFERENCE = "https://arxiv.org/abs/2601.14714"


def unimr_task_metadata(
    name: str,
    description: str,
    dataset: str,
    *,
    type: str,
    category: str,
    modalities: list[str],
    main_score: str,
    sample_creation: str = "found",
    annotations_creators: str = "derived",
    domains: list[str] | None = None,
) -> TaskMetadata:
    """A ``TaskMetadata`` for a task on the locally built ``st_unimr.data`` dataset ``dataset``.

    ``eval_langs`` holds a placeholder; each task instance replaces it with the languages its data has (subsets), and
    ``dataset.revision`` with the fingerprint of the loaded data.
    """
    fields: dict[str, Any] = {
        "name": name,
        "description": description,
        "reference": REFERENCE,
        "dataset": {"path": f"st_unimr.data/{dataset}", "revision": "local"},
        "type": type,
        "category": category,
        "modalities": modalities,
        "eval_splits": ["test"],
        "eval_langs": {"en": ["eng-Latn"]},
        "main_score": main_score,
        "date": ("2000-01-01", "2025-12-31"),
        "domains": domains or ["Constructed", "Written"],
        "task_subtypes": [],
        "license": "multiple",
        "annotations_creators": annotations_creators,
        "dialect": [],
        "sample_creation": sample_creation,
        "bibtex_citation": "",
    }
    return TaskMetadata(**fields)


def for_loaded_data(metadata: TaskMetadata, eval_langs: dict[str, list[str]], data: Any) -> TaskMetadata:
    """The task's metadata for the data actually loaded: its language subsets and, as revision, its fingerprint."""
    revision = getattr(data, "_fingerprint", None) or "in-memory"
    return metadata.model_copy(
        update={"eval_langs": eval_langs, "dataset": {**metadata.dataset, "revision": revision}}
    )
