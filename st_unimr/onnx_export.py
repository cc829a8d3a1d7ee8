"""ONNX export of a UniMR model's text encoder, and ONNX Runtime inference of it.

``export_onnx(model, path)`` saves the model as usual (``st_unimr.save``) and adds the text route's Transformer as
an ONNX graph inside that module's folder (``<text Transformer folder>/onnx/model.onnx``, or ``model_qint8.onnx``
with ``quantize="int8"``) plus ``onnx_export.json`` at the root, which names the graph. ``st_unimr.load(path,
backend="onnx")`` loads the model and runs that graph with ONNX Runtime in place of the torch Transformer;
tokenisation, pooling, the NLU head and fusion (``NLUFeatureFusion``), normalisation and the whole image route stay
the torch modules they are, so ``intent_logits`` and image embeddings are exactly those of the saved model.

int8 (``quantize="int8"``):

- the word-embedding matrix (250k rows for e5-small, 96 % of its weights) is stored as int8 with one fp32 scale per
  row (symmetric), looked up by ``Gather`` and scaled after the lookup;
- every ``MatMul`` with a weight matrix is quantised dynamically by ONNX Runtime (int8 weights with one scale per
  output channel, activations quantised per batch at run time); the attention products of two activations
  (query·key, probabilities·value) stay fp32.

``OnnxTextModel`` runs a right-padded batch as sub-batches of similar token lengths (:func:`length_groups`): ST sorts
a batch's texts by length but pads them to the longest, and on multilingual queries one long caption can make most
of a batch's positions padding.

Why no ``onnxruntime.transformers.optimizer.optimize_model(model_type="bert")`` pass: ONNX Runtime's own
``ORT_ENABLE_ALL`` session optimisations already fuse SkipLayerNormalization, Gelu and the scaled query·key MatMul and
turn the dynamic-int8 MatMuls into DynamicQuantizeMatMul. On multilingual-e5-small (ONNX Runtime 1.32, 1 thread, int8
embeddings, same outlier MatMuls fp32) the optimizer's graph, quantised after it, was slower than this one: 1.52x
torch fp32 with its fused Attention quantised (QAttention), 1.55x with attention left unfused, against 1.76-1.79x
(the Transformer alone on the benchmark's padded batches, interleaved in one process).

Why not sentence-transformers' own ONNX backend (``SentenceTransformer(..., backend="onnx")``,
``export_dynamic_quantized_onnx_model``): it runs through ``optimum.onnxruntime``, and optimum-onnx (0.1.0, the
newest) requires ``transformers<4.58`` while sentence-transformers 6.2 here runs on transformers 5. The graph written
here follows optimum's layout and names (``onnx/model.onnx``, inputs ``input_ids`` / ``attention_mask`` /
``token_type_ids``, output ``last_hidden_state``).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules import Router, Transformer
from torch import nn

from st_unimr.errors import (
    InvalidCheckpointError,
    InvalidInputError,
    InvalidInputTypeError,
    MissingCheckpointFileError,
)

__all__ = [
    "ONNX_CONFIG_NAME",
    "OnnxTextModel",
    "attach_onnx",
    "export_onnx",
    "export_transformer_onnx",
    "length_groups",
]

#: The root file that marks an ONNX export and names its graph.
ONNX_CONFIG_NAME = "onnx_export.json"
QUANTIZE_CHOICES = (None, "int8")
_FILE_NAMES = {None: "onnx/model.onnx", "int8": "onnx/model_qint8.onnx"}
_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
_OUTPUT_NAME = "last_hidden_state"
_FORMAT = 1
#: A weight MatMul stays fp32 when its input's range over its RMS (averaged over calibration batches) exceeds this:
#: ONNX Runtime quantises activations per tensor, so one outlier feature makes every other one coarse.
OUTLIER_RANGE_RATIO = 100.0
#: Short multilingual queries and documents used to find those outlier inputs (the statistic needs no labels).
CALIBRATION_TEXTS = (
    "query: find a photo of my dog at the beach",
    "query: please help me find a picture of a red bicycle from last month",
    "query: ein Hund am Strand",
    "query: photos de mon chat sur le canapé",
    "query: una foto del perro en el parque",
    "query: 我的狗的照片",
    "query: погода на завтра",
    "query: set an alarm for seven tomorrow morning",
    "query: turn the volume up",
    "query: zeig mir Bilder vom Urlaub in Italien",
    "query: flag of Japan",
    "query: 東京の天気",
    "passage: A dog runs along the beach at sunset.",
    "passage: Un chat dort sur le canapé du salon.",
    "passage: The museum displays paintings, sculptures and musical instruments from many centuries.",
    "passage: Die Brücke verbindet die Altstadt mit dem neuen Hafen.",
)


def export_onnx(
    model: Any,
    path: str | os.PathLike,
    quantize: str | None = None,
    *,
    opset: int = 17,
    quantize_embeddings: bool = True,
    outlier_range_ratio: float | None = OUTLIER_RANGE_RATIO,
    calibration_texts: list[str] | None = None,
) -> Path:
    """Save ``model`` with its text encoder exported to ONNX, for ``st_unimr.load(path, backend="onnx")``.

    The folder is a complete UniMR checkpoint (it still loads with the torch backend) with the text route's
    Transformer also exported as an ONNX graph. See the module docstring for what int8 quantises.

    Args:
        model: A UniMR model (``st_unimr.build_unimr`` / ``st_unimr.load``): a Router whose text route starts with a
            sentence-transformers ``Transformer``.
        path: The model folder to write (replaced as a whole if it holds a saved model, as ``st_unimr.save`` does).
        quantize: ``None`` (fp32 graph) or ``"int8"``.
        opset: ONNX opset of the export.
        quantize_embeddings: With ``"int8"``: also store the word-embedding matrix as int8 (per-row scales).
        outlier_range_ratio: With ``"int8"``: weight MatMuls whose input range over its RMS on ``calibration_texts``
            exceeds this stay fp32 (``None``: quantise them all). On multilingual-e5-small that keeps 3 of 72 (the
            feed-forward down-projections of layers 0, 4 and 5).
        calibration_texts: Texts (with their prompts) for that statistic; ``None``: a built-in multilingual set.

    Returns:
        The model folder.

    Raises:
        InvalidInputError: ``quantize`` is not ``None`` or ``"int8"``, ``opset`` is not an integer >= 14,
            ``outlier_range_ratio`` is not a number > 0 or ``None``, or ``calibration_texts`` is not a list of texts.
        InvalidInputTypeError: ``model`` is not a UniMR model (no Router with a Transformer-led text route).

    Example:
        ::

            import st_unimr

            model = st_unimr.load("outputs/default/final")
            st_unimr.export_onnx(model, "unimr-onnx-int8", quantize="int8")
            fast = st_unimr.load("unimr-onnx-int8", backend="onnx")
            fast.encode_query(["photos of my dog at the beach"])
    """
    if quantize not in QUANTIZE_CHOICES:
        raise InvalidInputError(f"quantize must be None or 'int8', got {quantize!r}")
    if isinstance(opset, bool) or not isinstance(opset, int) or opset < 14:
        raise InvalidInputError(f"opset must be an integer >= 14, got {opset!r}")
    if outlier_range_ratio is not None and (
        isinstance(outlier_range_ratio, bool)
        or not isinstance(outlier_range_ratio, (int, float))
        or not outlier_range_ratio > 0
    ):
        raise InvalidInputError(f"outlier_range_ratio must be a number > 0 or None, got {outlier_range_ratio!r}")
    if calibration_texts is not None and (
        not isinstance(calibration_texts, (list, tuple))
        or not calibration_texts
        or not all(isinstance(text, str) for text in calibration_texts)
    ):
        raise InvalidInputError("calibration_texts must be a non-empty list of strings or None")
    transformer = text_transformer(model)
    require_onnx_runtime()

    from st_unimr.saving import save

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.onnx-", dir=path.parent))
    try:
        file_name = _FILE_NAMES[quantize]
        graph = staging / Path(file_name).name
        keep_fp32: tuple[str, ...] = ()
        if quantize == "int8" and outlier_range_ratio is not None:
            keep_fp32 = outlier_linears(transformer, calibration_texts or list(CALIBRATION_TEXTS), outlier_range_ratio)
        input_names = export_transformer_onnx(
            transformer,
            graph,
            quantize=quantize,
            opset=opset,
            quantize_embeddings=quantize_embeddings,
            keep_fp32=tuple(_node_pattern(name) for name in keep_fp32),
        )
        save(model, path)
        module_dir = _text_module_dir(path)
        target = path / module_dir / file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(graph, target)
        config = {
            "format": _FORMAT,
            "text_module": module_dir,
            "file_name": file_name,
            "quantize": quantize,
            "quantize_embeddings": bool(quantize and quantize_embeddings),
            "fp32_layers": list(keep_fp32),
            "input_names": input_names,
            "output_name": _OUTPUT_NAME,
            "opset": opset,
        }
        (path / ONNX_CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n", encoding="utf8")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def require_onnx_runtime(packages: tuple[str, ...] = ("onnx", "onnxruntime")) -> None:
    """Raise an ImportError with the install command when the ONNX packages are missing."""
    import importlib.util

    missing = [package for package in packages if importlib.util.find_spec(package) is None]
    if missing:
        raise ImportError(
            f"ONNX export and the ONNX backend need {', '.join(missing)}: pip install onnxruntime onnx "
            '(or pip install "st-unimr[bench]")'
        )


def text_transformer(model: Any) -> Transformer:
    """The Transformer that starts a UniMR model's text route.

    Raises:
        InvalidInputTypeError: ``model`` is not such a model.
    """
    router = model[0] if isinstance(model, nn.Sequential) and len(model) else None
    route = list(router.sub_modules["text"]) if isinstance(router, Router) and "text" in router.sub_modules else []
    if not route or not isinstance(route[0], Transformer):
        raise InvalidInputTypeError(
            "model must be a UniMR model (st_unimr.build_unimr / st_unimr.load): a SentenceTransformer whose Router "
            f"has a text route starting with a Transformer; got {type(model).__name__}"
        )
    return route[0]


def outlier_linears(
    transformer: Transformer, texts: list[str], ratio: float = OUTLIER_RANGE_RATIO, batch_size: int = 16
) -> list[str]:
    """Names of the model's Linear layers whose input range over its RMS, averaged over batches of ``texts``,
    exceeds ``ratio``: those a per-tensor dynamic int8 quantisation of activations hurts most."""
    model = transformer.model
    totals: dict[str, list[float]] = {}

    def hook(name: str):
        def record(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            x = inputs[0].detach().float()
            rms = x.pow(2).mean().sqrt().clamp_min(1e-12)
            totals.setdefault(name, []).append(float((x.max() - x.min()) / rms))

        return record

    handles = [
        module.register_forward_pre_hook(hook(name))
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear)
    ]
    try:
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                batch = transformer.tokenizer(
                    list(texts[start : start + batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=transformer.max_seq_length,
                    return_tensors="pt",
                )
                device = next(model.parameters()).device
                model(**{key: value.to(device) for key, value in batch.items()})
    finally:
        for handle in handles:
            handle.remove()
    return [name for name, values in totals.items() if sum(values) / len(values) > ratio]


def _node_pattern(module_name: str) -> str:
    """A regular expression for the ONNX nodes of a submodule: ``encoder.layer.4.output.dense`` exports as
    ``/model/encoder/layer.4/output/dense/MatMul``."""
    path = re.sub(r"/(\d+)(?=/|$)", r".\1", "/" + module_name.replace(".", "/"))
    return re.escape(path + "/")


class _PositionalForward(nn.Module):
    """Calls a transformers model with named inputs given positionally, returning ``last_hidden_state``."""

    def __init__(self, model: nn.Module, input_names: list[str]) -> None:
        super().__init__()
        self.model = model
        self.input_names = input_names

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        return self.model(**dict(zip(self.input_names, tensors)), return_dict=True).last_hidden_state


class _Int8Embedding(nn.Module):
    """An embedding table stored as int8 with one symmetric fp32 scale per row; exports to Gather → Cast → Mul."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        weight = weight.detach().float()
        scale = weight.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127.0
        self.register_buffer("qweight", torch.round(weight / scale).clamp(-127, 127).to(torch.int8))
        self.register_buffer("scale", scale)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.qweight[input_ids].float() * self.scale[input_ids]


