"""Weight-space interpolation between a stage's start and its end (WiSE-FT, Wortsman et al., CVPR 2022).

Fine-tuning on one domain (stage 3: emoji, flags, clip-art, composed requests) moves the shared text encoder away
from what served other domains (real photographs) well. Averaging the weights before and after fine-tuning keeps
most of the in-domain gain and much of the starting point's robustness, at no cost at inference: the model keeps its
size and architecture.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["snapshot_weights", "interpolate_weights"]


def snapshot_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of every floating-point parameter of ``model``, on the CPU.

    Args:
        model: The model at the start of the stage.

    Returns:
        Parameter name -> copy.
    """
    return {
        name: parameter.detach().to("cpu", copy=True)
        for name, parameter in model.named_parameters()
        if parameter.is_floating_point()
    }


@torch.no_grad()
def interpolate_weights(model: nn.Module, start: dict[str, torch.Tensor], weight: float) -> int:
    """Set every snapshotted parameter to ``start + weight * (current - start)``, in place.

    Args:
        model: The model at the end of the stage.
        start: :func:`snapshot_weights` of the same model at the start of the stage.
        weight: How much of the stage's change to keep, in [0, 1]: 1 keeps the stage's weights, 0 restores the start.

    Returns:
        How many parameters the stage had changed (the ones interpolated).

    Raises:
        ValueError: ``weight`` outside [0, 1], or a parameter whose shape differs from its snapshot.

    Example:
        ::

            start = snapshot_weights(model)
            trainer.train()
            interpolate_weights(model, start, 0.5)  # halfway between the start and the fine-tuned weights
    """
    if not 0 <= weight <= 1:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    changed = 0
    for name, parameter in model.named_parameters():
        if name not in start:
            continue
        before = start[name].to(parameter.device, parameter.dtype)
        if before.shape != parameter.shape:
            raise ValueError(f"parameter {name}: shape {tuple(parameter.shape)} differs from its snapshot's")
        if torch.equal(before, parameter):
            continue
        parameter.copy_(torch.lerp(before, parameter, weight))
        changed += 1
    return changed
