"""Evaluate a UniMR checkpoint and its baselines on the st-unimr MTEB tasks (and standard MTEB tasks), with a report.

::

    st-unimr eval --model outputs/main/final \\
        --baselines untrained use-multilingual all-minilm-l6-v2 t2i-only=outputs/t2i/final \\
        --output outputs/eval --max-queries-per-lang 100 --max-langs 30

Writes mteb's result JSON files (``OUTPUT/mteb/results/<model>/<revision>/<task>.json``), ``nlu_head/<model>.json``,
``summary.json``, ``report.md`` and per-language PNG plots into ``--output``. From a repository checkout,
``python evaluation/run.py ...`` is the same command.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from st_unimr.evaluation.suite.models import ModelSpec, load_encoder, parse_models
from st_unimr.evaluation.suite.report import scores_from_task_result, write_report

__all__ = ["main", "run_evaluation"]

logger = logging.getLogger("evaluation")


def hub_reachable(timeout: float = 5.0) -> tuple[bool, str]:
    """Whether the Hugging Face Hub (``HF_ENDPOINT``) answers, and why not."""
    import urllib.request

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False, "HF_HUB_OFFLINE is set"
    url = f"{constants.ENDPOINT.rstrip('/')}/api/datasets/mteb/amazon_massive_intent"
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True, ""
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"; the message goes in the report
        return False, f"{type(exc).__name__}: {exc}"


def _standard_tasks(names: list[str], notes: list[str], status: dict[str, str]) -> list:
    if not names:
        return []
    reachable, reason = hub_reachable()
    if not reachable:
        for name in names:
            status[name] = f"NOT RUN: the Hugging Face Hub is unreachable ({reason})"
        notes.append(f"Standard MTEB tasks {names} were not run: the Hugging Face Hub is unreachable ({reason}).")
        logger.warning(notes[-1])
        return []
    import mteb

    tasks = []
    for name in names:
        try:
            tasks.append(mteb.get_task(name))
            status[name] = "run"
        except Exception as exc:  # noqa: BLE001
            status[name] = f"NOT RUN: {type(exc).__name__}: {exc}"
    return tasks


def _unknown_mteb_tasks(names: list[str]) -> list[str]:
    """The names mteb does not know (looked up in its registry, offline)."""
    if not names:
        return []
    import mteb

    unknown = []
    for name in names:
        try:
            mteb.get_task(name)
        except KeyError:
            unknown.append(name)
    return unknown


def _mteb_version() -> str:
    import mteb

    return mteb.__version__


def run_evaluation(
    specs: list[ModelSpec],
    tasks: list,
    output: Path,
    batch_size: int = 32,
    nlu_head: bool = True,
    nlu_data: Any = None,
    nlu_max_per_lang: int | None = None,
    device: str | None = None,
    run_info: dict[str, Any] | None = None,
    real_photos: bool = False,
) -> dict[str, Any]:
    """Evaluate every model on every task it can run; write mteb results, the NLU head scores and the report.

    Args:
        specs: The models.
        tasks: mteb task instances (the st-unimr tasks and any standard ones).
        output: Output folder.
        batch_size: Encoding batch size.
        nlu_head: Also score the intent head of the UniMR models.
        nlu_data: Intent test rows for the NLU head (None: ``st_unimr.data.load("intents", "test")``).
        nlu_max_per_lang: Cap on NLU-head test rows per language.
        device: Device for the models.
        run_info: Extra ``run`` fields for the report (command, options, notes, standard task status).
        real_photos: Also run the real-photo check (evaluation-only titled photographs) and the per-domain image
            figures of the test split on the UniMR models, so a model that forgets photographs shows it.

    Returns:
        The summary the report was written from.
    """
    import mteb
    from mteb.models.cache_wrappers import CachedEmbeddingWrapper

    from st_unimr.evaluation.suite.nlu_head import evaluate_nlu_head

    output.mkdir(parents=True, exist_ok=True)
    result_cache = mteb.ResultCache(cache_path=output / "mteb")
    run = {"models": [vars(spec) for spec in specs], "notes": [], **(run_info or {})}
    run["mteb_version"] = mteb.__version__
    summary: dict[str, Any] = {"run": run, "tasks": {}, "scores": {}, "nlu_head": {}, "real_photos": {}}
    for task in tasks:
        summary["tasks"][task.metadata.name] = {
            "main_score": task.metadata.main_score,
            "type": task.metadata.type,
            "modalities": list(task.metadata.modalities),
            "description": task.metadata.description,
            "subsets": list(task.metadata.eval_langs) if isinstance(task.metadata.eval_langs, dict) else ["default"],
            "options": getattr(task, "options", None),
        }
    started = time.time()
    for spec in specs:
        logger.info("Evaluating %s (%s)", spec.label, spec.kind)
        encoder, st_model = load_encoder(spec, device=device)
        modalities = set(encoder.mteb_model_meta.modalities or ["text"])
        runnable = [task for task in tasks if set(task.metadata.modalities) <= modalities]
        skipped = [task.metadata.name for task in tasks if task not in runnable]
        summary["scores"][spec.label] = dict.fromkeys(skipped)
        if skipped:
            run["notes"].append(f"{spec.label}: {', '.join(skipped)} skipped (model modalities {sorted(modalities)}).")
        with tempfile.TemporaryDirectory() as embedding_cache:
            # Corpora are shared by every language of a task: embed each document once per task and prompt type.
            cached = CachedEmbeddingWrapper(encoder, embedding_cache)
            for task in runnable:
                t0 = time.time()
                try:
                    result = mteb.evaluate(
                        cached,
                        task,
                        cache=result_cache,
                        overwrite_strategy="always",
                        encode_kwargs={"batch_size": batch_size, "show_progress_bar": False},
                        show_progress_bar=False,
                    )
                    task_result = result.task_results[0]
                    summary["scores"][spec.label][task.metadata.name] = scores_from_task_result(task_result)
                except Exception as exc:  # noqa: BLE001 - one failing task must not lose the others
                    logger.exception("%s on %s failed", spec.label, task.metadata.name)
                    summary["scores"][spec.label][task.metadata.name] = None
                    run["notes"].append(f"{spec.label} on {task.metadata.name} FAILED: {type(exc).__name__}: {exc}")
                logger.info("%s / %s: %.0fs", spec.label, task.metadata.name, time.time() - t0)
            cached.close()
        if nlu_head and spec.is_unimr:
            scores = evaluate_nlu_head(st_model, nlu_data, max_per_lang=nlu_max_per_lang, batch_size=batch_size)
            summary["nlu_head"][spec.label] = scores
            path = output / "nlu_head" / f"{spec.label}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(scores, indent=2), encoding="utf8")
        if real_photos and spec.is_unimr and "image" in modalities:
            from st_unimr.evaluation.real_photo_check import in_domain_metrics, real_photo_metrics

            photo = {**real_photo_metrics(st_model, batch_size=batch_size), **in_domain_metrics(st_model)}
            summary["real_photos"][spec.label] = photo
        del encoder, st_model
        gc.collect()
    run["duration_s"] = round(time.time() - started, 1)
    write_report(summary, output)
    return summary


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """The evaluation command line (``st-unimr eval``, ``python evaluation/run.py``); returns the exit status.

    Args:
        argv: The options (``None``: ``sys.argv[1:]``).
        prog: The command's name in help, usage and the report's recorded command (``None``: the script's).

    Example:
        ::

            from st_unimr.evaluation.suite.run import main

            main(["--model", "outputs/default/final", "--baselines", "untrained", "--output", "outputs/eval"])
    """
    from st_unimr.mteb import TASKS, unimr_tasks

    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="UniMR checkpoint: local folder or Hub id")
    parser.add_argument("--model-label", default="unimr", help="column name of --model in the report")
    parser.add_argument(
        "--tasks",
        nargs="*",
        default=None,
        help=f"st-unimr tasks ({', '.join(TASKS)}; default all) and standard MTEB task names "
        "(e.g. MassiveIntentClassification XM3600T2IRetrieval), which need the Hub",
    )
    parser.add_argument(
        "--baselines",
        nargs="*",
        default=[],
        help="untrained, use-multilingual, all-minilm-l6-v2 and NAME=PATH_OR_HUB_ID for other UniMR checkpoints",
    )
    parser.add_argument("--output", required=True, help="output folder")
    parser.add_argument("--max-queries-per-lang", type=int, default=None)
    parser.add_argument("--max-langs", type=int, default=None)
    parser.add_argument("--n-experiments", type=int, default=10, help="MTEB classification repetitions")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default=None)
    parser.add_argument("--no-nlu-head", action="store_true", help="skip the intent-head evaluator")
    parser.add_argument(
        "--no-real-photos",
        action="store_true",
        help="skip the real-photo check (st_unimr.evaluation.real_photo_check) of the UniMR models",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    try:
        specs = parse_models(args.model, args.model_label, args.baselines)
    except ValueError as exc:
        parser.error(str(exc))
    if not specs:
        parser.error("give --model and/or --baselines")
    for option in ("max_queries_per_lang", "max_langs", "n_experiments", "batch_size"):
        value = getattr(args, option)
        if value is not None and value < 1:
            parser.error(f"--{option.replace('_', '-')} must be >= 1, got {value}")
    names = args.tasks if args.tasks else list(TASKS)
    custom = [name for name in names if name in TASKS]
    standard = [name for name in names if name not in TASKS]
    unknown = _unknown_mteb_tasks(standard)
    if unknown:
        parser.error(
            f"unknown task(s) {unknown}: neither st-unimr tasks ({', '.join(TASKS)}) nor tasks known to mteb "
            f"{_mteb_version()}"
        )
    caps = {"max_queries_per_lang": args.max_queries_per_lang, "max_langs": args.max_langs}
    tasks = unimr_tasks([n for n in custom if n != "UniMRIntentClassification"], **caps)
    if "UniMRIntentClassification" in custom:
        tasks += unimr_tasks(["UniMRIntentClassification"], n_experiments=args.n_experiments, **caps)
    notes: list[str] = []
    status: dict[str, str] = {}
    tasks += _standard_tasks(standard, notes, status)
    run_info = {
        "command": f"{parser.prog} " + " ".join(argv if argv is not None else sys.argv[1:]),
        "options": {**caps, "n_experiments": args.n_experiments, "batch_size": args.batch_size, "split": "test"},
        "notes": notes,
        "standard_tasks": status,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "device": args.device or "auto",
    }
    summary = run_evaluation(
        specs,
        tasks,
        Path(args.output),
        args.batch_size,
        not args.no_nlu_head,
        nlu_max_per_lang=args.max_queries_per_lang,
        device=args.device,
        run_info=run_info,
        real_photos=not args.no_real_photos,
    )
    del summary
    print(f"Report: {Path(args.output) / 'report.md'}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    raise SystemExit(main())
