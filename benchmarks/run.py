"""Run every benchmark (or some, with ``--only``), each writing ``benchmarks/results/<name>.json``; then regenerate
``benchmarks/RESULTS.md``.

Usage::

    python benchmarks/run.py [--model outputs/default/final] [--threads 1] [--only query_path fusion_overhead]
        [--corpus-n 100000]
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

__all__ = ["BENCHMARKS", "main"]

BENCHMARKS = ["query_path", "fusion_overhead", "image_encoding", "training", "optimised_inference", "corpus_scale"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=BENCHMARKS)
    parser.add_argument("--model", default=None, help="UniMR checkpoint; default: the untrained build_unimr()")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--corpus-n", type=int, default=100_000, help="texts of the corpus_scale benchmark")
    args = parser.parse_args(argv)

    from benchmarks.report import write_results_markdown

    for name in [name for name in BENCHMARKS if name in args.only]:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        options = [] if name == "training" else ["--threads", str(args.threads)]
        if args.model and name != "training":
            options += ["--model", args.model]
        if name == "corpus_scale":
            options += ["--n", str(args.corpus_n)]
        module.main(options)
    print(write_results_markdown())


if __name__ == "__main__":
    main()
