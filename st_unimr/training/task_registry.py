"""The training tasks, in one place: what each trains on, with which loss, how it is evaluated, what data it takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from datasets import Dataset, Features
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from torch import nn

from st_unimr.data.schemas import FEATURES
from st_unimr.data.user_data import USER_DATA_TASKS
from st_unimr.losses import ImageTextLoss, IntentClassificationLoss, RequestContentLoss, SlotIntentLoss
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.training.config import DataConfig, StageConfig
from st_unimr.training.stage_data import (
    image_text_evaluators,
    image_text_train,
    intent_evaluators,
    nlu_train,
    request_task_evaluators,
    requests_image_train,
    requests_text_train,
    text_pairs_evaluators,
    text_pairs_train,
)

__all__ = [
    "TASKS",
    "Task",
    "default_evaluation_tasks",
    "stage3_task_names",
    "user_data_task_names",
]


def _image_text_loss(model: SentenceTransformer, stage: StageConfig) -> nn.Module:
    """In-batch ranking of caption → image pairs; :class:`ImageTextLoss` when an image-route option asks for it."""
    if stage.image_uniformity_weight or stage.image_prototype_anchor or not stage.image_text_text_gradient:
        return ImageTextLoss(
            model,
            uniformity_weight=stage.image_uniformity_weight,
            prototype_anchor_weight=stage.image_prototype_anchor,
            text_gradient=stage.image_text_text_gradient,
        )
    return MultipleNegativesRankingLoss(model)


def _text_loss(model: SentenceTransformer, stage: StageConfig) -> nn.Module:
    return MultipleNegativesRankingLoss(model)


def _request_text_loss(model: SentenceTransformer, stage: StageConfig) -> nn.Module:
    """Request → document ranking; with ``request_content_weight``, each request is also pulled onto its content."""
    return RequestContentLoss(model, content_weight=stage.request_content_weight)


def _intent_loss(model: SentenceTransformer, stage: StageConfig) -> nn.Module:
    """Cross-entropy on the intent head; with a slot tagger, intent and slot tags together."""
    if find_nlu_module(model).slot_tags is not None:
        return SlotIntentLoss(model, slot_weight=stage.slot_weight)
    return IntentClassificationLoss(model)


@dataclass(frozen=True)
class Task:
    """One training task.

    Attributes:
        name: The task name used in configs (``stage3.tasks``), ``--only-task`` and ``--dataset``.
        dataset: The embedded dataset (and schema) its rows come from.
        train: ``(data config, model) -> Dataset`` of ``query``/``document`` pairs or ``text``/``label`` rows; None
            for an evaluation-only task.
        loss: ``(model, stage config) -> loss`` for its batches; None for an evaluation-only task.
        evaluators: ``(data config, split, slot_tagging=..., labels=...) -> {key: evaluator}``.
        contrastive: Its loss ranks in-batch pairs (stages 1 and 3 wrap it in MatryoshkaLoss).
        stage3: Stage 3 can train on it (``stage3.tasks``).
        evaluation: The task whose evaluators score it (``requests_image`` and ``requests_text`` share ``requests``).
    """

    name: str
    dataset: str
    train: Callable[[DataConfig, SentenceTransformer], Dataset] | None
    loss: Callable[[SentenceTransformer, StageConfig], nn.Module] | None
    evaluators: Callable[..., dict[str, Any]]
    contrastive: bool = False
    stage3: bool = True
    evaluation: str | None = None

    @property
    def schema(self) -> Features:
        """The columns of its dataset, which a user's data for it is mapped to (``st_unimr.data.FEATURES``)."""
        return FEATURES[self.dataset]

    @property
    def user_data(self) -> bool:
        """Whether ``--dataset`` / ``data.datasets`` can give it the user's data."""
        return self.name in USER_DATA_TASKS


def _none(*_: object, **__: object) -> dict[str, Any]:
    return {}


#: Every task, by name, in the order runs train and report them.
TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task("image_text", "image_text", lambda data, model: image_text_train(data), _image_text_loss,
             image_text_evaluators, contrastive=True),
        Task("text_pairs", "text_pairs", lambda data, model: text_pairs_train(data), _text_loss,
             text_pairs_evaluators, contrastive=True),
        Task("intents", "intents", nlu_train, _intent_loss, intent_evaluators),
        Task("requests_image", "requests", lambda data, model: requests_image_train(data), _image_text_loss, _none,
             contrastive=True, evaluation="requests"),
        Task("requests_text", "requests", lambda data, model: requests_text_train(data), _request_text_loss, _none,
             contrastive=True, evaluation="requests"),
        Task("requests", "requests", None, None, request_task_evaluators, stage3=False),
    )
}  # fmt: skip


def stage3_task_names() -> tuple[str, ...]:
    """What stage 3 can train on: the three tasks of the paper, and search requests paired with images / documents."""
    return tuple(name for name, task in TASKS.items() if task.stage3)


def user_data_task_names() -> tuple[str, ...]:
    """The tasks that take the user's data (``--dataset TASK=...``)."""
    return tuple(name for name, task in TASKS.items() if task.user_data)


def default_evaluation_tasks(trained: list[str]) -> list[str]:
    """The tasks whose evaluators score a run that trains ``trained``, in registry order, without repeats."""
    wanted = {TASKS[name].evaluation or name for name in trained}
    return [name for name in TASKS if name in wanted]
