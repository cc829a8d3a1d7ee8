"""Optimised CPU inference of the text route: int8 dynamic quantisation and ONNX Runtime.

Variants of the same UniMR model, differing only in how the text Transformer runs (tokenisation, pooling,
NLUFeatureFusion, normalisation and the image route are unchanged):

- ``torch_fp32``: the model as loaded (the reference).
- ``torch_int8``: ``torch.ao.quantization.quantize_dynamic`` on the Transformer's Linear layers (int8 weights,
  dynamic int8 activations; embeddings stay fp32).
- ``onnx_fp32``: ``st_unimr.export_onnx(model, folder)`` loaded with ``st_unimr.load(folder, backend="onnx")``: the
  Transformer as an ONNX graph run by ONNX Runtime.
- ``onnx_int8``: the same with ``quantize="int8"``: int8 word-embedding table (one scale per row) and ONNX Runtime's
  dynamic int8 quantisation of the weight MatMuls (one scale per output channel). Like every ``backend="onnx"``
  model it runs a padded batch as sub-batches of similar token lengths (``OnnxTextModel(unpad=True)``).
- ``onnx_int8_padded``: the same graph run on the whole batch padded to its longest text, as torch runs it
  (``unpad=False``): what the graph alone gains.

Speed: queries/s at one batch size (interleaved repeats, medians) and batch-1 latency, as ratios to ``torch_fp32``.
Quality: text→image and text→text recall@10 on the TEST splits with the project's evaluators, and the change in
points.

Usage::

    python benchmarks/optimised_inference.py [--model outputs/default/final] [--n 128] [--eval-queries 500]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
from torch import nn

from benchmarks.common import (
    add_common_arguments,
    interleaved_timings,
    load_model,
    median,
    multilingual_queries,
    percentile,
    set_threads,
    target,
    write_result,
)
from benchmarks.models import text_route
from st_unimr.onnx_export import ONNX_CONFIG_NAME

__all__ = ["build_variants", "main", "run"]

NAME = "optimised_inference"
VARIANTS = ["torch_fp32", "torch_int8", "onnx_fp32", "onnx_int8", "onnx_int8_padded"]


def build_variants(model: Any, workdir: Path, threads: int, names: list[str] = VARIANTS) -> dict[str, Any]:
    """Copies of ``model`` whose text Transformer runs as each variant (``torch_fp32``: unchanged).

    The ONNX variants go through the public API: ``st_unimr.export_onnx(model, folder, quantize=...)``, then
    ``st_unimr.load(folder, backend="onnx")``.

    Returns:
        Variant name → model.
    """
    import st_unimr
    from st_unimr.onnx_export import text_transformer

    variants: dict[str, Any] = {}
    for name in names:
        if name.startswith("onnx_"):
            folder = workdir / _export_name(name)
            if not (folder / ONNX_CONFIG_NAME).is_file():
                st_unimr.export_onnx(model, folder, quantize=None if name == "onnx_fp32" else "int8")
            variants[name] = st_unimr.load(folder, backend="onnx", onnx_threads=threads, device="cpu").eval()
            text_transformer(variants[name]).model.unpad = not name.endswith("_padded")
            continue
        # Every torch variant, the reference too, is a copy: a loaded model's weights may be memory-mapped from its
        # safetensors files, a copy's are not, and that must not differ between contenders.
        variant = copy.deepcopy(model)
        variant.eval()
        transformer = text_route(variant)[0]
        if name == "torch_int8":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch deprecates its quantized tensors in favour of torchao
                transformer.model = torch.ao.quantization.quantize_dynamic(
                    transformer.model, {nn.Linear}, dtype=torch.qint8
                )
        elif name != "torch_fp32":
            raise ValueError(f"Unknown variant {name!r}; choose from {VARIANTS}")
        variants[name] = variant
    return variants


def _export_name(name: str) -> str:
    """The export folder of an ONNX variant (``onnx_int8_padded`` runs ``onnx_int8``'s)."""
    return name.removesuffix("_padded")


def _text_encoder_bytes(name: str, variant: Any, workdir: Path) -> int:
    """Bytes of the variant's text Transformer weights: its ONNX graph, or its saved state dict."""
    export = workdir / _export_name(name) / ONNX_CONFIG_NAME
    if export.is_file():
        config = json.loads(export.read_text(encoding="utf8"))
        return (workdir / _export_name(name) / config["text_module"] / config["file_name"]).stat().st_size
    path = workdir / f"{name}.pt"
    torch.save(text_route(variant)[0].model.state_dict(), path)
    return path.stat().st_size


def run(
    model: Any,
    queries: list[str],
    evaluators: dict[str, Any],
    batch_size: int = 32,
    latency_queries: int = 32,
    repeats: int = 5,
    threads: int = 1,
    variants: list[str] = VARIANTS,
) -> dict[str, Any]:
    """Measure each variant's speed against ``torch_fp32`` and its retrieval scores.

    Args:
        model: A UniMR model.
        queries: Texts timed as queries.
        evaluators: Name → evaluator returning metrics with ``<name>_cosine_recall@10``.
        batch_size: Batch size of the throughput workload.
        latency_queries: Queries timed one by one (batch 1).
        repeats: Interleaved repetitions.
        threads: torch and ONNX Runtime intra-op threads.
        variants: Which variants (``torch_fp32`` is always the reference).
    """
    threads = set_threads(threads)
    model.eval()
    names = ["torch_fp32", *[name for name in variants if name != "torch_fp32"]]
    kwargs = {"batch_size": batch_size, "show_progress_bar": False, "convert_to_tensor": True}
    with tempfile.TemporaryDirectory(prefix="unimr-opt-") as tmp:
        workdir = Path(tmp)
        models = build_variants(model, workdir, threads, names)
        sizes = {name: _text_encoder_bytes(name, variant, workdir) for name, variant in models.items()}
        exports = {
            name: json.loads((workdir / _export_name(name) / ONNX_CONFIG_NAME).read_text(encoding="utf8"))
            for name in names
            if (workdir / _export_name(name) / ONNX_CONFIG_NAME).is_file()
        }
        with torch.inference_mode():
            reference = models["torch_fp32"].encode_query(queries, **kwargs)
            agreement = {
                name: float(
                    torch.nn.functional.cosine_similarity(variant.encode_query(queries, **kwargs), reference).min()
                )
                for name, variant in models.items()
            }
            timings = interleaved_timings(
                {name: (lambda m=variant: m.encode_query(queries, **kwargs)) for name, variant in models.items()},
                repeats=repeats,
            )
            latency: dict[str, list[float]] = {name: [] for name in models}
            single = queries[:latency_queries]
            for index, text in enumerate(single):
                order = names if index % 2 == 0 else names[::-1]
                for name in order:
                    start = time.perf_counter()
                    models[name].encode_query([text], batch_size=1, show_progress_bar=False)
                    latency[name].append(time.perf_counter() - start)
        scores: dict[str, dict[str, float]] = {}
        for name, variant in models.items():
            scores[name] = {}
            for eval_name, evaluator in evaluators.items():
                metrics = evaluator(variant)
                scores[name][eval_name] = 100 * metrics[f"{evaluator.name}_cosine_recall@10"]

    qps = {name: len(queries) / median(values) for name, values in timings.items()}
    speedup = {name: qps[name] / qps["torch_fp32"] for name in names}
    latency_ms = {
        name: {"p50": percentile(v, 50) * 1000, "p95": percentile(v, 95) * 1000} for name, v in latency.items()
    }
    delta = {
        name: {eval_name: scores[name][eval_name] - scores["torch_fp32"][eval_name] for eval_name in evaluators}
        for name in names
    }
    rows = []
    for name in names:
        row = [
            name,
            f"{qps[name]:.1f}",
            f"{speedup[name]:.2f}x",
            f"{latency_ms[name]['p50']:.1f}",
            f"{latency_ms['torch_fp32']['p50'] / latency_ms[name]['p50']:.2f}x",
        ]
        for eval_name in evaluators:
            row.append(f"{scores[name][eval_name]:.2f} ({delta[name][eval_name]:+.2f})")
        row += [f"{agreement[name]:.4f}", f"{sizes[name] / 1e6:.0f}"]
        rows.append(row)
    columns = [
        "variant",
        f"queries/s (batch {batch_size})",
        "speed vs fp32",
        "batch-1 p50 (ms)",
        "batch-1 speed vs fp32",
        *[f"{eval_name} recall@10 (Δ points)" for eval_name in evaluators],
        "min cosine to fp32 embedding",
        "text encoder file (MB)",
    ]
    within = [name for name in names[1:] if delta[name] and min(delta[name].values()) >= -1.0]
    best = max(within, key=lambda name: speedup[name], default=None)
    targets = [
        target(
            "int8 or ONNX: speed vs fp32 of the fastest variant losing <= 1 point recall@10"
            + (f" ({best})" if best else " (none within 1 point)"),
            speedup[best] if best else None,
            1.8,
            True,
            "x",
        )
    ]
    if best is None and within == [] and len(names) > 1:
        targets[0]["met"] = False  # measured: no variant stays within 1 point
    for name in names[1:]:
        worst = min(delta[name].values()) if delta[name] else None
        # issue #14: the public int8 export must be >= 3x torch fp32 while losing <= 1 point
        minimum = 3.0 if name == "onnx_int8" else 1.8
        targets.append(target(f"{name}: speed vs torch fp32 (batch {batch_size})", speedup[name], minimum, True, "x"))
        targets.append(target(f"{name}: worst recall@10 change (points)", worst, -1.0, True, ""))
    return {
        "settings": {
            "n_queries": len(queries),
            "batch_size": batch_size,
            "latency_queries": len(single),
            "repeats": repeats,
            "threads": threads,
            "evaluators": {
                name: f"{len(ev.queries)} queries, {len(ev.corpus)} documents" for name, ev in evaluators.items()
            },
        },
        "figures": {
            "queries_per_second": qps,
            "speedup_vs_torch_fp32": speedup,
            "latency_batch1_ms": latency_ms,
            "recall_at_10_points": scores,
            "recall_at_10_delta_points": delta,
            "min_cosine_to_fp32": agreement,
            "text_encoder_bytes": sizes,
            "seconds_per_workload": timings,
        },
        "tables": [{"title": "Text route variants", "columns": columns, "rows": rows}],
        "targets": targets,
        "notes": _notes(exports),
    }


def _notes(exports: dict[str, dict[str, Any]]) -> list[str]:
    notes = ["Speed ratios are medians of interleaved repeats in one process; recall is on the test splits."]
    if "onnx_int8" in exports:
        kept = exports["onnx_int8"].get("fp32_layers") or []
        notes.append(
            "onnx_int8 = `st_unimr.export_onnx(model, folder, quantize='int8')`: int8 word-embedding matrix (one "
            "scale per row), ONNX Runtime dynamic int8 MatMuls with one weight scale per output channel; "
            f"kept fp32 for outlier inputs (range/RMS > 100 on the calibration texts): {', '.join(kept) or 'none'}."
        )
    if exports:
        notes.append(
            "The onnx_* variants but onnx_int8_padded run each batch (sorted by length, as sentence-transformers "
            "sorts) as sub-batches of similar token lengths, each trimmed to its longest text "
            "(`st_unimr.onnx_export.length_groups`); onnx_int8_padded runs the same graph on the batch padded to "
            "its longest text, as torch does. The queries' token lengths differ (one long caption pads a batch of "
            "short ones), so the padded positions are a large share of the torch work."
        )
    if "onnx_int8" in exports and "onnx_int8_padded" in exports:
        notes.append(
            "onnx_int8 and onnx_int8_padded run the same graph, yet their recall differs: ONNX Runtime's dynamic "
            "quantisation computes one activation scale per tensor and run, i.e. per sub-batch or over the whole "
            "padded batch, pad-token positions included."
        )
    return notes


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--n", type=int, default=128, help="number of multilingual queries timed")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--latency-queries", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--eval-queries", type=int, default=500, help="query cap of each test evaluator")
    parser.add_argument("--eval-concepts", type=int, default=500, help="concept cap of the text→text evaluator")
    parser.add_argument("--variants", nargs="+", default=VARIANTS, choices=VARIANTS)
    args = parser.parse_args(argv)

    from st_unimr.data import load
    from st_unimr.evaluation import text_to_image_evaluator, text_to_text_evaluator

    set_threads(args.threads)
    model = load_model(args.model)
    evaluators = {
        "t2i": text_to_image_evaluator(load("image_text", "test"), name="t2i", max_queries=args.eval_queries),
        "t2t": text_to_text_evaluator(
            load("text_pairs", "test"), name="t2t", max_queries=args.eval_queries, max_concepts=args.eval_concepts
        ),
    }
    result = run(
        model,
        multilingual_queries(args.n),
        evaluators,
        batch_size=args.batch_size,
        latency_queries=args.latency_queries,
        repeats=args.repeats,
        threads=args.threads,
        variants=args.variants,
    )
    result["settings"]["model"] = args.model or "untrained build_unimr() (default assets)"
    result["settings"]["test_splits"] = "image_text test (t2i), text_pairs test (t2t)"
    path = write_result(NAME, result, args.output_dir, argv)
    print(f"{NAME}: speed vs fp32 {result['figures']['speedup_vs_torch_fp32']} -> {path}")
    return result


if __name__ == "__main__":
    main()
