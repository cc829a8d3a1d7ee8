"""Training: samples/s per stage and peak RSS of the default training config.

The training script measures these itself while it trains (``training/train.py`` writes
``outputs/default/training_metrics.json``: per stage ``samples_per_second``, ``wall_seconds``, ``peak_rss_mb``); this
benchmark reads that file rather than training a second time. If it is missing, it says so and how to produce it.

Usage::

    python benchmarks/training.py [--metrics outputs/default/training_metrics.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import RESULTS_DIR, write_result

__all__ = ["DEFAULT_METRICS", "main", "summarise"]

NAME = "training"
DEFAULT_METRICS = Path(__file__).resolve().parent.parent / "outputs" / "default" / "training_metrics.json"
HOW_TO = "python training/train.py  (writes outputs/default/training_metrics.json)"


def summarise(metrics: dict[str, Any], source: str) -> dict[str, Any]:
    """The benchmark result for a ``training_metrics.json`` content."""
    stages = metrics.get("stages", {})
    rows, figures = [], {}
    for name in sorted(stages):
        stage = stages[name]
        datasets = stage.get("datasets") or {}
        figures[name] = {
            key: stage.get(key)
            for key in ("samples_per_second", "wall_seconds", "steps", "peak_rss_mb", "trainable_parameters")
        }
        figures[name]["datasets"] = datasets
        rows.append(
            [
                name,
                ", ".join(f"{key} ({value})" for key, value in datasets.items()),
                stage.get("steps"),
                stage.get("samples_per_second"),
                stage.get("wall_seconds"),
                stage.get("peak_rss_mb"),
            ]
        )
    notes = [f"Read from `{source}`, written by `training/train.py` while it trained (not re-measured here)."]
    if not stages:
        notes.append(f"The metrics file has no completed stage yet; produce it with `{HOW_TO}`.")
    if metrics.get("peak_rss_mb") is not None:
        notes.append(f"Peak RSS of the whole run (training and evaluation): {metrics['peak_rss_mb']} MiB.")
    return {
        "settings": {"metrics_file": source},
        "figures": {"stages": figures, "run_peak_rss_mb": metrics.get("peak_rss_mb")},
        "tables": [
            {
                "title": "Training throughput per stage",
                "columns": ["stage", "datasets (rows)", "steps", "samples/s", "wall seconds", "peak RSS (MiB)"],
                "rows": rows,
            }
        ],
        "notes": notes,
        "targets": [],
    }


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--metrics", default=str(DEFAULT_METRICS), help="training_metrics.json of a training run")
    parser.add_argument("--output-dir", default=str(RESULTS_DIR))
    args = parser.parse_args(argv)

    path = Path(args.metrics)
    if not path.is_file():
        print(f"{NAME}: {path} is missing; no training figures to report. Produce it with: {HOW_TO}")
        return None
    try:
        source = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        source = str(path)
    result = summarise(json.loads(path.read_text(encoding="utf8")), source)
    out = write_result(NAME, result, args.output_dir, argv)
    print(f"{NAME}: {len(result['figures']['stages'])} stage(s) -> {out}")
    return result


if __name__ == "__main__":
    main()
