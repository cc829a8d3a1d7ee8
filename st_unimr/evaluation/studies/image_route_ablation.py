"""Stage-3 image-route ablation: which recipe keeps (and extends) what the zero-shot image head knows about photos.

Every variant re-runs stage 3 only, from the stage-1/2 models of one finished run (they do not depend on the
stage-3 options), once per seed, then measures the final model on

- the in-domain test split (``training_metrics.json``: text→image and text→text recall@10, as training reports it),
- the same split per domain (clip-art, emoji, flags: t2i recall@10 and mean pairwise image cosine),
- the evaluation-only real-photo check (titles and descriptions, t2i recall@10 mean over languages; photo cosine),

and writes ``results.json`` and ``report.md`` (mean ± sd over seeds) under ``--output``. Example::

    st-unimr train --output-dir outputs/default
    python -m st_unimr.evaluation.studies.image_route_ablation --base outputs/default \\
        --output outputs/image-ablation \\
        --variants current refresh-frozen --seeds 42 43 44
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: The linear path fitted after stage 3 on cached embeddings of every image_text training concept (4 captions
#: each), behind a domain gate fitted on their images that opens at the 30% quantile (at 5% half the real photos took
#: the path).
_HEAD_FIT = [
    "stage3.image_linear=false",
    "stage3.image_domain_gate=true",
    "stage3.image_domain_gate_quantile=0.3",
    "stage3.image_head_epochs=3",
    "stage3.image_head_rows_per_concept=4",
]
#: The zero-shot head's prototypes as built (not refreshed, frozen): stage 3's image_text loss only moves the text
#: encoder toward the frozen image side; then the fit, on captions and photo-search requests.
_ORIGINAL_PROTOTYPES_HEAD_FIT = [
    "stage3.refresh_zero_shot_head=false",
    "stage3.image_prototypes=frozen",
    *_HEAD_FIT,
    "stage3.image_head_requests=true",
]

#: name -> ``--set`` overrides of stage 3 (and ``--only-task`` for the single-task comparison).
VARIANTS: dict[str, list[str]] = {
    # The recipe before issue 12: prototypes and the linear path train, no refresh, no regulariser.
    "current": [
        "stage3.refresh_zero_shot_head=false",
        "stage3.image_prototypes=train",
        "stage3.image_linear=true",
        "stage3.image_prototype_anchor=0.0",
        "stage3.image_uniformity_weight=0.0",
    ],
    "refresh-frozen": ["stage3.refresh_zero_shot_head=true", "stage3.image_prototypes=frozen"],
    "refresh-zero-shot-only": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototypes=frozen",
        "stage3.image_linear=false",
    ],
    "refresh-anchor": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_linear=false",
        "stage3.image_prototype_anchor=1.0",
    ],
    "refresh-anchor-weak": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_linear=false",
        "stage3.image_prototype_anchor=0.1",
    ],
    "prototypes-only": ["stage3.image_linear=false"],
    # The default's prototypes at a 10x rate: at the head rate they barely move in 50 image batches.
    "refresh-anchor-fast": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_linear=false",
        "stage3.image_prototype_anchor=1.0",
        "stage3.prototype_learning_rate=5.0e-3",
    ],
    # ... and every training concept (2 captions each), every batch of every dataset (proportional sampler).
    "refresh-anchor-fast-all-images": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_linear=false",
        "stage3.image_prototype_anchor=1.0",
        "stage3.prototype_learning_rate=5.0e-3",
        "data.image_text_train_concepts=null",
        "data.image_text_rows_per_concept=2",
        "stage3.sampler=proportional",
    ],
    # The linear path back on, gated per image by its similarity to its nearest training images.
    "gated-linear": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototype_anchor=1.0",
        "stage3.image_linear=true",
        "stage3.image_domain_gate=true",
    ],
    "gated-linear-fast": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototype_anchor=1.0",
        "stage3.image_linear=true",
        "stage3.image_domain_gate=true",
        "stage3.prototype_learning_rate=5.0e-3",
    ],
    # ... and the captions of image_text steer only the image route (no gradient into the shared text encoder).
    "gated-linear-fast-frozen-text": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototype_anchor=1.0",
        "stage3.image_linear=true",
        "stage3.image_domain_gate=true",
        "stage3.prototype_learning_rate=5.0e-3",
        "stage3.image_text_text_gradient=false",
    ],
    # The gated linear path alone learns the training domains; the prototypes stay the zero-shot head (refreshed
    # with the final text encoder after stage 3), so a photo, which the gate closes on, keeps the zero-shot embedding.
    "gated-linear-frozen-prototypes": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototypes=frozen",
        "stage3.image_linear=true",
        "stage3.image_domain_gate=true",
    ],
    # ... and the captions of image_text steer only the image route.
    "gated-linear-frozen-prototypes-frozen-text": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototypes=frozen",
        "stage3.image_linear=true",
        "stage3.image_domain_gate=true",
        "stage3.image_text_text_gradient=false",
    ],
    # Session 3's default: refreshed, anchored prototypes in stage 3, then the fit on captions.
    "refresh-anchor-head-fit": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototype_anchor=1.0",
        *_HEAD_FIT,
    ],
    # ... with the prototypes frozen in stage 3 (refreshed before and after it).
    "frozen-prototypes-head-fit": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototypes=frozen",
        *_HEAD_FIT,
    ],
    "original-prototypes-head-fit": _ORIGINAL_PROTOTYPES_HEAD_FIT,
    # ... on a base run trained with `--fusion none` (issue 13's ablation).
    "original-prototypes-head-fit-fusion-none": ["model.fusion=none", *_ORIGINAL_PROTOTYPES_HEAD_FIT],
    "gated-linear-all-images": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototype_anchor=1.0",
        "stage3.image_linear=true",
        "stage3.image_domain_gate=true",
        "stage3.prototype_learning_rate=5.0e-3",
        "data.image_text_train_concepts=null",
        "data.image_text_rows_per_concept=2",
        "stage3.sampler=proportional",
    ],
    "refresh-frozen-gor": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototypes=frozen",
        "stage3.image_uniformity_weight=1.0",
    ],
    "refresh-anchor-linear-gor": [
        "stage3.refresh_zero_shot_head=true",
        "stage3.image_prototype_anchor=1.0",
        "stage3.image_uniformity_weight=1.0",
    ],
}
#: Every variant above ran before the content gate existed, when every text moved toward its tagged content; they
#: keep that, so the reports' commands still mean what they ran.
VARIANTS = {name: ["model.content_gate=always", *overrides] for name, overrides in VARIANTS.items()}
#: The pooled content move weighted by the intent head's search probability (photo titles and captions stay put).
VARIANTS["search-gated-head-fit"] = [*_ORIGINAL_PROTOTYPES_HEAD_FIT, "model.content_gate=search"]
#: The default with stage 3's weight change halved / kept at 70% before the fit (WiSE-FT): the stage-2 models reach
#: photo titles 0.274 ± 0.013, stage 3's text training costs about a point of it.
VARIANTS.update(
    {
        f"wise-{weight}-head-fit": [
            *_ORIGINAL_PROTOTYPES_HEAD_FIT,
            "model.content_gate=always",
            f"stage3.weight_interpolation={weight}",
        ]
        for weight in ("0.5", "0.7")
    }
)
#: The default with one of stage 3's tasks left out (where stage 3 loses the stage-2 models' photo titles).
_STAGE3_TASKS = ("image_text", "text_pairs", "intents", "requests_image", "requests_text")
VARIANTS.update(
    {
        f"drop-{task}-head-fit": [
            *_ORIGINAL_PROTOTYPES_HEAD_FIT,
            "model.content_gate=always",
            "stage3.tasks=[" + ",".join(other for other in _STAGE3_TASKS if other != task) + "]",
        ]
        for task in _STAGE3_TASKS
    }
)
#: The default with each photo/document request also pulled onto its plain content's embedding (issue 13's gap).
VARIANTS.update(
    {
        f"request-content-{weight}-head-fit": [
            *_ORIGINAL_PROTOTYPES_HEAD_FIT,
            "model.content_gate=always",
            f"stage3.request_content_weight={weight}",
        ]
        for weight in ("1", "5")
    }
)

#: Every variant above ran while stage 3's contrastive tasks were all five, image_text among them; they keep them, so
#: the reports' commands still mean what they ran (the default now leaves image_text to the fit after stage 3).
VARIANTS = {
    name: overrides
    if any(o.startswith("stage3.tasks=") for o in overrides)
    else [f"stage3.tasks=[{','.join(_STAGE3_TASKS)}]", *overrides]
    for name, overrides in VARIANTS.items()
}

HEADLINE = [
    ("test_t2i_cosine_recall@10", "in-domain t2i R@10"),
    ("test_t2t_cosine_recall@10", "in-domain t2t R@10"),
    ("real_photos_title_recall@10", "photos: titles R@10"),
    ("real_photos_everyday_title_recall@10", "photos (no deep-sky): titles R@10"),
    ("real_photos_description_recall@10", "photos: descriptions R@10"),
    ("real_photos_image_cosine", "photos: mean pairwise cosine"),
    ("test_clipart_t2i_recall@10", "clip-art t2i R@10"),
    ("test_emoji_t2i_recall@10", "emoji t2i R@10"),
    ("test_flags_t2i_recall@10", "flags t2i R@10"),
    ("test_clipart_image_cosine", "clip-art cosine"),
    ("test_emoji_image_cosine", "emoji cosine"),
    ("test_flags_image_cosine", "flags cosine"),
]


def prepare_run(base: Path, run_dir: Path) -> None:
    """A run folder holding the base run's stage-1 and stage-2 models, so ``--resume`` trains stage 3 only."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for stage in ("stage1", "stage2"):
        source = base / stage / "model"
        if not (source / "modules.json").is_file():
            raise SystemExit(f"error: {source} is not a finished stage model; train {base} first")
        target = run_dir / stage / "model"
        if not target.exists():
            shutil.copytree(source, target)
    metrics = json.loads((base / "training_metrics.json").read_text())
    state = {"stages": {k: metrics["stages"][k] for k in ("stage1", "stage2")}}
    # A base trained with evaluate_untrained: false has no such figures; the resumed run then measures them itself.
    if "untrained" in metrics:
        state["untrained"] = metrics["untrained"]
    (run_dir / "training_metrics.json").write_text(json.dumps(state))


