"""Fusion overhead: the UniMR text route against the same encoder without NLUFeatureFusion.

Both contenders share the same Transformer and Pooling module instances (the same weights); one runs the UniMR
model's text route (Router → Transformer → Pooling → NLUFeatureFusion → Normalize), the other
Transformer → Pooling → Normalize. Interleaved repeats, medians. The fusion module is also timed alone on the pooled
embeddings of the same batches, as its share of the route's time.

Usage::

    python benchmarks/fusion_overhead.py [--model outputs/default/final] [--n 128] [--batch-size 32] [--repeats 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    add_common_arguments,
    interleaved_timings,
    load_model,
    median,
    multilingual_queries,
    set_threads,
    target,
    write_result,
)
from benchmarks.models import split_text_route, text_route_without_fusion

__all__ = ["main", "run"]

NAME = "fusion_overhead"


def _fusion_alone_seconds(model: Any, queries: list[str], batch_size: int, repeats: int) -> float:
    """Median seconds of NLUFeatureFusion's forward over all batches of ``queries``, on the encoder's own outputs
    (token embeddings, attention mask and pooled embedding: a model with a slot tagger reads all three)."""
    import torch

    encoder, nlu = split_text_route(model)
    prompt = model.prompts.get("query", "")
    batches = []
    with torch.inference_mode():
        for start in range(0, len(queries), batch_size):
            features = encoder[0].tokenize([prompt + text for text in queries[start : start + batch_size]])
            for module in encoder:
                features = module(features)
            batches.append(features)
        timings = []
        for _ in range(repeats + 1):
            start = time.perf_counter()
            for features in batches:
                # The module adds its outputs to the dict it is given: each call gets its own copy.
                nlu(dict(features))
            timings.append(time.perf_counter() - start)
    return median(timings[1:])


def run(model: Any, queries: list[str], batch_size: int = 32, repeats: int = 15, threads: int = 1) -> dict[str, Any]:
    """Measure the text route with and without NLUFeatureFusion, side by side.

    Args:
        model: A UniMR model.
        queries: The texts to encode (as queries).
        batch_size: Encoding batch size.
        repeats: Interleaved repetitions.
        threads: torch threads for both.
    """
    import torch

    threads = set_threads(threads)
    model.eval()
    plain = text_route_without_fusion(model)
    plain.eval()
    kwargs = {"batch_size": batch_size, "show_progress_bar": False, "convert_to_tensor": True}
    with torch.inference_mode():
        with_fusion = model.encode_query(queries, **kwargs)
        without_fusion = plain.encode_query(queries, **kwargs)
        timings = interleaved_timings(
            {
                "with_fusion": lambda: model.encode_query(queries, **kwargs),
                "without_fusion": lambda: plain.encode_query(queries, **kwargs),
            },
            repeats=repeats,
        )
    fusion_alone = _fusion_alone_seconds(model, queries, batch_size, repeats)

    ratio_of_medians = median(timings["with_fusion"]) / median(timings["without_fusion"])
    paired = [w / wo for w, wo in zip(timings["with_fusion"], timings["without_fusion"])]
    overhead_pct = (ratio_of_medians - 1) * 100
    paired_pct = (median(paired) - 1) * 100
    share_pct = fusion_alone / median(timings["with_fusion"]) * 100
    max_abs_diff = float((with_fusion - without_fusion).abs().max())
    qps = {name: len(queries) / median(values) for name, values in timings.items()}
    rows = [
        ["texts/s, with NLUFeatureFusion (UniMR text route)", f"{qps['with_fusion']:.1f}"],
        ["texts/s, without NLUFeatureFusion (same encoder)", f"{qps['without_fusion']:.1f}"],
        ["overhead, ratio of medians", f"{overhead_pct:+.2f}%"],
        ["overhead, median of paired repeat ratios", f"{paired_pct:+.2f}%"],
        ["NLUFeatureFusion forward alone, share of the route's time", f"{share_pct:.3f}%"],
        ["max |embedding difference| (fusion scale at init is 0 when untrained)", f"{max_abs_diff:.2e}"],
    ]
    return {
        "settings": {"n_texts": len(queries), "batch_size": batch_size, "repeats": repeats, "threads": threads},
        "figures": {
            "seconds_per_workload": timings,
            "texts_per_second": qps,
            "overhead_percent": overhead_pct,
            "overhead_percent_paired_median": paired_pct,
            "fusion_module_alone_seconds": fusion_alone,
            "fusion_module_share_percent": share_pct,
            "max_abs_embedding_difference": max_abs_diff,
        },
        "tables": [{"title": "Fusion overhead", "columns": ["measure", "value"], "rows": rows}],
        "targets": [target("fusion overhead (end to end)", overhead_pct, 3.0, False, "%")],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--n", type=int, default=128, help="number of multilingual queries")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)

    set_threads(args.threads)
    model = load_model(args.model)
    result = run(model, multilingual_queries(args.n), args.batch_size, args.repeats, args.threads)
    result["settings"]["model"] = args.model or "untrained build_unimr() (default assets)"
    path = write_result(NAME, result, args.output_dir, argv)
    print(f"{NAME}: {result['figures']['overhead_percent']:+.2f}% -> {path}")
    return result


if __name__ == "__main__":
    main()
