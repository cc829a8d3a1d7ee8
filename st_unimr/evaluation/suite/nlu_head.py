"""The model's own NLU head on the intent test split: accuracy and macro-F1 per language (not an MTEB protocol)."""

from __future__ import annotations

from collections import Counter

from datasets import Dataset
from sentence_transformers import SentenceTransformer

from st_unimr.evaluation import IntentAccuracyEvaluator
from st_unimr.mteb.task_data import subsample

__all__ = ["evaluate_nlu_head"]


def evaluate_nlu_head(
    model: SentenceTransformer,
    data: Dataset | None = None,
    min_per_lang: int = 20,
    max_per_lang: int | None = None,
    batch_size: int = 64,
) -> dict[str, dict[str, float]]:
    """Accuracy and macro-F1 of the intent head, overall (``"all"``) and per language with >= ``min_per_lang`` rows.

    Args:
        model: A UniMR model (with an :class:`~st_unimr.modules.NLUFeatureFusion` head).
        data: Rows with ``text``, ``label``, ``lang``; None loads ``st_unimr.data.load("intents", "test")``.
        min_per_lang: Languages with fewer test rows get no per-language entry (they still count in ``"all"``).
        max_per_lang: Deterministic cap on rows per language (the same rows for every model).
        batch_size: Encoding batch size.

    Returns:
        ``{"all": {"accuracy": ..., "macro_f1": ..., "n": ...}, "de": {...}, ...}``

    Example:
        ::

            import st_unimr
            from st_unimr.evaluation.suite.nlu_head import evaluate_nlu_head

            evaluate_nlu_head(st_unimr.load("path/to/unimr"))["all"]["accuracy"]
    """
    if data is None:
        from st_unimr.data import load

        data = load("intents", "test")
    texts, labels, langs = list(data["text"]), list(data["label"]), list(data["lang"])
    if max_per_lang is not None:
        keys = [f"{label}|{text}|{i}" for i, (text, label) in enumerate(zip(texts, labels))]
        chosen = [
            i
            for lang in dict.fromkeys(langs)
            for i in subsample([j for j, row_lang in enumerate(langs) if row_lang == lang], keys, max_per_lang)
        ]
        chosen.sort()
        texts, labels, langs = [texts[i] for i in chosen], [labels[i] for i in chosen], [langs[i] for i in chosen]
    evaluator = IntentAccuracyEvaluator(texts, labels, langs, name="nlu", batch_size=batch_size)
    metrics = evaluator(model)
    counts = Counter(langs)
    results = {"all": {"accuracy": metrics["nlu_accuracy"], "macro_f1": metrics["nlu_macro_f1"], "n": len(texts)}}
    for lang, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if n >= min_per_lang:
            results[lang] = {
                "accuracy": metrics[f"nlu_{lang}_accuracy"],
                "macro_f1": metrics[f"nlu_{lang}_macro_f1"],
                "n": n,
            }
    return results
