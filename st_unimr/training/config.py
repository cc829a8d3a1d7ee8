"""The training configuration: YAML files (the packaged ones in ``st_unimr/training/configs/``), validated into
dataclasses."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from st_unimr.errors import ConfigError

__all__ = [
    "CONFIG_DIR",
    "ConfigError",
    "DataConfig",
    "ModelConfig",
    "StageConfig",
    "TrainConfig",
    "load_config",
    "packaged_configs",
    "resolve_config_path",
]

#: The configs that ship with the package (``default``, ``quick``, ``full``): ``--config NAME`` finds them anywhere.
CONFIG_DIR = Path(__file__).parent / "configs"
#: Where the configs lived in the repository before they moved into the package; paths into it still resolve.
_LEGACY_CONFIG_PARTS = ("training", "configs")


@dataclass
class ModelConfig:
    """What ``st_unimr.build_unimr`` builds. ``None`` model names mean the offline defaults; ``"tiny"`` builds a tiny
    random model on the fly (smoke tests only)."""

    text_model: str | None = None
    image_model: str | None = None
    fusion: Literal["gated", "none"] = "gated"
    intent_pooling: Literal["mean", "attention"] = "mean"
    nlu_hidden_features: int = 256
    # the slot tagger (content / time / place) with content-weighted fusion, and the search intents (issue 13)
    slot_tagging: bool = False
    # how the content fusion finds a request's content: "pool" (its token embeddings, weighted by the tagger) or
    # "reencode" (the encoder run again on the content tokens alone)
    content_route: Literal["pool", "reencode"] = "pool"
    # the route the trained model keeps, set once stage 3 has trained (null: content_route); the route changes no
    # weight, so a model trained with "pool" can embed search requests with "reencode"
    inference_content_route: Literal["pool", "reencode"] | None = None
    # which texts the pooled content move applies to: "always" (every text) or "search" (weighted by the intent
    # head's search probability: requests move toward their content, photo titles and captions stay)
    content_gate: Literal["always", "search"] = "always"
    num_trainable_image_blocks: int = 0
    # Truncation while training (short captions and intents train faster at 32). Evaluation and the saved models use
    # inference_max_seq_length (null: the text encoder's full length, 512 for e5-small), so long texts are not cut.
    max_seq_length: int | None = 128
    inference_max_seq_length: int | None = None


@dataclass
class DataConfig:
    """Where each task's data comes from, and how many rows of each embedded dataset to use. Row caps pick whole
    concepts / templates deterministically; they cut the embedded data only (the user's datasets train in full)."""

    # task -> its data: "bundle" (the embedded dataset), local paths (JSONL, CSV, TSV, Parquet, a save_to_disk or
    # data-file folder) and Hub dataset ids ("org/name" or "org/name:config"), one or a list. A task without an entry
    # trains on the bundle. `--dataset TASK=PATH_OR_HUB_ID` replaces a task's entry, `--dataset TASK+=...` adds to it.
    datasets: dict[str, str | list[str]] = field(default_factory=dict)
    # a user's dataset without a dev / test split: this share of its groups is held out for each
    holdout: float = 0.1

    image_text_train_concepts: int | None = 600
    image_text_rows_per_concept: int = 5
    text_pairs_train_rows: int | None = 4000
    intents_train_rows: int | None = 4000
    # the `requests` dataset (search requests with slots): NLU rows beside the intents, and stage-3 retrieval pairs
    requests_train_rows: int | None = 3000
    # plain texts (image_text captions, text_pairs sentences of the train splits) tagged as all content, for the slot
    # tagger only (no intent): a text that is not a request has no frame around its content
    plain_train_rows: int = 0
    requests_image_train_rows: int | None = 1600
    requests_text_train_rows: int | None = 1600
    request_dev_rows: int | None = 300
    request_test_rows: int | None = None
    dev_queries: int = 300
    test_queries: int = 1000
    intent_dev_rows: int | None = 1000
    intent_test_rows: int | None = None


@dataclass
class StageConfig:
    """One training stage. ``tasks`` applies to stage 3 only (``image_text``, ``text_pairs``, ``intents``,
    ``requests_image``, ``requests_text``)."""

    enabled: bool = True
    epochs: float = 1.0
    max_steps: int = -1
    batch_size: int = 32
    learning_rate: float = 2e-5
    warmup_ratio: float = 0.1
    save_steps: int = 50
    # stages 1 and 3: how many top transformer blocks of the text encoder train (null: all but the embeddings)
    trainable_layers: int | None = None
    # stage 1
    finetune: Literal["full", "lora"] = "full"
    lora_r: int = 16
    lora_alpha: int = 32
    matryoshka_dims: list[int] = field(default_factory=lambda: [384, 256, 128, 64])  # stages 1 and 3 ([384]: off in 3)
    # stage 3
    tasks: list[str] = field(default_factory=lambda: ["image_text", "text_pairs", "intents"])
    sampler: Literal["round_robin", "proportional"] = "round_robin"
    head_learning_rate: float | None = None
    # the fusion gate's scale starts at 0 (a fresh model embeds like its encoder); null: it trains at the head rate
    fusion_learning_rate: float | None = None
    # the content fusion's scale (also 0 at the start); null: the head rate
    content_fusion_learning_rate: float | None = None
    # stage 3 starts the content fusion's scale here once stage 2 has trained the slot tagger (null: it stays at 0);
    # 1.0 embeds a request as its content-weighted token pooling
    content_fusion_start: float | None = None
    # weight of the slot-tagging term beside the intent term (models with a slot tagger)
    slot_weight: float = 1.0
    # stage 2: then the intent head alone trains this many epochs on the frozen encoder's embeddings, computed once
    # (0: off); stage 2's own epochs, which run the encoder at every step, leave it short of a linear probe
    intent_head_epochs: int = 0
    intent_head_learning_rate: float = 1e-3
    # stage 3, image route: what trains, and what keeps the zero-shot (ImageNet) knowledge of the offline head
    image_prototypes: Literal["train", "frozen"] = "train"
    image_linear: bool = True  # the linear path over the backbone's pooled feature (starts at zero)
    image_uniformity_weight: float = 0.0  # Global Orthogonal Regularization on the batch's image embeddings
    image_prototype_anchor: float = 0.0  # pulls trained prototypes back toward the zero-shot head
    # null: the prototypes train at the head rate, at which 50 image batches barely move them
    prototype_learning_rate: float | None = None
    # gate the linear path per image by its similarity to the stage-3 training images' backbone features, so images
    # of other domains (photographs) keep the zero-shot embedding
    image_domain_gate: bool = False
    # the gate is half open at this quantile of the training images' own neighbour similarities
    image_domain_gate_quantile: float = 0.05
    image_domain_gate_softness: float = 0.01  # width of the gate's transition, in cosine similarity
    # false: image_text trains the image route only (captions embedded without gradient), so the text space is not
    # pulled toward the emoji/flag/clip-art images, which cost real-photo retrieval
    image_text_text_gradient: bool = True
    # recompute the zero-shot prototypes with the current text encoder before stage 3 (stage 1 moved the text
    # space) and, when they are frozen, after it
    refresh_zero_shot_head: bool = False
    # stage 3: then the image route's linear path alone trains this many epochs on cached caption embeddings (the
    # final text encoder's) and backbone features of the image_text training rows (0: off); stage 3 itself sees 50
    # batches of captions. With image_domain_gate the gate is fitted on the same images first.
    image_head_epochs: int = 0
    image_head_learning_rate: float = 1e-3
    image_head_batch_size: int = 64
    # how many of the bundle's image_text training concepts and captions per concept the fit uses (null: all);
    # your own image_text data is used in full
    image_head_concepts: int | None = None
    image_head_rows_per_concept: int | None = None
    # the fit also learns from stage 3's photo-search request -> image pairs (``requests_image``, capped by
    # data.requests_image_train_rows), each request embedded as the model embeds queries (with its fusion), so images
    # land where requests for them land and not only where their captions do (issue 13)
    image_head_requests: bool = False
    # requests_text: weight of the cosine distance between a request's embedding and its plain content's (embedded
    # without gradient), beside the ranking loss; 0: the ranking loss alone
    request_content_weight: float = 0.0
    # keep this fraction of the stage's weight change (WiSE-FT: start + w * (end - start)); 1 keeps the stage's
    # weights. Stage 3 applies it before the image head's fit: its training domains cost real-photo retrieval.
    weight_interpolation: float = 1.0


@dataclass
class TrainConfig:
    """The whole run: model, data, three stages, where to write."""

    output_dir: str = "outputs/default"
    seed: int = 42
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    stage1: StageConfig = field(default_factory=StageConfig)
    stage2: StageConfig = field(default_factory=lambda: StageConfig(learning_rate=1e-3))
    stage3: StageConfig = field(default_factory=StageConfig)
    evaluate_untrained: bool = True
    # The evaluation-only real-photo check (st_unimr.evaluation.real_photo_check) beside every dev evaluation, and
    # per-domain image figures beside the test split: a model that forgets photographs shows it at once.
    evaluate_real_photos: bool = True
    # Keep the frozen image backbone's outputs in memory for the whole run (training and evaluation): exact.
    cache_image_features: bool = True
    # Stage 2 (frozen encoder): its token embeddings computed once per distinct text, without dropout, for the heads'
    # epochs and the intent-head fit (st_unimr.training.frozen_text_features).
    cache_text_features: bool = True


_SECTIONS = {"model": ModelConfig, "data": DataConfig, "stage1": StageConfig, "stage2": StageConfig}
_SECTIONS["stage3"] = StageConfig


def _build(cls: type, values: dict[str, Any], where: str, source: str) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"{source}: {where} must be a mapping, got {type(values).__name__}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {unknown} in {where}; known: {sorted(known)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in values.items():
        kwargs[key] = _check_type(value, hints[key], f"{where}.{key}", source)
    return cls(**kwargs)


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(repr(choice) for choice in typing.get_args(hint))
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return "a list" if item is Any else f"a list of {_describe(item).removeprefix('a ').removeprefix('an ')}s"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}.get(hint, str(hint))


