from __future__ import annotations

from st_unimr.evaluation.intent_accuracy_evaluator import IntentAccuracyEvaluator
from st_unimr.evaluation.matryoshka_evaluator import MatryoshkaRecallEvaluator
from st_unimr.evaluation.retrieval_evaluators import (
    request_evaluators,
    text_to_image_evaluator,
    text_to_text_evaluator,
)
from st_unimr.evaluation.slot_evaluator import SlotEvaluator

__all__ = [
    "IntentAccuracyEvaluator",
    "MatryoshkaRecallEvaluator",
    "SlotEvaluator",
    "request_evaluators",
    "text_to_image_evaluator",
    "text_to_text_evaluator",
]