def export_transformer_onnx(
    transformer: Transformer,
    path: str | os.PathLike,
    quantize: str | None = None,
    opset: int = 17,
    quantize_embeddings: bool = True,
    per_channel: bool = True,
    keep_fp32: tuple[str, ...] = (),
) -> list[str]:
    """Export a sentence-transformers Transformer module's model to one ONNX file (dynamic batch and sequence axes).

    ``keep_fp32``: regular expressions; with ``quantize="int8"``, weight MatMuls whose node name matches one (e.g.
    ``r"/output/dense/"``: the feed-forward down-projections) stay fp32.

    Returns:
        The graph's input names (those the tokenizer produces and the model takes), in the graph's order.
    """
    path = Path(path)
    sample = transformer.tokenizer(["query: a sample", "query: another longer sample text"], padding=True)
    input_names = [name for name in _INPUT_NAMES if name in sample]
    tensors = tuple(torch.tensor(sample[name]) for name in input_names)
    hf_model = copy.deepcopy(transformer.model).eval()
    if hasattr(hf_model, "set_attn_implementation"):
        # The SDPA path exports the attention with NaN guards (IsNaN / Where over every score, ~10 % of the int8
        # graph's time); the eager path exports the plain MatMul → Add mask → Softmax → MatMul. Same function.
        try:
            hf_model.set_attn_implementation("eager")
        except (ValueError, ImportError, AttributeError):
            pass
    if quantize == "int8" and quantize_embeddings:
        embeddings = hf_model.get_input_embeddings()
        hf_model.set_input_embeddings(_Int8Embedding(embeddings.weight))
    wrapper = _PositionalForward(hf_model, input_names).eval()
    axes = {name: {0: "batch", 1: "sequence"} for name in [*input_names, _OUTPUT_NAME]}
    fp32_path = path.with_name(path.stem + ".fp32.onnx") if quantize else path
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper,
            tensors,
            str(fp32_path),
            input_names=input_names,
            output_names=[_OUTPUT_NAME],
            dynamic_axes=axes,
            opset_version=opset,
            dynamo=False,
        )
    if quantize == "int8":
        _quantize_dynamic_int8(fp32_path, path, per_channel=per_channel, keep_fp32=keep_fp32)
        fp32_path.unlink()
    return input_names


