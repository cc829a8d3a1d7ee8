from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.evaluation.evaluator import BaseEvaluator
from sklearn.metrics import accuracy_score, f1_score

from st_unimr.modules.module_lookup import find_nlu_module

__all__ = ["IntentAccuracyEvaluator"]


class IntentAccuracyEvaluator(BaseEvaluator):
    """Accuracy and macro-F1 of the model's own intent head, overall and per language.

    This scores :class:`~st_unimr.modules.NLUFeatureFusion`'s ``intent_logits`` directly (not a classifier fitted on
    the embeddings, which is MTEB's protocol). Texts are encoded as queries, as :func:`st_unimr.predict_intent` does.

    Args:
        texts: The utterances.
        labels: Their label ids (indices into the model's intent labels).
        langs: Optional language code per text, for per-language scores.
        name: Prefix of the metric names.
        batch_size: Encoding batch size.

    Example:
        ::

            from st_unimr.data import load
            from st_unimr.evaluation import IntentAccuracyEvaluator

            test = load("intents", "test")
            evaluator = IntentAccuracyEvaluator(test["text"], test["label"], test["lang"], name="intents-test")
            print(evaluator(model))  # {'intents-test_accuracy': ..., 'intents-test_macro_f1': ..., ...}
    """

    def __init__(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        langs: Sequence[str] | None = None,
        name: str = "intents",
        batch_size: int = 64,
    ) -> None:
        super().__init__()
        if len(texts) != len(labels) or (langs is not None and len(langs) != len(texts)):
            raise ValueError("texts, labels and langs must have the same length")
        self.texts = list(texts)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.langs = list(langs) if langs is not None else None
        self.name = name
        self.batch_size = batch_size
        self.primary_metric = "accuracy"

    def predict(self, model: SentenceTransformer) -> np.ndarray:
        """Predicted label ids for the texts."""
        outputs = model.encode_query(self.texts, output_value=None, batch_size=self.batch_size)
        return torch.stack([output["intent_logits"] for output in outputs]).argmax(dim=-1).cpu().numpy()

    def __call__(
        self, model: SentenceTransformer, output_path: str | None = None, epoch: int = -1, steps: int = -1
    ) -> dict[str, float]:
        num_labels = find_nlu_module(model).num_labels
        predictions = self.predict(model)
        metrics = _scores(self.labels, predictions, num_labels)
        if self.langs is not None:
            by_lang: dict[str, list[int]] = defaultdict(list)
            for index, lang in enumerate(self.langs):
                by_lang[lang].append(index)
            for lang, indices in sorted(by_lang.items()):
                scores = _scores(self.labels[indices], predictions[indices], num_labels)
                metrics.update({f"{lang}_{key}": value for key, value in scores.items()})
        metrics = self.prefix_name_to_metrics(metrics, self.name)
        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
        return metrics


def _scores(labels: np.ndarray, predictions: np.ndarray, num_labels: int) -> dict[str, float]:
    """Accuracy, and macro-F1 over the labels that occur in ``labels`` (absent labels would add spurious zeros)."""
    present = np.unique(labels)
    return {
        "accuracy": float(accuracy_score(labels, predictions)),
        "macro_f1": float(f1_score(labels, predictions, labels=present, average="macro", zero_division=0)),
    }
