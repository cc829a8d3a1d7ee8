"""The training-curve PNG: loss per dataset per step, one panel per stage."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["plot_loss_curves"]


def plot_loss_curves(records_by_stage: dict[str, list], path: Path, window: int = 5) -> Path:
    """Plot ``(step, dataset, loss)`` records of each stage, with a moving average over ``window`` values."""
    stages = [name for name, records in records_by_stage.items() if records]
    fig, axes = plt.subplots(1, max(1, len(stages)), figsize=(5 * max(1, len(stages)), 3.6), squeeze=False)
    for axis, stage in zip(axes[0], stages):
        by_dataset: dict[str, list[tuple[int, float]]] = {}
        for step, dataset, value in records_by_stage[stage]:
            by_dataset.setdefault(dataset, []).append((step, value))
        for dataset, points in sorted(by_dataset.items()):
            steps, values = np.array(points).T
            if len(values) >= window:
                values = np.convolve(values, np.ones(window) / window, mode="valid")
                steps = steps[window - 1 :]
            axis.plot(steps, values, label=dataset)
        axis.set_title(stage)
        axis.set_xlabel("step")
        axis.set_ylabel("loss")
        axis.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