def _check_type(value: Any, hint: Any, key: str, source: str) -> Any:
    """``value`` if it fits the field's type hint (``Literal`` choices, ``X | None``, bool, int, float, str and
    ``list[...]`` item by item); numbers written like ``1e-2`` (a string to YAML 1.1) become floats. Raises
    ConfigError naming the file and the key otherwise."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(hint)
        if value is None:
            if type(None) in members:
                return None
            raise ConfigError(f"{source}: {key} must not be null")
        rest = [member for member in members if member is not type(None)]
        if len(rest) == 1:
            return _check_type(value, rest[0], key, source)
        for member in rest:
            try:
                return _check_type(value, member, key, source)
            except ConfigError:
                continue
        raise ConfigError(f"{source}: {key} must be {' or '.join(_describe(m) for m in rest)}, got {value!r}")
    if value is None:
        raise ConfigError(f"{source}: {key} must not be null")
    if origin is Literal:
        choices = typing.get_args(hint)
        # type() too: YAML reads `yes`/`1` as True/1, which equal 1/True but are not the written choice
        if not any(value == choice and type(value) is type(choice) for choice in choices):
            raise ConfigError(
                f"{source}: {key} must be one of {', '.join(repr(choice) for choice in choices)}, got {value!r}"
            )
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {key} must be true or false, got {value!r}")
        return value
    if hint in (int, float):
        if isinstance(value, str) and hint is float:
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{source}: {key} must be a number, got {value!r}")
        if hint is int and not isinstance(value, int):
            raise ConfigError(f"{source}: {key} must be a whole number, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {key} must be a string, got {value!r}")
        return value
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {key} must be a mapping, got {value!r}")
        key_hint, value_hint = typing.get_args(hint) or (Any, Any)
        return {
            _check_type(name, key_hint, key, source): _check_type(item, value_hint, f"{key}.{name}", source)
            for name, item in value.items()
        }
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{source}: {key} must be {_describe(hint)}, got {value!r}")
        (item,) = typing.get_args(hint) or (Any,)
        return [_check_type(element, item, f"{key}[{index}]", source) for index, element in enumerate(value)]
    return value


def packaged_configs() -> list[str]:
    """The names of the configs that ship with the package, for ``--config NAME``.

    Example:
        ::

            from st_unimr.training.config import packaged_configs

            print(packaged_configs())  # ['default', 'full', 'quick']
    """
    return sorted(path.stem for path in CONFIG_DIR.glob("*.yaml"))


def resolve_config_path(path: str | Path) -> Path:
    """The YAML file ``path`` names: an existing file first, else a packaged config.

    A bare name (``quick``, ``quick.yaml``) names a packaged config, so a pip-installed package trains without a
    repository checkout. ``training/configs/NAME.yaml``, where the configs lived before they moved into the package,
    resolves to the packaged ``NAME.yaml`` as long as no such file exists, so commands written for it keep working.

    Args:
        path: A file path or a packaged config's name.

    Returns:
        The file to read (``path`` itself when it names nothing known: reading it then reports it missing).

    Example:
        ::

            from st_unimr.training.config import resolve_config_path

            resolve_config_path("quick")                          # .../st_unimr/training/configs/quick.yaml
            resolve_config_path("training/configs/quick.yaml")    # the same file, from a repository checkout
            resolve_config_path("my.yaml")                        # Path("my.yaml")
    """
    given = Path(path)
    if given.is_file():
        return given
    packaged = CONFIG_DIR / (given.name if given.suffix == ".yaml" else f"{given.name}.yaml")
    bare = given.parent == Path(".")
    legacy = given.parent.parts[-2:] == _LEGACY_CONFIG_PARTS
    if (bare or legacy) and packaged.is_file():
        return packaged
    return given


def load_config(
    path: str | Path, overrides: list[str] | None = None, datasets: list[str] | None = None
) -> TrainConfig:
    """Read a YAML config, apply ``section.key=value`` overrides and ``--dataset`` options, and validate it.

    Args:
        path: The YAML file, or a packaged config's name (``default``, ``quick``, ``full``; see
            :func:`resolve_config_path`).
        overrides: ``section.key=value`` strings (values read as YAML).
        datasets: ``TASK=PATH_OR_HUB_ID`` (the task's data becomes that, with every further ``TASK=`` for the same
            task added) or ``TASK+=PATH_OR_HUB_ID`` (added to the task's data: the bundle, or what the config says).
            ``bundle`` names the embedded data.

    Raises:
        ConfigError: Unknown keys, wrong types or invalid values, naming the file and the key; a malformed
            ``--dataset`` or one naming a task that takes no user data.
    """
    path = resolve_config_path(path)
    source = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(
            f"Config file not found: {source} (packaged configs, by name: {', '.join(packaged_configs())})"
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping")
    overridden: dict[str, str] = {}
    for override in overrides or []:
        key, sep, value = override.partition("=")
        if not sep:
            raise ConfigError(f"override {override!r} must look like section.key=value")
        overridden[key.strip()] = override
        target = raw
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = yaml.safe_load(value)
    if datasets:
        data = raw.setdefault("data", {})
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: data must be a mapping, got {type(data).__name__}")
        data["datasets"] = _apply_dataset_options(data.get("datasets") or {}, datasets)
    try:
        return _config_from(raw, source)
    except ConfigError as exc:
        # A bad value given with --set is named as given there, not as if the YAML file held it.
        message = str(exc).removeprefix(f"{source}: ")
        unknown = message.split("; known")[0] if message.startswith("unknown ") else ""
        for key, override in overridden.items():
            parent, _, leaf = key.rpartition(".")
            named = unknown and f"'{leaf}'" in unknown and unknown.endswith(f" in {parent}" if parent else "]")
            if named or message.startswith((f"{key} ", f"{key}:", f"{key}[")):
                raise ConfigError(f"--set {override}: {message}") from None
        raise


def _config_from(raw: dict[str, Any], source: str) -> TrainConfig:
    """The validated :class:`TrainConfig` of a parsed YAML mapping (overrides applied); errors name ``source``."""
    top = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(raw) - top)
    if unknown:
        raise ConfigError(f"{source}: unknown top-level key(s) {unknown}; known: {sorted(top)}")
    hints = typing.get_type_hints(TrainConfig)
    kwargs = {key: _check_type(value, hints[key], key, source) for key, value in raw.items() if key not in _SECTIONS}
    for name, cls in _SECTIONS.items():
        if name in raw:
            kwargs[name] = _build(cls, raw[name], name, source)
    config = TrainConfig(**kwargs)
    _validate(config, source)
    return config


def _apply_dataset_options(current: Any, options: list[str]) -> Any:
    """``data.datasets`` after the ``--dataset`` options (see :func:`load_config`)."""
    from st_unimr.training.task_registry import user_data_task_names

    if not isinstance(current, dict):
        return current  # the type check names it
    result = {task: [value] if isinstance(value, str) else list(value) for task, value in current.items()}
    replaced: set[str] = set()
    for option in options:
        task, sep, value = option.partition("=")
        task, add = (task[:-1], True) if task.endswith("+") else (task, False)
        task = task.strip()
        if not sep or not task or not value.strip():
            raise ConfigError(f"--dataset {option!r} must look like TASK=PATH_OR_HUB_ID or TASK+=PATH_OR_HUB_ID")
        if task not in user_data_task_names():
            raise ConfigError(
                f"--dataset {option!r}: unknown task {task!r}; tasks that take your data: "
                f"{', '.join(user_data_task_names())}"
            )
        if add:
            result[task] = [*result.get(task, ["bundle"]), value.strip()]
        elif task in replaced:
            result[task].append(value.strip())
        else:
            result[task] = [value.strip()]
            replaced.add(task)
    return result


def _validate(config: TrainConfig, source: str) -> None:
    if config.model.fusion not in ("gated", "none"):
        raise ConfigError(f"{source}: model.fusion must be 'gated' or 'none', got {config.model.fusion!r}")
    if config.stage1.finetune not in ("full", "lora"):
        raise ConfigError(f"{source}: stage1.finetune must be 'full' or 'lora', got {config.stage1.finetune!r}")
    from st_unimr.training.task_registry import stage3_task_names, user_data_task_names

    bad_tasks = sorted(set(config.stage3.tasks) - set(stage3_task_names()))
    if bad_tasks or not config.stage3.tasks:
        raise ConfigError(f"{source}: stage3.tasks must be a non-empty subset of {', '.join(stage3_task_names())}")
    datasets = {}
    for task, value in config.data.datasets.items():
        if task not in user_data_task_names():
            raise ConfigError(
                f"{source}: data.datasets.{task}: unknown task {task!r}; tasks that take your data: "
                f"{', '.join(user_data_task_names())}"
            )
        sources = [value] if isinstance(value, str) else list(value)
        if not sources or any(not item.strip() for item in sources):
            raise ConfigError(f"{source}: data.datasets.{task} must name at least one source, none of them empty")
        datasets[task] = [item.strip() for item in sources]
    config.data.datasets = datasets
    if not 0 < config.data.holdout < 0.5:
        raise ConfigError(f"{source}: data.holdout must be in (0, 0.5), got {config.data.holdout}")
    if config.stage3.sampler not in ("round_robin", "proportional"):
        raise ConfigError(f"{source}: stage3.sampler must be 'round_robin' or 'proportional'")
    minimums = {
        "model.nlu_hidden_features": 1,
        "model.num_trainable_image_blocks": 0,
        "model.max_seq_length": 1,
        "model.inference_max_seq_length": 1,
        "data.image_text_train_concepts": 1,
        "data.image_text_rows_per_concept": 1,
        "data.text_pairs_train_rows": 1,
        "data.intents_train_rows": 1,
        "data.dev_queries": 1,
        "data.test_queries": 1,
        "data.intent_dev_rows": 1,
        "data.intent_test_rows": 1,
        "data.requests_train_rows": 1,
        "data.requests_image_train_rows": 1,
        "data.requests_text_train_rows": 1,
        "data.request_dev_rows": 1,
        "data.request_test_rows": 1,
    }
    if config.data.plain_train_rows < 0:
        raise ConfigError(f"{source}: data.plain_train_rows must be >= 0, got {config.data.plain_train_rows}")
    for name in ("stage1", "stage2", "stage3"):
        stage: StageConfig = getattr(config, name)
        if stage.batch_size < 2:
            raise ConfigError(f"{source}: {name}.batch_size must be >= 2 (in-batch negatives), got {stage.batch_size}")
        rates = ("learning_rate", "head_learning_rate", "fusion_learning_rate", "content_fusion_learning_rate")
        rates += ("intent_head_learning_rate", "image_head_learning_rate")
        for key in (*rates, "prototype_learning_rate", "epochs"):
            value = getattr(stage, key)
            if value is not None and not value > 0:
                raise ConfigError(f"{source}: {name}.{key} must be > 0, got {value}")
        if stage.max_steps != -1 and stage.max_steps < 1:
            raise ConfigError(
                f"{source}: {name}.max_steps must be >= 1, or -1 for whole epochs; got {stage.max_steps}"
            )
        for key in ("image_uniformity_weight", "image_prototype_anchor", "slot_weight", "request_content_weight"):
            if getattr(stage, key) < 0:
                raise ConfigError(f"{source}: {name}.{key} must be >= 0, got {getattr(stage, key)}")
        if stage.image_prototypes not in ("train", "frozen"):
            raise ConfigError(
                f"{source}: {name}.image_prototypes must be 'train' or 'frozen', got {stage.image_prototypes!r}"
            )
        if not 0 <= stage.weight_interpolation <= 1:
            raise ConfigError(
                f"{source}: {name}.weight_interpolation must be in [0, 1], got {stage.weight_interpolation}"
            )
        if not 0 <= stage.warmup_ratio < 1:
            raise ConfigError(f"{source}: {name}.warmup_ratio must be in [0, 1), got {stage.warmup_ratio}")
        minimums.update({f"{name}.save_steps": 1, f"{name}.trainable_layers": 0, f"{name}.lora_r": 1})
        minimums[f"{name}.intent_head_epochs"] = 0
        minimums[f"{name}.image_head_epochs"] = 0
        minimums[f"{name}.image_head_batch_size"] = 2
        minimums[f"{name}.image_head_concepts"] = 1
        minimums[f"{name}.image_head_rows_per_concept"] = 1
        if not 0 < stage.image_domain_gate_quantile < 1:
            raise ConfigError(
                f"{source}: {name}.image_domain_gate_quantile must be in (0, 1), "
                f"got {stage.image_domain_gate_quantile}"
            )
        if not stage.image_domain_gate_softness > 0:
            raise ConfigError(
                f"{source}: {name}.image_domain_gate_softness must be > 0, got {stage.image_domain_gate_softness}"
            )
        minimums[f"{name}.lora_alpha"] = 1
        bad_dims = [
            dim for dim in stage.matryoshka_dims if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1
        ]
        if bad_dims or not stage.matryoshka_dims:
            raise ConfigError(
                f"{source}: {name}.matryoshka_dims must be a non-empty list of positive integers, got "
                f"{stage.matryoshka_dims}"
            )
    for key, minimum in minimums.items():
        section, field_name = key.split(".")
        value = getattr(getattr(config, section), field_name)
        if value is not None and value < minimum:
            raise ConfigError(f"{source}: {key} must be >= {minimum}, got {value}")
