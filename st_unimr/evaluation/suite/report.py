"""Markdown + PNG report of an evaluation run: every model side by side, per task and per language."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean
from typing import Any

__all__ = ["scores_from_task_result", "write_report"]

RETRIEVAL_METRICS = ["recall_at_1", "recall_at_5", "recall_at_10", "ndcg_at_10"]
# (task, metric, file, title) of the per-language plots.
PLOTS = [
    ("UniMRTextToImageRetrieval", "recall_at_10", "t2i_recall_at_10.png", "Text→image recall@10 per language"),
    ("UniMRCrossLingualRetrieval", "recall_at_10", "t2t_recall_at_10.png", "Text (X)→English text recall@10"),
    ("UniMRIntentClassification", "accuracy", "intent_accuracy.png", "Intent accuracy (MTEB protocol, embeddings)"),
    ("NLU head", "accuracy", "nlu_head_accuracy.png", "Intent accuracy of the model's own NLU head"),
]
PER_LANGUAGE_TABLES = [
    ("UniMRTextToImageRetrieval", "recall_at_10"),
    ("UniMRIntentRichRetrieval", "recall_at_10"),
    ("UniMRImageToTextRetrieval", "recall_at_10"),
    ("UniMRStyleShiftRetrieval", "recall_at_10"),
    ("UniMRCrossLingualRetrieval", "recall_at_10"),
    ("UniMRCrossLingualPoolRetrieval", "recall_at_10"),
    ("UniMRIntentClassification", "accuracy"),
]


#: ``real_photo_metrics`` / ``in_domain_metrics`` keys shown in the report, with their column titles.
REAL_PHOTO_COLUMNS = [
    ("real_photos_title_recall@10", "photos: titles"),
    ("real_photos_everyday_title_recall@10", "photos: titles (no deep-sky)"),
    ("real_photos_description_recall@10", "photos: descriptions"),
    ("real_photos_image_cosine", "photo cosine"),
    ("test_clipart_t2i_recall@10", "clip-art t2i"),
    ("test_emoji_t2i_recall@10", "emoji t2i"),
    ("test_flags_t2i_recall@10", "flags t2i"),
    ("test_all_image_cosine", "test-image cosine"),
]


def scores_from_task_result(task_result: Any, split: str = "test") -> dict[str, dict[str, float]]:
    """``{subset: {metric: value}}`` (numeric metrics only) from an mteb ``TaskResult``."""
    out = {}
    for entry in task_result.scores.get(split, []):
        out[entry["hf_subset"]] = {
            key: float(value)
            for key, value in entry.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        }
    return out


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _mean_metric(per_subset: dict[str, dict[str, float]] | None, metric: str) -> float | None:
    if not per_subset:
        return None
    values = [scores[metric] for scores in per_subset.values() if metric in scores]
    return mean(values) if values else None


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _per_language(summary: dict[str, Any], task: str, metric: str) -> tuple[list[str], dict[str, dict[str, float]]]:
    """Languages (in the order of the first model that has them) and ``{model: {lang: value}}``."""
    models = [m["label"] for m in summary["run"]["models"]]
    values: dict[str, dict[str, float]] = {}
    langs: list[str] = []
    for label in models:
        if task == "NLU head":
            per_lang = {k: v for k, v in summary.get("nlu_head", {}).get(label, {}).items() if k != "all"}
        else:
            per_lang = summary["scores"].get(label, {}).get(task) or {}
        values[label] = {lang: scores[metric] for lang, scores in per_lang.items() if metric in scores}
        langs += [lang for lang in values[label] if lang not in langs]
    return langs, values


def _plot(summary: dict[str, Any], task: str, metric: str, path: Path, title: str) -> bool:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    langs, values = _per_language(summary, task, metric)
    models = [label for label, per_lang in values.items() if per_lang]
    if not langs or not models:
        return False
    width = 0.8 / len(models)
    x = np.arange(len(langs))
    fig, ax = plt.subplots(figsize=(max(8.0, 0.45 * len(langs) * max(1, len(models)) ** 0.5), 4.5))
    for i, label in enumerate(models):
        heights = [values[label].get(lang, np.nan) for lang in langs]
        ax.bar(x + (i - (len(models) - 1) / 2) * width, heights, width, label=label)
    ax.set_xticks(x, langs, rotation=90, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel(metric)
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=min(4, len(models)))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(summary: dict[str, Any], output_dir: str | Path) -> Path:
    """Write ``report.md``, the per-language PNG plots and ``summary.json`` into ``output_dir``.

    Args:
        summary: ``{"run": {"command", "options", "models": [{"label", "kind", "source"}], "notes", ...},
            "tasks": {task: {"main_score", "modalities", "type", "description", "subsets"}},
            "scores": {model: {task: {subset: {metric: value}} | None}}, "nlu_head": {model: {lang: {...}}}}``.
            A task a model cannot run (an image task for a text-only baseline) has ``None`` and shows "n/a".
        output_dir: Folder of the report.

    Returns:
        The path of ``report.md``.

    Example:
        ::

            from st_unimr.evaluation.suite.report import write_report

            write_report(summary, "outputs/eval")  # outputs/eval/report.md, *.png, summary.json
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    run = summary["run"]
    models = [m["label"] for m in run["models"]]
    tasks = summary.get("tasks", {})
    lines = ["# st-unimr evaluation report", ""]
    lines += ["All numbers below were measured in this run; every model is evaluated on the same task instances.", ""]
    lines += ["## Run", "", f"- Command: `{run.get('command', '')}`"]
    for key, value in (run.get("options") or {}).items():
        lines.append(f"- {key}: `{value}`")
    for key in ("started", "duration_s", "mteb_version", "device"):
        if key in run:
            lines.append(f"- {key}: {run[key]}")
    lines += ["", "Models:", ""]
    lines += _table(
        ["label", "kind", "source"],
        [[m["label"], m["kind"], str(m.get("source") or "")] for m in run["models"]],
    )
    if run.get("notes"):
        lines += ["", "Notes:", ""] + [f"- {note}" for note in run["notes"]]

    lines += ["", "## Headline (main score, mean over languages)", ""]
    rows = []
    for task, info in tasks.items():
        main = info["main_score"]
        row = [f"{task} ({main}, {len(info.get('subsets', []))} langs)"]
        for label in models:
            row.append(_fmt(_mean_metric(summary["scores"].get(label, {}).get(task), main)))
        rows.append(row)
    if summary.get("nlu_head"):
        for metric in ("accuracy", "macro_f1"):
            row = [f"NLU head intent {metric} (all test rows)"]
            for label in models:
                value = summary["nlu_head"].get(label, {}).get("all", {}).get(metric)
                row.append(_fmt(value))
            rows.append(row)
    lines += _table(["task", *models], rows)

    retrieval = [task for task, info in tasks.items() if "Retrieval" in info.get("type", "")]
    if retrieval:
        lines += ["", "## Retrieval metrics (mean over languages)", ""]
        rows = []
        for task in retrieval:
            for label in models:
                per_subset = summary["scores"].get(label, {}).get(task)
                rows.append([task, label] + [_fmt(_mean_metric(per_subset, m)) for m in RETRIEVAL_METRICS])
        lines += _table(["task", "model", *RETRIEVAL_METRICS], rows)

    if summary.get("real_photos"):
        lines += ["", "## Real photographs and image domains", ""]
        lines += [
            "The evaluation-only `real_photos` check (titled photographs nothing trains on; text→image recall@10, "
            "mean over languages) beside the test split per image domain (`st_unimr.evaluation.real_photo_check`). "
            "A model that learned its training domain by forgetting photographs shows it here, not in the tasks "
            "above.",
            "",
        ]
        rows = []
        for label, photo in summary["real_photos"].items():
            rows.append([label] + [_fmt(photo.get(key)) for key, _ in REAL_PHOTO_COLUMNS])
        lines += _table(["model", *(title for _, title in REAL_PHOTO_COLUMNS)], rows)

    lines += ["", "## Per language", ""]
    for task, metric in [*PER_LANGUAGE_TABLES, ("NLU head", "accuracy"), ("NLU head", "macro_f1")]:
        langs, values = _per_language(summary, task, metric)
        if not langs:
            continue
        lines += [f"### {task}: {metric}", ""]
        rows = [[lang] + [_fmt(values[label].get(lang)) for label in models] for lang in langs]
        lines += _table(["language", *models], rows) + [""]

    plots = []
    for task, metric, filename, title in PLOTS:
        if _plot(summary, task, metric, output_dir / filename, title):
            plots.append((filename, title))
    if plots:
        lines += ["## Plots", ""] + [f"![{title}]({filename})" for filename, title in plots] + [""]

    other = {task: info for task, info in (run.get("standard_tasks") or {}).items()}
    if other:
        lines += ["## Standard MTEB tasks", ""]
        lines += [f"- {task}: {status}" for task, status in other.items()] + [""]

    lines += ["## Tasks", ""]
    for task, info in tasks.items():
        lines.append(
            f"- **{task}** ({info.get('type')}, {'/'.join(info.get('modalities', []))}): {info.get('description', '')}"
        )
    report = output_dir / "report.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf8")
    (output_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf8")
    return report
