"""The three UniMR training stages, each one SentenceTransformerTrainer run with checkpoints that can be resumed."""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import time
from pathlib import Path
from typing import Any

import torch
import transformers
from datasets import Dataset, DatasetDict
from peft import PeftModel
from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
from sentence_transformers.sentence_transformer.losses import MatryoshkaLoss

from st_unimr.training.config import StageConfig, TrainConfig
from st_unimr.training.lora import add_lora, load_lora_state, merge_lora, save_lora_state
from st_unimr.training.loss_recorder import LossRecorder
from st_unimr.training.task_registry import TASKS
from st_unimr.training.trainable import set_trainable

__all__ = [
    "STAGE_TASKS",
    "last_complete_checkpoint",
    "learning_rate_mapping",
    "run_stage",
    "warmup_arguments",
    "write_json",
]

logger = logging.getLogger(__name__)

# Columns are named by role, so one router mapping and one prompt mapping serve every dataset.
# ``content``: a request's plain content (RequestContentLoss), embedded as a plain query is.
ROUTER_MAPPING = {"query": "query", "document": "document", "text": "query", "content": "query"}
NEW_PARAMETERS = (
    r"(head_hidden|head_out|label_embeddings|attention_query|fusion_proj|fusion_gate|fusion_scale|prototypes"
    r"|image\.0\.linear|slot_hidden|slot_out|content_scale)"
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def _prompts(model: SentenceTransformer) -> dict[str, str]:
    query, document = model.prompts.get("query", ""), model.prompts.get("document", "")
    roles = {"query": query, "document": document, "text": query, "content": query}
    return {key: value for key, value in roles.items() if value}


#: What stages 1 and 2 train on; stage 3 trains on ``stage3.tasks``.
STAGE_TASKS = {1: ["text_pairs"], 2: ["intents"]}


def _stage_datasets(stage: int, config: TrainConfig, model: SentenceTransformer) -> dict[str, Dataset]:
    names = STAGE_TASKS.get(stage, config.stage3.tasks)
    return {name: TASKS[name].train(config.data, model) for name in names}


def _losses(stage: int, model: SentenceTransformer, stage_config: StageConfig, names: list[str]) -> dict[str, Any]:
    """The loss of each dataset. Stages 1 and 3 train their contrastive losses at every ``matryoshka_dims`` (those
    up to the embedding dimension) through MatryoshkaLoss; ``matryoshka_dims: [384]`` (only the full dimension)
    trains the plain loss."""
    dimension = model.get_embedding_dimension()
    dims = [d for d in stage_config.matryoshka_dims if d <= dimension] or [dimension]
    losses = {}
    for name in names:
        loss = TASKS[name].loss(model, stage_config)
        if TASKS[name].contrastive and (stage == 1 or (stage == 3 and dims != [dimension])):
            # ImageTextLoss embeds through model(...), which MatryoshkaLoss truncates per dimension; its prototype
            # anchor (no embeddings involved) is then counted once per dimension, like the ranking term.
            loss = MatryoshkaLoss(model, loss, matryoshka_dims=dims)
        losses[name] = loss
    return losses


class _RankZeroSavingTrainer(SentenceTransformerTrainer):
    """SentenceTransformerTrainer whose checkpoints are written by the saving rank only.

    transformers 5 calls ``_save`` on every rank (non-writer ranks are expected to return early), but
    sentence-transformers' ``_save`` assumes it only runs on rank 0: under torchrun both ranks wrote the same
    checkpoint folder, and their atomic renames of ``config_sentence_transformers.json`` raced (a flaky DDP test).
    """

    lora_model: PeftModel | None = None

    def _save(self, output_dir: str | None = None, state_dict: dict | None = None) -> None:
        if self.args.should_save:
            super()._save(output_dir, state_dict=state_dict)
            if self.lora_model is not None:
                save_lora_state(self.lora_model, output_dir or self.args.output_dir)

    def _load_from_checkpoint(self, checkpoint_path: str) -> None:
        if self.lora_model is None:
            super()._load_from_checkpoint(checkpoint_path)
        else:
            # The stage's base weights were rebuilt from the previous stage; only the adapters changed since.
            load_lora_state(self.lora_model, checkpoint_path)


def learning_rate_mapping(model: SentenceTransformer, stage_config: StageConfig) -> dict[str, float]:
    """The trainer's ``learning_rate_mapping`` (parameter-name regex -> learning rate) for one stage.

    The freshly initialised parts (intent head, fusion gate, image projection) take ``head_learning_rate``; the
    fusion scale takes ``fusion_learning_rate`` when set. In sentence-transformers a later pattern takes its
    parameters out of the earlier groups, so the scale's own rate wins over the head rate.
    """
    mapping: dict[str, float] = {}
    if stage_config.head_learning_rate is not None:
        mapping[NEW_PARAMETERS] = stage_config.head_learning_rate
    if stage_config.fusion_learning_rate is not None and any(
        name.endswith("fusion_scale") for name, _ in model.named_parameters()
    ):
        # The scale starts at 0 and multiplies every gradient that reaches the fusion projection, so at the head
        # rate it stays near 0 over a short stage 3 (mean |scale| 0.005 after the default run).
        mapping[r"fusion_scale"] = stage_config.fusion_learning_rate
    if stage_config.prototype_learning_rate is not None:
        mapping[r"prototypes"] = stage_config.prototype_learning_rate
    if stage_config.content_fusion_learning_rate is not None and any(
        name.endswith("content_scale") for name, _ in model.named_parameters()
    ):
        # The same holds for the content fusion's scale: at the head rate it would hardly leave 0.
        mapping[r"content_scale"] = stage_config.content_fusion_learning_rate
    return mapping


def warmup_arguments(ratio: float) -> dict[str, float]:
    """The TrainingArguments keyword that warms up over ``ratio`` of the training steps.

    transformers 4 has ``warmup_ratio`` (and reads ``warmup_steps`` as a step count); transformers 5 dropped
    ``warmup_ratio`` and reads a ``warmup_steps`` below 1 as a ratio of the total steps (``get_warmup_steps``).
    sentence-transformers re-adds a deprecated ``warmup_ratio`` on its own arguments class, so ask transformers'.
    """
    if "warmup_ratio" in transformers.TrainingArguments.__dataclass_fields__:
        return {"warmup_ratio": ratio}
    if not 0 <= ratio < 1:
        raise ValueError(f"warmup ratio must be in [0, 1), got {ratio}")
    return {"warmup_steps": float(ratio)}


def run_stage(
    stage: int,
    model: SentenceTransformer,
    config: TrainConfig,
    stage_dir: Path,
    resume: bool,
    loss_records: list,
) -> dict[str, Any]:
    """Train one stage into ``stage_dir`` (checkpoints under it); resumes from its last checkpoint when asked.

    Returns what the stage reports: datasets, steps, wall time, samples/s, peak RSS, trainable parameters.
    """
    stage_config: StageConfig = getattr(config, f"stage{stage}")
    use_lora = stage == 1 and stage_config.finetune == "lora"
    lora_model = add_lora(model, stage_config.lora_r, stage_config.lora_alpha) if use_lora else None
    trainable = set_trainable(
        model,
        stage,
        lora=use_lora,
        trainable_layers=stage_config.trainable_layers,
        train_prototypes=stage_config.image_prototypes == "train",
        image_linear=stage_config.image_linear,
    )
    datasets = _stage_datasets(stage, config, model)

    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    for name, dataset in datasets.items():
        if len(dataset) < stage_config.batch_size * world_size:
            raise ValueError(
                f"stage {stage}: dataset {name!r} has {len(dataset)} rows, fewer than one batch of "
                f"{stage_config.batch_size} for each of {world_size} process(es); lower stage{stage}.batch_size or "
                "raise the data caps"
            )
    args = SentenceTransformerTrainingArguments(
        output_dir=str(stage_dir),
        num_train_epochs=stage_config.epochs,
        max_steps=stage_config.max_steps,
        per_device_train_batch_size=stage_config.batch_size,
        learning_rate=stage_config.learning_rate,
        **warmup_arguments(stage_config.warmup_ratio),
        lr_scheduler_type="linear",
        seed=config.seed,
        data_seed=config.seed,
        save_strategy="steps",
        save_steps=stage_config.save_steps,
        save_total_limit=2,
        logging_steps=5,
        report_to=[],
        use_cpu=not torch.cuda.is_available(),
        dataloader_drop_last=True,
        multi_dataset_batch_sampler=stage_config.sampler,
        router_mapping=ROUTER_MAPPING,
        prompts=_prompts(model),
        ddp_backend="gloo" if world_size > 1 and not torch.cuda.is_available() else None,
        # Every parameter takes part in every step (see LossRecorder), so DDP needs no unused-parameter search.
        ddp_find_unused_parameters=False if world_size > 1 else None,
        disable_tqdm=False,
    )
    args.learning_rate_mapping = learning_rate_mapping(model, stage_config)
    train_dataset = DatasetDict(datasets) if len(datasets) > 1 else next(iter(datasets.values()))
    losses = _losses(stage, model, stage_config, list(datasets))
    trainer_ref: dict[str, SentenceTransformerTrainer] = {}

    def current_step() -> int:
        return trainer_ref["trainer"].state.global_step if "trainer" in trainer_ref else 0

    wrapped = {
        name: LossRecorder(loss, name, loss_records, current_step, touch_all_parameters=world_size > 1)
        for name, loss in losses.items()
    }
    trainer = _RankZeroSavingTrainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        loss=wrapped if len(wrapped) > 1 else next(iter(wrapped.values())),
    )
    trainer.lora_model = lora_model
    trainer_ref["trainer"] = trainer
    checkpoint = last_complete_checkpoint(stage_dir) if resume else None
    if checkpoint:
        logger.info(f"Stage {stage}: resuming from {checkpoint}")
    start = time.perf_counter()
    output = trainer.train(resume_from_checkpoint=checkpoint)
    wall = time.perf_counter() - start
    if lora_model is not None:
        merge_lora(model, lora_model)
    return dict(
        stage=stage,
        datasets={name: len(dataset) for name, dataset in datasets.items()},
        steps=trainer.state.global_step,
        wall_seconds=round(wall, 2),
        train_runtime=output.metrics.get("train_runtime"),
        samples_per_second=output.metrics.get("train_samples_per_second"),
        resumed_from=checkpoint,
        trainable_parameters=trainable,
        peak_rss_mb=round(peak_rss_mb(), 1),
        final_loss=output.training_loss,
    )


def last_complete_checkpoint(stage_dir: Path) -> str | None:
    """The newest checkpoint the trainer finished writing; half-written ones (a kill mid-save) are removed.

    The trainer writes ``trainer_state.json`` last, after the weights, optimizer, scheduler and RNG states, so a
    checkpoint without it was interrupted. ``transformers``' own ``get_last_checkpoint`` would pick it anyway.
    """
    if not stage_dir.is_dir():
        return None
    checkpoints = sorted(
        (path for path in stage_dir.glob("checkpoint-*") if path.name.split("-")[-1].isdigit()),
        key=lambda path: int(path.name.split("-")[-1]),
    )
    for path in checkpoints:
        if not (path / "trainer_state.json").is_file():
            logger.warning(f"Removing the incomplete checkpoint {path} (interrupted while it was written)")
            shutil.rmtree(path)
    complete = [path for path in checkpoints if path.exists()]
    return str(complete[-1]) if complete else None


def write_json(path: Path, payload: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf8")
    os.replace(tmp, path)