def _weight_matmuls(path: Path) -> tuple[list[str], list[str]]:
    """Names of the MatMul nodes with a constant (weight) input, and of those multiplying two activations."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    constants = {init.name for init in graph.initializer}
    constants |= {out for node in graph.node if node.op_type == "Constant" for out in node.output}
    weighted, activations = [], []
    for node in graph.node:
        if node.op_type == "MatMul":
            (weighted if any(name in constants for name in node.input) else activations).append(node.name)
    return weighted, activations


def _quantize_dynamic_int8(source: Path, target: Path, per_channel: bool = True, keep_fp32: tuple[str, ...] = ()):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    weighted, activations = _weight_matmuls(source)
    kept = [name for name in weighted if any(re.search(pattern, name) for pattern in keep_fp32)]
    weighted = [name for name in weighted if name not in kept]
    activations += kept
    quantize_dynamic(
        str(source),
        str(target),
        op_types_to_quantize=["MatMul"],
        per_channel=per_channel,
        weight_type=QuantType.QInt8,
        nodes_to_quantize=weighted,
        nodes_to_exclude=activations,
    )


class OnnxTextModel(nn.Module):
    """Stands in for a Transformer module's ``transformers`` model: runs its ONNX graph with ONNX Runtime.

    Args:
        path: The ONNX file.
        config: The original model's config (the Transformer module reads it).
        input_names: Graph inputs.
        threads: ONNX Runtime intra-op threads (``None``: ONNX Runtime's default, all cores).
        unpad: Run a right-padded batch as sub-batches of similar lengths, each trimmed to its longest text (see
            :func:`length_groups`), instead of the whole batch padded to its longest text. Real tokens get the same
            hidden states either way (attention masks padding out); padded positions past a sub-batch's longest
            text are zeros instead of the values the model computes for pad tokens, which pooling and the NLU head
            never read. With int8 the activation scales are then computed per sub-batch.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        config: Any,
        input_names: list[str],
        threads: int | None = None,
        unpad: bool = True,
    ):
        super().__init__()
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.config = config
        self.input_names = list(input_names)
        self.path = str(path)
        self.unpad = unpad

    def save_pretrained(self, *args: Any, **kwargs: Any) -> None:
        raise InvalidInputError(
            f"this model runs its text encoder from the ONNX graph {self.path} and has no torch weights to save; "
            "load the exported folder with backend='torch' to save or train it"
        )

    def forward(self, **inputs: Any) -> dict[str, torch.Tensor]:
        feeds = {name: inputs[name].detach().cpu().numpy().astype(np.int64) for name in self.input_names}
        mask = feeds.get("attention_mask")
        lengths = _right_padded_lengths(mask) if self.unpad and mask is not None else None
        if lengths is None or lengths.min() == mask.shape[1]:
            (hidden,) = self.session.run([_OUTPUT_NAME], feeds)
            return {_OUTPUT_NAME: torch.from_numpy(hidden)}
        # Sorted by ST by text length, a batch's texts still differ in tokens (one long text pads the other 31 to
        # its length): every padded position costs as much as a real token in every layer.
        hidden = None
        for rows in length_groups(lengths):
            width = int(lengths[rows].max())
            (part,) = self.session.run([_OUTPUT_NAME], {name: feed[rows, :width] for name, feed in feeds.items()})
            if hidden is None:
                hidden = np.zeros((*mask.shape, part.shape[-1]), dtype=part.dtype)
            hidden[rows, :width] = part
        return {_OUTPUT_NAME: torch.from_numpy(hidden)}


