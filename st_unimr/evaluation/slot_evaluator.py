from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.evaluation.evaluator import BaseEvaluator
from sklearn.metrics import f1_score

from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.nlu.token_alignment import as_span_list

__all__ = ["SlotEvaluator"]


class SlotEvaluator(BaseEvaluator):
    """Slot exact-span F1 and intent accuracy of the model's own NLU heads on annotated requests, per language.

    A predicted slot counts only if its type, start and end all equal a gold span's (CoNLL-style exact match);
    F1 is micro-averaged over spans, overall, per slot type and per language. Intent accuracy and macro-F1 (over the
    labels present) come from the same forward pass. With gold time ranges and
    :func:`st_unimr.nlu.time_normalization.normalize_time` available, ``time_range_accuracy`` is the share of
    requests with a gold range whose predicted range (via :func:`st_unimr.parse_query`) equals it.

    Args:
        texts: The requests.
        spans: Gold spans per request: ``{"label", "start", "end"}`` char offsets, end exclusive (a list of dicts, or
            the dict of lists a ``datasets`` ``Sequence`` column gives).
        intents: Gold intent names per request.
        langs: Language code per request, for per-language scores.
        time_ranges: Optional gold ``(start, end)`` ISO dates per request (``""`` when it has none).
        reference_dates: ISO reference dates the gold ranges were resolved against (needed with ``time_ranges``).
        name: Prefix of the metric names.
        batch_size: Encoding batch size.

    Example:
        ::

            from st_unimr.data import load
            from st_unimr.evaluation.slot_evaluator import SlotEvaluator

            test = load("requests", "test")
            evaluator = SlotEvaluator(test["text"], test["spans"], test["intent"], test["lang"], name="requests")
            print(evaluator(model))  # {'requests_slot_f1': ..., 'requests_intent_accuracy': ..., ...}
    """

    def __init__(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Mapping[str, Any]]],
        intents: Sequence[str],
        langs: Sequence[str],
        time_ranges: Sequence[tuple[str, str]] | None = None,
        reference_dates: Sequence[str] | None = None,
        name: str = "requests",
        batch_size: int = 64,
    ) -> None:
        super().__init__()
        if not len(texts) == len(spans) == len(intents) == len(langs):
            raise ValueError("texts, spans, intents and langs must have the same length")
        if time_ranges is not None and (reference_dates is None or len(time_ranges) != len(texts)):
            raise ValueError("time_ranges need reference_dates, one of each per text")
        self.texts = list(texts)
        self.spans = [[_span_key(s["label"], s["start"], s["end"]) for s in as_span_list(row)] for row in spans]
        self.intents = list(intents)
        self.langs = list(langs)
        self.time_ranges = list(time_ranges) if time_ranges is not None else None
        self.reference_dates = list(reference_dates) if reference_dates is not None else None
        self.name = name
        self.batch_size = batch_size
        self.primary_metric = "slot_f1"

    @classmethod
    def from_requests(cls, rows: Any, name: str = "requests", batch_size: int = 64) -> SlotEvaluator:
        """An evaluator over rows of the ``requests`` dataset (text, spans, intent, lang and the time columns)."""
        return cls(
            rows["text"],
            rows["spans"],
            rows["intent"],
            rows["lang"],
            time_ranges=list(zip(rows["time_start"], rows["time_end"])),
            reference_dates=rows["reference_date"],
            name=name,
            batch_size=batch_size,
        )

    def __call__(
        self, model: SentenceTransformer, output_path: str | None = None, epoch: int = -1, steps: int = -1
    ) -> dict[str, float]:
        from st_unimr.query_parsing import tag_queries

        find_nlu_module(model)  # a clear error for a model without an NLU module
        parsed = tag_queries(model, self.texts, batch_size=self.batch_size)
        predicted = [[_span_key(s["type"], s["start"], s["end"]) for s in row["slots"]] for row in parsed]
        metrics = _span_scores(self.spans, predicted)
        metrics.update(_intent_scores(self.intents, [row["intent"]["label"] for row in parsed]))
        for slot_type in sorted({key[0] for row in self.spans for key in row}):
            gold = [[key for key in row if key[0] == slot_type] for row in self.spans]
            pred = [[key for key in row if key[0] == slot_type] for row in predicted]
            metrics[f"{slot_type}_slot_f1"] = _span_scores(gold, pred)["slot_f1"]
        by_lang: dict[str, list[int]] = defaultdict(list)
        for index, lang in enumerate(self.langs):
            by_lang[lang].append(index)
        for lang, indices in sorted(by_lang.items()):
            scores = _span_scores([self.spans[i] for i in indices], [predicted[i] for i in indices])
            metrics[f"{lang}_slot_f1"] = scores["slot_f1"]
            intents = _intent_scores(
                [self.intents[i] for i in indices], [parsed[i]["intent"]["label"] for i in indices]
            )
            metrics[f"{lang}_intent_accuracy"] = intents["intent_accuracy"]
        metrics.update(self._time_scores(model, parsed))
        metrics = self.prefix_name_to_metrics(metrics, self.name)
        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
        return metrics

    def _time_scores(self, model: SentenceTransformer, parsed: list[dict[str, Any]]) -> dict[str, float]:
        if self.time_ranges is None:
            return {}
        try:
            from st_unimr.nlu.time_normalization import normalize_time
        except ImportError:
            return {}
        from st_unimr.query_parsing import _time_range

        hits, total = 0, 0
        for row, gold, reference in zip(parsed, self.time_ranges, self.reference_dates):
            if not gold or not gold[0]:
                continue
            total += 1
            found = _time_range(row["slots"], datetime.date.fromisoformat(reference), normalize_time)
            hits += found is not None and (found["start"], found["end"]) == tuple(gold)
        return {"time_range_accuracy": hits / total} if total else {}


def _span_key(label: str, start: int, end: int) -> tuple[str, int, int]:
    return (str(label), int(start), int(end))


def _span_scores(gold: list[list[tuple]], predicted: list[list[tuple]]) -> dict[str, float]:
    true_positives = sum(len(set(g) & set(p)) for g, p in zip(gold, predicted))
    n_gold, n_predicted = sum(len(set(g)) for g in gold), sum(len(set(p)) for p in predicted)
    precision = true_positives / n_predicted if n_predicted else 0.0
    recall = true_positives / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"slot_precision": precision, "slot_recall": recall, "slot_f1": f1}


def _intent_scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    present = sorted(set(gold))
    gold_array, predicted_array = np.asarray(gold, dtype=object), np.asarray(predicted, dtype=object)
    return {
        "intent_accuracy": float(np.mean(gold_array == predicted_array)) if gold else 0.0,
        "intent_macro_f1": float(
            f1_score(gold_array, predicted_array, labels=present, average="macro", zero_division=0)
        ),
    }
