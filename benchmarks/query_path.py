"""Query path: the unified UniMR model against a three-encoder pipeline of the same backbone sizes.

For the same multilingual queries, the unified model runs one forward that yields the query embedding (shared by
text→text and text→image retrieval) and the intent logits; the pipeline runs a text-retrieval encoder, a separate
text tower for the image space and a separate intent classifier. Reported: queries/s ratio (interleaved, medians),
batch-1 latency p50/p95, parameter count ratio, on-disk size ratio, and each contender's peak RSS in its own process.

Usage::

    python benchmarks/query_path.py [--model outputs/default/final] [--n 128] [--batch-size 32] [--threads 1]
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    add_common_arguments,
    dir_size_bytes,
    interleaved_timings,
    load_model,
    max_rss_mb,
    median,
    multilingual_queries,
    parameter_count,
    percentile,
    run_in_subprocess,
    set_threads,
    target,
    write_result,
)
from benchmarks.models import Pipeline, build_pipeline, image_route, load_pipeline, text_route, unified_query

__all__ = ["main", "run"]

NAME = "query_path"


def _memory_worker(kind: str, path: str, texts: list[str], batch_size: int, threads: int) -> dict[str, float]:
    """Load one contender from disk in this (fresh) process, run the query workload, report RSS in MiB."""
    import torch

    import st_unimr

    torch.set_num_threads(threads)
    baseline = max_rss_mb()
    if kind == "unified":
        model = st_unimr.load(path, device="cpu")
        loaded = max_rss_mb()

        def query(batch: list[str]) -> Any:
            return unified_query(model, batch, batch_size)
    else:
        pipeline = load_pipeline(path)
        loaded = max_rss_mb()

        def query(batch: list[str]) -> Any:
            return pipeline.query(batch, batch_size)

    with torch.inference_mode():
        query(texts)
        for text in texts[:16]:
            query([text])
    peak = max_rss_mb()
    return {"rss_after_imports_mb": baseline, "rss_after_load_mb": loaded, "peak_rss_mb": peak}


def _query_path_disk(unified_dir: Path) -> int:
    """Bytes of the unified checkpoint without its image route (the files a text query needs)."""
    return sum(
        file.stat().st_size
        for file in unified_dir.rglob("*")
        if file.is_file() and not file.relative_to(unified_dir).parts[0].startswith("image_")
    )


def run(
    model: Any,
    queries: list[str],
    batch_size: int = 32,
    latency_queries: int = 64,
    repeats: int = 5,
    threads: int = 1,
    measure_memory: bool = True,
) -> dict[str, Any]:
    """Measure the unified query path against the pipeline, side by side in this process.

    Args:
        model: A UniMR model.
        queries: The queries (the throughput workload); the first ``latency_queries`` also give batch-1 latency.
        batch_size: Batch size of the throughput workload.
        latency_queries: How many queries are timed one by one (batch 1).
        repeats: Interleaved repetitions of the throughput workload.
        threads: torch threads, the same for both contenders (and their memory subprocesses).
        measure_memory: Also measure each contender's peak RSS in its own subprocess.

    Returns:
        The result: ``settings``, ``figures``, ``tables``, ``targets``.
    """
    import torch

    threads = set_threads(threads)
    model.eval()
    pipeline: Pipeline = build_pipeline(model)
    # The pipeline's encoders are copies; the unified model is timed as a copy too, so that no contender runs on
    # weights memory-mapped from a checkpoint while the other runs on copies.
    model = copy.deepcopy(model).eval()
    for part in pipeline.query_models:
        part.eval()

    with torch.inference_mode():
        timings = interleaved_timings(
            {
                "unified": lambda: unified_query(model, queries, batch_size),
                "pipeline": lambda: pipeline.query(queries, batch_size),
            },
            repeats=repeats,
        )
        latency: dict[str, list[float]] = {"unified": [], "pipeline": []}
        single = queries[:latency_queries]
        unified_query(model, single[:1], 1)
        pipeline.query(single[:1], 1)
        for index, text in enumerate(single):
            order = ("unified", "pipeline") if index % 2 == 0 else ("pipeline", "unified")
            for name in order:
                start = time.perf_counter()
                if name == "unified":
                    unified_query(model, [text], 1)
                else:
                    pipeline.query([text], 1)
                latency[name].append(time.perf_counter() - start)

    qps = {name: len(queries) / median(values) for name, values in timings.items()}
    qps_ratio = qps["unified"] / qps["pipeline"]
    per_repeat_ratios = [p / u for u, p in zip(timings["unified"], timings["pipeline"])]
    latency_ms = {
        name: {"p50": percentile(values, 50) * 1000, "p95": percentile(values, 95) * 1000}
        for name, values in latency.items()
    }

    unified_query_params = parameter_count(*text_route(model))
    unified_system_params = parameter_count(model)
    pipeline_query_params = parameter_count(*pipeline.query_models)
    pipeline_system_params = pipeline_query_params + parameter_count(pipeline.image_tower)

    with tempfile.TemporaryDirectory(prefix="unimr-bench-") as tmp:
        unified_dir, pipeline_dir = Path(tmp, "unified"), Path(tmp, "pipeline")
        model.save(str(unified_dir))
        pipeline.save(pipeline_dir)
        disk = {
            "unified_query_path": _query_path_disk(unified_dir),
            "unified_system": dir_size_bytes(unified_dir),
            "pipeline_query_path": sum(
                dir_size_bytes(pipeline_dir / name) for name in ("retrieval", "image_text_tower", "intent_classifier")
            ),
            "pipeline_system": dir_size_bytes(pipeline_dir),
        }
        memory = None
        if measure_memory:
            memory = {
                kind: run_in_subprocess(_memory_worker, kind, str(path), queries, batch_size, threads)
                for kind, path in (("unified", unified_dir), ("pipeline", pipeline_dir))
            }

    params_ratio = unified_query_params / pipeline_query_params
    system_params_ratio = unified_system_params / pipeline_system_params
    figures: dict[str, Any] = {
        "queries_per_second": qps,
        "queries_per_second_ratio": qps_ratio,
        "queries_per_second_ratio_per_repeat": per_repeat_ratios,
        "seconds_per_workload": timings,
        "latency_batch1_ms": latency_ms,
        "latency_p50_ratio": latency_ms["pipeline"]["p50"] / latency_ms["unified"]["p50"],
        "parameters": {
            "unified_query_path": unified_query_params,
            "pipeline_query_path": pipeline_query_params,
            "unified_system": unified_system_params,
            "pipeline_system": pipeline_system_params,
            "image_tower": parameter_count(*image_route(model)),
        },
        "parameter_ratio_query_path": params_ratio,
        "parameter_ratio_system": system_params_ratio,
        "disk_bytes": disk,
        "disk_ratio_query_path": disk["unified_query_path"] / disk["pipeline_query_path"],
        "disk_ratio_system": disk["unified_system"] / disk["pipeline_system"],
        "memory_mb": memory,
    }

    u_lat, p_lat = latency_ms["unified"], latency_ms["pipeline"]
    rows = [
        [
            f"queries/s (batch {batch_size}, median of {repeats})",
            qps["unified"],
            qps["pipeline"],
            qps_ratio,
            "x faster",
        ],
        ["latency batch 1 p50 (ms)", u_lat["p50"], p_lat["p50"], p_lat["p50"] / u_lat["p50"], "x lower"],
        ["latency batch 1 p95 (ms)", u_lat["p95"], p_lat["p95"], p_lat["p95"] / u_lat["p95"], "x lower"],
        ["parameters, query path (M)", unified_query_params / 1e6, pipeline_query_params / 1e6, params_ratio, "x"],
        [
            "parameters, whole system with image tower (M)",
            unified_system_params / 1e6,
            pipeline_system_params / 1e6,
            system_params_ratio,
            "x",
        ],
    ]
    for key, label in (("query_path", "on disk, query path (MB)"), ("system", "on disk, whole system (MB)")):
        unified_bytes, pipeline_bytes = disk[f"unified_{key}"], disk[f"pipeline_{key}"]
        rows.append([label, unified_bytes / 1e6, pipeline_bytes / 1e6, unified_bytes / pipeline_bytes, "x"])
    if memory:
        model_mb = {name: value["peak_rss_mb"] - value["rss_after_imports_mb"] for name, value in memory.items()}
        memory["model_and_workload_mb"] = model_mb
        for key, label in (
            ("peak_rss_mb", "peak RSS, own process (MiB)"),
            ("rss_after_imports_mb", "RSS after imports (MiB)"),
        ):
            rows.append(
                [
                    label,
                    memory["unified"][key],
                    memory["pipeline"][key],
                    memory["unified"][key] / memory["pipeline"][key],
                    "x",
                ]
            )
        rows.append(
            [
                "peak RSS minus RSS after imports (MiB)",
                model_mb["unified"],
                model_mb["pipeline"],
                model_mb["unified"] / model_mb["pipeline"],
                "x",
            ]
        )
    table_rows = [[label, f"{u:.1f}", f"{p:.1f}", f"{ratio:.3g}{unit}"] for label, u, p, ratio, unit in rows]

    return {
        "settings": {
            "n_queries": len(queries),
            "batch_size": batch_size,
            "latency_queries": len(single),
            "repeats": repeats,
            "threads": threads,
            "pipeline": "3 separate encoders (text retrieval, text tower for images, intent classifier), each a "
            "copy of the unified text backbone with its own weights; intent head NLUFeatureFusion(fusion='none')",
        },
        "figures": figures,
        "tables": [
            {
                "title": "Unified query path vs three-encoder pipeline",
                "columns": ["measure", "unified", "pipeline", "unified vs pipeline"],
                "rows": table_rows,
            }
        ],
        "targets": [
            target("query path queries/s ratio (unified / pipeline)", qps_ratio, 2.5, True, "x"),
            target("query path parameter ratio (unified / pipeline)", params_ratio, 0.5, False, "x"),
        ],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--n", type=int, default=128, help="number of multilingual queries")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--latency-queries", type=int, default=64, help="queries timed one by one (batch 1)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-memory", action="store_true", help="skip the per-contender memory subprocesses")
    args = parser.parse_args(argv)

    set_threads(args.threads)
    model = load_model(args.model)
    result = run(
        model,
        multilingual_queries(args.n),
        batch_size=args.batch_size,
        latency_queries=args.latency_queries,
        repeats=args.repeats,
        threads=args.threads,
        measure_memory=not args.no_memory,
    )
    result["settings"]["model"] = args.model or "untrained build_unimr() (default assets)"
    path = write_result(NAME, result, args.output_dir, argv)
    print(f"{NAME}: unified/pipeline queries/s = {result['figures']['queries_per_second_ratio']:.2f}x -> {path}")
    return result


if __name__ == "__main__":
    main()