#: What one more ONNX Runtime run costs, in token positions: on the int8 multilingual-e5-small graph, 1 thread, a run
#: of one 2-token text took ~2 ms and each further token ~0.12 ms. :func:`length_groups` splits a batch only where
#: the padding it saves outweighs that.
RUN_COST_TOKENS = 16


def _right_padded_lengths(mask: np.ndarray) -> np.ndarray | None:
    """Each row's token count when every row is ones then zeros (right padding), else ``None``."""
    lengths = mask.sum(axis=1)
    if not np.array_equal(mask != 0, np.arange(mask.shape[1]) < lengths[:, None]):
        return None
    return lengths


def length_groups(lengths: np.ndarray, run_cost: int = RUN_COST_TOKENS) -> list[np.ndarray]:
    """Split a batch into groups of rows that minimise padded positions plus ``run_cost`` per group.

    Rows sorted by length; each group is a run of consecutive ones, chosen by dynamic programming: the cost of a group
    is ``run_cost`` plus its size times its longest length.

    Returns:
        Row indices of each group, the longest group first.
    """
    order = np.argsort(-lengths, kind="stable")
    ordered = lengths[order].astype(np.int64)
    count = len(ordered)
    best = np.zeros(count + 1, dtype=np.int64)  # best[j]: cost of the first j rows
    start = np.zeros(count + 1, dtype=np.int64)
    for end in range(1, count + 1):
        # A group of rows first..end-1 costs run_cost + (end - first) * ordered[first] (the longest is first).
        firsts = np.arange(end)
        costs = best[:end] + run_cost + (end - firsts) * ordered[:end]
        start[end] = int(np.argmin(costs))
        best[end] = costs[start[end]]
    groups, end = [], count
    while end > 0:
        groups.append(order[start[end] : end])
        end = int(start[end])
    return groups[::-1]


