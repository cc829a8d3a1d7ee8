from __future__ import annotations

from st_unimr.evaluation.intent_accuracy_evaluator import IntentAccuracyEvaluator
from st_unimr.evaluation.matryoshka_evaluator import MatryoshkaRecallEvaluator
from st_unimr.evaluation.retrieval_evaluators import text_to_image_evaluator, text_to_text_evaluator

__all__ = ["IntentAccuracyEvaluator", "MatryoshkaRecallEvaluator", "text_to_image_evaluator", "text_to_text_evaluator"]
