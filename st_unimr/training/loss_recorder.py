"""Record each dataset's loss at each step, for the training-curve plot."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from torch import Tensor, nn

__all__ = ["LossRecorder"]


class LossRecorder(nn.Module):
    """Wraps a loss and appends ``(step, dataset, value)`` to a shared list on every call.

    The trainer logs one averaged loss for all datasets; the per-dataset curves need the values as they happen.

    Args:
        loss: The loss to wrap.
        name: The dataset the loss belongs to.
        records: The shared list the values are appended to.
        step: Returns the trainer's current global step.
        touch_all_parameters: Add a zero-weighted term over every trainable parameter (needed under DDP).
    """

    # Only observes the loss: the model card names the wrapped loss instead (st_unimr.model_card.card_loss).
    transparent_in_model_card = True

    def __init__(
        self, loss: nn.Module, name: str, records: list, step: Callable[[], int], touch_all_parameters: bool = False
    ) -> None:
        super().__init__()
        self.loss = loss
        self.model = loss.model
        self.name = name
        self.records = records
        self.step = step
        self.touch_all_parameters = touch_all_parameters

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor) -> Tensor:
        value = self.loss(sentence_features, labels)
        if self.training or value.requires_grad:
            self.records.append((self.step(), self.name, float(value.detach())))
        if self.touch_all_parameters:
            # Under DDP each step must use every trainable parameter exactly as often as the others: a text batch
            # leaves the image route unused, and an image-caption batch runs two forwards (one per route), which
            # DDP's unused-parameter search cannot handle. A zero-weighted term puts every parameter in the graph,
            # so DDP runs without that search; it changes neither the loss value nor any gradient.
            value = value + 0.0 * sum(p.sum() for p in self.model.parameters() if p.requires_grad)
        return value

    def get_config_dict(self) -> dict[str, Any]:
        return {"loss": type(self.loss).__name__, **getattr(self.loss, "get_config_dict", dict)()}

    @property
    def citation(self) -> str | None:
        return getattr(self.loss, "citation", None)
