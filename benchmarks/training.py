"""Training: wall time and peak RSS of the default run, samples/s per stage.

``--run`` trains the default config in a child process (exactly the README's ``python training/train.py``, into
``--train-output``) and measures the whole run's wall time and the child's peak RSS from outside; targets: <= 25
minutes and <= 8 GB on the 2-core CPU machine. Without ``--run`` it reads the figures the training script measured
itself (``training_metrics.json``: per stage ``samples_per_second``, ``wall_seconds``, ``peak_rss_mb``; the run's
wall time after start-up and its peak RSS). If the file is missing, it says so and how to produce it.

Usage::

    python benchmarks/training.py --run                      # train and measure (about 25 minutes)
    python benchmarks/training.py [--metrics outputs/default/training_metrics.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import RESULTS_DIR, target, write_result

__all__ = ["DEFAULT_METRICS", "main", "summarise"]

NAME = "training"
DEFAULT_METRICS = Path(__file__).resolve().parent.parent / "outputs" / "default" / "training_metrics.json"
HOW_TO = "python training/train.py  (writes outputs/default/training_metrics.json)"


WALL_TARGET_SECONDS = 25 * 60
RSS_TARGET_MB = 8 * 1024


def run_training(output_dir: Path, config: str | None) -> dict[str, float]:
    """Train in a child process; its wall time and peak RSS, measured from outside."""
    if output_dir.exists():
        shutil.rmtree(output_dir)
    command = [sys.executable, str(Path(__file__).resolve().parent.parent / "training" / "train.py")]
    command += ["--output-dir", str(output_dir)] + (["--config", config] if config else [])
    start = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"wall_seconds": round(wall, 1), "peak_rss_mb": round(peak_mb, 1)}


def summarise(metrics: dict[str, Any], source: str, measured: dict[str, float] | None = None) -> dict[str, Any]:
    """The benchmark result for a ``training_metrics.json`` content (and an outside measurement, if any)."""
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
    if measured:
        wall, peak = measured["wall_seconds"], measured["peak_rss_mb"]
        notes.append("Whole-run wall time and peak RSS measured from outside the training process (`--run`).")
    else:
        wall, peak = metrics.get("run_wall_seconds_this_invocation"), metrics.get("peak_rss_mb")
        notes.append("Whole-run wall time as measured by train.py itself (from after its imports to the end).")
    targets = [
        target("default run wall time", wall, WALL_TARGET_SECONDS, higher_is_better=False, unit=" s"),
        target("default run peak RSS", peak, RSS_TARGET_MB, higher_is_better=False, unit=" MiB"),
    ]
    return {
        "settings": {"metrics_file": source},
        "figures": {"stages": figures, "run_wall_seconds": wall, "run_peak_rss_mb": peak},
        "tables": [
            {
                "title": "Training throughput per stage",
                "columns": ["stage", "datasets (rows)", "steps", "samples/s", "wall seconds", "peak RSS (MiB)"],
                "rows": rows,
            }
        ],
        "notes": notes,
        "targets": targets,
    }


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--metrics", default=str(DEFAULT_METRICS), help="training_metrics.json of a training run")
    parser.add_argument("--output-dir", default=str(RESULTS_DIR))
    parser.add_argument("--run", action="store_true", help="Train the default config now and measure it")
    parser.add_argument("--train-output", default="outputs/default", help="Where --run trains (replaced)")
    parser.add_argument("--config", help="Training config for --run (default: the default config)")
    args = parser.parse_args(argv)

    measured = None
    if args.run:
        measured = run_training(Path(args.train_output), args.config)
        args.metrics = str(Path(args.train_output) / "training_metrics.json")
    path = Path(args.metrics)
    if not path.is_file():
        print(f"{NAME}: {path} is missing; no training figures to report. Produce it with: {HOW_TO}")
        return None
    try:
        source = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        source = str(path)
    result = summarise(json.loads(path.read_text(encoding="utf8")), source, measured)
    out = write_result(NAME, result, args.output_dir, argv)
    print(f"{NAME}: {len(result['figures']['stages'])} stage(s) -> {out}")
    return result


if __name__ == "__main__":
    main()