def _text_module_dir(path: Path) -> str:
    router = json.loads((path / Router.config_file_name).read_text(encoding="utf8"))
    return router["structure"]["text"][0]


def read_onnx_config(path: str | os.PathLike) -> dict[str, Any]:
    """The ``onnx_export.json`` of an exported folder, checked.

    Raises:
        MissingCheckpointFileError: The folder was not written by :func:`export_onnx`, or its graph is missing.
        InvalidCheckpointError: The file is not valid JSON or a field is wrong.
    """
    path = Path(path)
    where = path / ONNX_CONFIG_NAME
    if not where.is_file():
        raise MissingCheckpointFileError(
            f"{where} not found: {str(path)!r} holds no ONNX export; write one with "
            "st_unimr.export_onnx(model, path), or load it with the torch backend"
        )
    try:
        config = json.loads(where.read_text(encoding="utf8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidCheckpointError(f"{where}: not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise InvalidCheckpointError(f"{where}: expected a JSON object, got {type(config).__name__}")
    for field in ("text_module", "file_name"):
        value = config.get(field)
        if not isinstance(value, str) or not value or Path(value).is_absolute() or ".." in Path(value).parts:
            raise InvalidCheckpointError(f"{where}: field {field!r} must be a relative path, got {value!r}")
    names = config.get("input_names")
    if not isinstance(names, list) or not names or not set(names) <= set(_INPUT_NAMES):
        raise InvalidCheckpointError(f"{where}: field 'input_names' must be a subset of {list(_INPUT_NAMES)}")
    graph = path / config["text_module"] / config["file_name"]
    if not graph.is_file():
        raise MissingCheckpointFileError(f"{graph} not found (named by {where})")
    return config


def attach_onnx(model: Any, path: str | os.PathLike, threads: int | None = None) -> Any:
    """Run ``model``'s text Transformer with the ONNX graph exported in ``path``; the torch weights it replaces are
    dropped. Returns ``model``."""
    config = read_onnx_config(path)
    transformer = text_transformer(model)
    require_onnx_runtime(("onnxruntime",))
    graph = Path(path) / config["text_module"] / config["file_name"]
    transformer.model = OnnxTextModel(graph, transformer.model.config, config["input_names"], threads)
    transformer.backend = "onnx"
    return model