def measure_untrained() -> dict[str, float]:
    import st_unimr
    from st_unimr.evaluation.real_photo_check import in_domain_metrics, real_photo_metrics

    model = st_unimr.build_unimr()
    return {**in_domain_metrics(model), **real_photo_metrics(model)}


def run_variant(
    base: Path, output: Path, name: str, seed: int, only_task: str | None, single_task_steps: int = 50
) -> dict[str, float]:
    label = f"{name}{'-' + only_task if only_task else ''}-seed{seed}"
    run_dir = output / label
    result_file = run_dir / "ablation_metrics.json"
    if result_file.is_file():
        result = json.loads(result_file.read_text())
        if "test_t2i_cosine_recall@10" not in result:  # measured before the study added them
            result.update(image_metrics(run_dir, name))
            result_file.write_text(json.dumps(result, indent=2))
        return result
    if not (run_dir / "final" / "modules.json").is_file():
        shutil.rmtree(run_dir, ignore_errors=True)
        prepare_run(base, run_dir)
        command = [sys.executable, "-m", "st_unimr.training", "--resume", "--output-dir", str(run_dir)]
        command += ["--set", f"seed={seed}", "--set", "evaluate_real_photos=true"]
        for override in VARIANTS[name]:
            command += ["--set", override]
        if only_task:
            # Round robin stops the unified stage 3 when its smallest dataset runs out (50 batches of each), so the
            # single-task run gets the same number of batches of its own dataset.
            command += ["--only-task", only_task, "--set", f"stage3.max_steps={single_task_steps}"]
        start = time.perf_counter()
        with open(run_dir / "train.log", "w") as log:
            subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)
        print(f"{label}: stage 3 + evaluation {time.perf_counter() - start:.0f} s", flush=True)
    # train.py measures both: the real-photo check beside the dev split, per-domain figures beside the test split.
    metrics = json.loads((run_dir / "training_metrics.json").read_text())
    result = {key: value for key, value in metrics["test"].items() if not key.endswith("_n_images")}
    result.update({k: v for k, v in metrics["stages"]["stage3"]["dev"].items() if k.startswith("real_photos_")})
    result["stage3_wall_seconds"] = metrics["stages"]["stage3"]["wall_seconds"]
    if "test_t2i_cosine_recall@10" not in result:
        result.update(image_metrics(run_dir, name))
    result_file.write_text(json.dumps(result, indent=2))
    return result


