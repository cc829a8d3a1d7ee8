"""Mean ± sd over training seeds of the headline test figures that ``st-unimr train`` wrote, per group of runs.

::

    python -m st_unimr.evaluation.studies.seed_summary \\
        gated=runs/gated-s42,runs/gated-s43 none=runs/none-s42,runs/none-s43

Each ``LABEL=RUN[,RUN...]`` names the output folders (holding ``training_metrics.json``) of one recipe's seeds.
Prints a Markdown table: per metric, the mean ± sample sd over the group's runs and the single runs in brackets.
"gap" rows are request minus plain-content recall@10 in points, per run (the issue-13 target is ≥ −1 on images);
"dev photos" rows are the stage-3 dev figures of the real-photo check.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

__all__ = ["main", "summarise"]

#: Table row -> key of the final test metrics (without the ``test_`` prefix).
TEST_KEYS = {
    "slot F1": "requests_slot_f1",
    "time-range accuracy": "requests_time_range_accuracy",
    "request intent accuracy": "requests_intent_accuracy",
    "intent-head accuracy": "intents_accuracy",
    "intent-head macro-F1": "intents_macro_f1",
    "request→image R@10": "requests_request_t2i_cosine_recall@10",
    "caption→image R@10": "requests_caption_t2i_cosine_recall@10",
    "request→document R@10": "requests_request_t2d_cosine_recall@10",
    "content→document R@10": "requests_content_t2d_cosine_recall@10",
    "in-domain t2i R@10": "t2i_cosine_recall@10",
    "in-domain t2t R@10": "t2t_cosine_recall@10",
}
PHOTO_KEYS = {
    "dev photos: titles": "real_photos_title_recall@10",
    "dev photos: titles without deep-sky": "real_photos_everyday_title_recall@10",
    "dev photos: descriptions": "real_photos_description_recall@10",
}
SLOT_TYPES = ("content", "time", "place")


def summarise(run: Path) -> dict[str, float | None]:
    """The table's figures of one run folder."""
    metrics = json.loads((run / "training_metrics.json").read_text())
    test = metrics["test"]
    row: dict[str, float | None] = {name: test.get(f"test_{key}") for name, key in TEST_KEYS.items()}
    languages = [
        key
        for key in test
        if key.startswith("test_requests_")
        and key.endswith("_slot_f1")
        and len(key.split("_")) == 5
        and key.split("_")[2] not in SLOT_TYPES
    ]
    row["slot F1, mean over languages"] = statistics.mean(test[key] for key in languages) if languages else None
    for kind, request, plain in (
        ("images", "request→image R@10", "caption→image R@10"),
        ("documents", "request→document R@10", "content→document R@10"),
    ):
        both = row[request] is not None and row[plain] is not None
        row[f"gap, {kind} (points)"] = 100 * (row[request] - row[plain]) if both else None
    dev = metrics.get("stages", {}).get("stage3", {}).get("dev", {})
    row.update({name: dev.get(key) for name, key in PHOTO_KEYS.items()})
    return row


def _cell(values: list[float], points: bool) -> str:
    shown = [f"{v:+.1f}" if points else f"{v:.3f}" for v in values]
    if len(values) < 2:
        return f"{shown[0]}" if shown else "–"
    sd = statistics.stdev(values)
    mean = statistics.mean(values)
    head = f"{mean:+.1f} ± {sd:.1f}" if points else f"{mean:.3f} ± {sd:.3f}"
    return f"{head} [{', '.join(shown)}]"


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="+", metavar="LABEL=RUN[,RUN...]")
    args = parser.parse_args(argv)
    groups: dict[str, list[dict[str, float | None]]] = {}
    for spec in args.groups:
        label, sep, runs = spec.partition("=")
        if not sep or not runs:
            raise SystemExit(f"error: {spec!r} is not LABEL=RUN[,RUN...]")
        groups[label] = [summarise(Path(run)) for run in runs.split(",")]
    names = list(next(iter(groups.values()))[0])
    lines = [
        "| metric | " + " | ".join(f"{label} (n={len(rows)})" for label, rows in groups.items()) + " |",
        "|---|" + "---|" * len(groups),
    ]
    for name in names:
        cells = [
            _cell([r[name] for r in rows if r[name] is not None], name.startswith("gap")) for rows in groups.values()
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
