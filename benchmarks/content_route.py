"""Content route cost: search requests embedded with ``content_route="reencode"`` against ``"pool"``, same model.

``reencode`` encodes a search request a second time from its content tokens; ``pool`` is one pass. Both contenders
are the same trained model with the route switched between calls (the route changes no weight). The queries are the
embedded ``requests`` split's texts (search requests with a frame, the case that pays for a second pass), and
optionally as many plain texts beside them (``--plain``), which never take the second pass. Interleaved repeats,
medians.

Usage::

    python benchmarks/content_route.py --model outputs/default/final [--n 128] [--batch-size 32] [--repeats 5]

It needs a trained model (an untrained content fusion has scale 0 and never encodes twice).
"""

from __future__ import annotations

import argparse
import sys
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
    write_result,
)

__all__ = ["main", "run"]

NAME = "content_route"


def request_texts(n: int, split: str = "test") -> list[str]:
    """``n`` search requests of the embedded ``requests`` split, spread over its languages."""
    from st_unimr.data import load as load_data

    texts = load_data("requests", split)["text"]
    step = max(len(texts) // max(n, 1), 1)
    return list(texts[::step][:n])


def run(model: Any, queries: list[str], batch_size: int = 32, repeats: int = 5, threads: int = 1) -> dict[str, Any]:
    """Time ``encode_query`` of ``queries`` with each content route, side by side.

    Args:
        model: A trained UniMR model with a content fusion (slot tagging, gated fusion).
        queries: The texts to encode as queries.
        batch_size: Encoding batch size.
        repeats: Interleaved repetitions.
        threads: torch threads.
    """
    import torch

    from st_unimr.modules.module_lookup import find_nlu_module

    threads = set_threads(threads)
    model.eval()
    nlu = find_nlu_module(model)
    if not hasattr(nlu, "content_scale"):
        raise SystemExit("error: the model has no content fusion (no slot tagger, or fusion 'none')")
    trained_route = nlu.content_route
    kwargs = {"batch_size": batch_size, "show_progress_bar": False, "convert_to_tensor": True}

    def encode(route: str) -> Any:
        nlu.content_route = route
        return model.encode_query(queries, **kwargs)

    try:
        with torch.inference_mode():
            unchanged = int((encode("pool") * encode("reencode")).sum(dim=-1).ge(1 - 1e-6).sum())
            moved = (len(queries) - unchanged) / len(queries)
            timings = interleaved_timings(
                {"pool": lambda: encode("pool"), "reencode": lambda: encode("reencode")}, repeats=repeats
            )
    finally:
        nlu.content_route = trained_route
    ratio = median(timings["reencode"]) / median(timings["pool"])
    qps = {name: len(queries) / median(values) for name, values in timings.items()}
    rows = [
        ["queries/s, pool (one pass)", f"{qps['pool']:.1f}"],
        ["queries/s, reencode", f"{qps['reencode']:.1f}"],
        ["time ratio reencode / pool (medians)", f"{ratio:.2f}"],
        ["share of queries encoded twice (their embedding moved)", f"{moved:.2f}"],
    ]
    return {
        "settings": {"n_texts": len(queries), "batch_size": batch_size, "repeats": repeats, "threads": threads},
        "figures": {
            "seconds_per_workload": timings,
            "texts_per_second": qps,
            "time_ratio": ratio,
            "share_encoded_twice": moved,
        },
        "tables": [{"title": "Content route cost", "columns": ["measure", "value"], "rows": rows}],
        "targets": [],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--n", type=int, default=128, help="number of search requests")
    parser.add_argument("--plain", action="store_true", help="add as many plain multilingual queries")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.model is None:
        raise SystemExit("error: --model: a trained UniMR model (an untrained one never encodes twice)")
    set_threads(args.threads)
    model = load_model(args.model)
    queries = request_texts(args.n) + (multilingual_queries(args.n) if args.plain else [])
    result = run(model, queries, args.batch_size, args.repeats, args.threads)
    result["settings"].update(model=args.model, plain=args.plain)
    path = write_result(NAME, result, args.output_dir, argv)
    print(f"{NAME}: reencode / pool time {result['figures']['time_ratio']:.2f} -> {path}")
    return result


if __name__ == "__main__":
    main()