def image_metrics(run_dir: Path, name: str) -> dict[str, float]:
    """Text→image on the test split (per domain too) and the real-photo check, measured on a run's final model.

    Training scores the tasks it trains, so a variant that leaves ``image_text`` out of stage 3 has neither; every
    row of the ablation table needs them.
    """
    import st_unimr
    from st_unimr.training.config import CONFIG_DIR, load_config
    from st_unimr.training.train import evaluate

    config = load_config(CONFIG_DIR / "default.yaml", VARIANTS[name])
    model = st_unimr.load(str(run_dir / "final"))
    test = evaluate(model, config, "test", ["image_text"])
    dev = evaluate(model, config, "dev", ["image_text"])
    result = {key: value for key, value in test.items() if not key.endswith("_n_images")}
    result.update({key: value for key, value in dev.items() if key.startswith("real_photos_")})
    return result


def summarise(rows: dict[str, list[dict[str, float]]]) -> str:
    lines = ["| recipe | seeds | " + " | ".join(title for _, title in HEADLINE) + " |"]
    lines.append("|---|---|" + "---|" * len(HEADLINE))
    for label, results in rows.items():
        cells = []
        for key, _ in HEADLINE:
            values = [result[key] for result in results if key in result]
            if not values:
                cells.append("n/a")
            elif len(values) == 1:
                cells.append(f"{values[0]:.3f}")
            else:
                cells.append(f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}")
        lines.append(f"| {label} | {len(results)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, type=Path, help="A finished training run (its stage1/, stage2/)")
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=sorted(VARIANTS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[42])
    parser.add_argument("--only-task", default=None, help="Also run each variant single-task (e.g. image_text)")
    parser.add_argument("--single-task-steps", type=int, default=50, help="stage3.max_steps of --only-task runs")
    parser.add_argument("--untrained", action="store_true", help="Also measure the untrained build_unimr()")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[dict[str, float]]] = {}
    if args.untrained:
        path = args.output / "untrained.json"
        if not path.is_file():
            path.write_text(json.dumps(measure_untrained(), indent=2))
        untrained = json.loads(path.read_text())
        # The in-domain figures of the untrained model as training measured them (the base run's starting point).
        base_metrics = json.loads((args.base / "training_metrics.json").read_text())
        untrained.update(base_metrics.get("untrained", {}).get("test", {}))
        rows["untrained (build_unimr())"] = [untrained]
    for name in args.variants:
        for only_task in [None] + ([args.only_task] if args.only_task else []):
            label = name + (f" ({only_task} only)" if only_task else "")
            rows[label] = [
                run_variant(args.base, args.output, name, seed, only_task, args.single_task_steps)
                for seed in args.seeds
            ]
            (args.output / "results.json").write_text(json.dumps(rows, indent=2))
    report = summarise(rows)
    command = "python -m st_unimr.evaluation.studies.image_route_ablation " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    (args.output / "report.md").write_text(f"# Stage-3 image-route ablation\n\n`{command}`\n\n{report}\n")
    print(report)


if __name__ == "__main__":
    main()
