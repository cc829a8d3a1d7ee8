"""The image route's last step, refitted on finished runs with other settings: which rows the fit learns from.

The fit of ``stage3.image_head_*`` (``st_unimr/training/image_head_fit.py``) runs after stage 3, on the final text
encoder, and changes nothing but the image route's linear path and its domain gate. A run whose final model was
saved without it (``stage3.image_head_epochs: 0``) can therefore take each fit variant in a minute or two instead of a
stage-3 re-run per variant: each variant loads the final model afresh, runs ``fit_stage3_image_head`` with the config
and the variant's ``--set`` overrides, and scores the split's

- in-domain text→image recall@10 (``image_text``), overall and per domain (clip-art, emoji, flags),
- request→image and caption→image recall@10 of the held-out request frames (issue 13), and their gap,
- the evaluation-only real-photo check (titles, titles without deep-sky, descriptions; mean pairwise photo cosine).

Example (three seeds of one recipe, test split)::

    python -m st_unimr.evaluation.studies.image_head_refit --split test --output refit.json \\
        --runs 42=runs/c-s42 43=runs/c-s43 44=runs/c-s44 --variants captions captions+requests
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
from pathlib import Path

import torch

import st_unimr
from st_unimr.evaluation.real_photo_check import in_domain_metrics, load_real_photos, real_photo_metrics
from st_unimr.modules.module_lookup import find_image_encoder, find_nlu_module
from st_unimr.training.config import load_config
from st_unimr.training.stage_data import evaluators
from st_unimr.training.train import fit_stage3_image_head

__all__ = ["VARIANTS", "main", "measure", "summarise"]

#: name -> ``--set`` overrides applied to the config before the fit.
VARIANTS: dict[str, list[str]] = {
    "captions": ["stage3.image_head_requests=false"],
    "captions+requests": ["stage3.image_head_requests=true"],
}
#: Table column -> metric key without the split prefix.
HEADLINE: dict[str, str] = {
    "in-domain t2i": "t2i_cosine_recall@10",
    "clip-art": "clipart_t2i_recall@10",
    "emoji": "emoji_t2i_recall@10",
    "flags": "flags_t2i_recall@10",
    "request→image": "requests_request_t2i_cosine_recall@10",
    "caption→image": "requests_caption_t2i_cosine_recall@10",
    "gap (points)": "gap",
    "photo titles": "real_photos_title_recall@10",
    "titles w/o deep-sky": "real_photos_everyday_title_recall@10",
    "photo descriptions": "real_photos_description_recall@10",
    "photo cosine": "real_photos_image_cosine",
}


def measure(run: Path, seed: int, variant: str, split: str, config_name: str = "default") -> dict[str, float]:
    """One run's final model, refitted with ``variant``'s overrides, scored on ``split`` (keys without the prefix)."""
    config = load_config(config_name, overrides=VARIANTS[variant])
    config = dataclasses.replace(config, seed=seed)
    if config.stage3.image_head_epochs == 0:
        raise ValueError(f"variant {variant}: stage3.image_head_epochs is 0 in {config_name}, nothing to fit")
    model = st_unimr.load(str(run / "final"))
    fit = fit_stage3_image_head(model, config)
    find_image_encoder(model).cache_backbone_features()
    nlu = find_nlu_module(model)
    slot_tagging = bool(getattr(nlu, "slot_tags", None))
    tasks = ["image_text", "requests"] if slot_tagging else ["image_text"]
    metrics: dict[str, float] = {}
    with torch.no_grad():
        for name, evaluator in evaluators(config.data, split, tasks, slot_tagging=slot_tagging).items():
            if name != "slots":  # the fit does not touch the text route
                metrics.update(evaluator(model))
        metrics.update(in_domain_metrics(model, split=split))
        metrics.update(real_photo_metrics(model, load_real_photos()))
    prefix = f"{split}_"
    result = {key.removeprefix(prefix): float(value) for key, value in metrics.items()}
    if "requests_request_t2i_cosine_recall@10" in result:
        request, caption = (
            result["requests_request_t2i_cosine_recall@10"],
            result["requests_caption_t2i_cosine_recall@10"],
        )
        result["gap"] = 100 * (request - caption)
    result["fit_rows"] = fit["rows"]
    result["fit_request_rows"] = fit["request_rows"]
    return result


def summarise(rows: dict[str, list[dict[str, float]]]) -> str:
    """A Markdown table: per variant and headline metric, mean ± sample sd over the runs (single runs in brackets)."""
    lines = ["| fit | runs | " + " | ".join(HEADLINE) + " |", "|---|---|" + "---|" * len(HEADLINE)]
    for variant, results in rows.items():
        cells = []
        for key in HEADLINE.values():
            values = [result[key] for result in results if key in result]
            digits = 1 if key == "gap" else 3
            if not values:
                cells.append("n/a")
            elif len(values) == 1:
                cells.append(f"{values[0]:.{digits}f}")
            else:
                mean, sd = statistics.mean(values), statistics.stdev(values)
                single = ", ".join(f"{value:.{digits}f}" for value in values)
                cells.append(f"{mean:.{digits}f} ± {sd:.{digits}f} ({single})")
        lines.append(f"| {variant} | {len(results)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", nargs="+", required=True, help="SEED=RUN: finished runs (RUN/final) and the seed of each"
    )
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=sorted(VARIANTS))
    parser.add_argument("--split", default="test", choices=["dev", "test"])
    parser.add_argument("--config", default="default", help="The config the runs were trained with")
    parser.add_argument("--output", required=True, type=Path, help="JSON file of every run's figures")
    args = parser.parse_args(argv)
    runs = []
    for spec in args.runs:
        seed, sep, path = spec.partition("=")
        if not sep or not seed.isdigit():
            parser.error(f"--runs {spec!r}: expected SEED=RUN, e.g. 42=outputs/default")
        if not (Path(path) / "final").is_dir():
            parser.error(f"--runs {spec!r}: {path}/final is not a saved model folder")
        runs.append((int(seed), Path(path)))
    rows: dict[str, list[dict[str, float]]] = {}
    for variant in args.variants:
        rows[variant] = []
        for seed, run in runs:
            result = measure(run, seed, variant, args.split, args.config)
            rows[variant].append({"seed": seed, "run": str(run), **result})
            args.output.write_text(json.dumps(rows, indent=2))
            print(
                f"{variant} seed {seed}: "
                + json.dumps({k: round(result[k], 4) for k in HEADLINE.values() if k in result}),
                flush=True,
            )
    command = "python -m st_unimr.evaluation.studies.image_head_refit " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    print(f"`{command}`\n\n{summarise(rows)}")


if __name__ == "__main__":
    main()
