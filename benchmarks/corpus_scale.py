"""Corpus encoding at scale: N synthetic multilingual texts through sentence-transformers' multi-process encoding.

The texts are encoded as documents with ``model.encode_document(..., pool=model.start_multi_process_pool(...),
chunk_size=...)`` in consecutive windows; each window's embeddings are consumed and dropped, as a streaming indexer
would, so memory should stay flat. A sampling thread records the RSS of this process and of the pool's workers; the
result shows throughput and peak RSS per window, and their drift from the first window to the last.

Usage::

    python benchmarks/corpus_scale.py [--model outputs/default/final] [--n 100000] [--processes 2] [--windows 10]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import add_common_arguments, load_model, set_threads, write_result

__all__ = ["RssSampler", "main", "run", "synthetic_texts", "word_pools"]

NAME = "corpus_scale"


def word_pools(split: str = "train") -> dict[str, list[str]]:
    """Words by language from the built text_pairs data (anchors and positives), deterministic order."""
    from st_unimr.data import load

    dataset = load("text_pairs", split)
    pools: dict[str, dict[str, None]] = defaultdict(dict)
    for column, lang_column in (("anchor", "lang_anchor"), ("positive", "lang_positive")):
        for text, lang in zip(dataset[column], dataset[lang_column]):
            for word in text.split():
                pools[lang][word] = None
    return {lang: list(words) for lang, words in sorted(pools.items()) if len(words) >= 20}


def synthetic_texts(
    n: int, pools: dict[str, list[str]], seed: int = 0, min_words: int = 2, max_words: int = 10
) -> list[str]:
    """``n`` synthetic texts: each picks a language, then ``min_words``..``max_words`` of its words (seeded)."""
    rng = random.Random(seed)
    languages = sorted(pools)
    texts = []
    for _ in range(n):
        words = pools[rng.choice(languages)]
        texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(min_words, max_words))))
    return texts


class RssSampler:
    """Samples, every ``interval`` seconds, the RSS of this process and the sum over its child processes (MiB)."""

    def __init__(self, interval: float = 0.5) -> None:
        import psutil

        self.process = psutil.Process()
        self.interval = interval
        self.samples: list[tuple[float, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.start_time = time.perf_counter()

    def sample(self) -> tuple[float, float, float]:
        import psutil

        own = self.process.memory_info().rss / 2**20
        children = 0.0
        for child in self.process.children(recursive=True):
            try:
                children += child.memory_info().rss / 2**20
            except psutil.Error:
                pass
        row = (time.perf_counter() - self.start_time, own, children)
        self.samples.append(row)
        return row

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> RssSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def peak_between(self, start: float, end: float) -> tuple[float, float]:
        """Peak own RSS and peak total (own + children) RSS in the time window ``[start, end]``."""
        rows = [row for row in self.samples if start <= row[0] <= end] or [self.samples[-1]]
        return max(row[1] for row in rows), max(row[1] + row[2] for row in rows)


def run(
    model: Any,
    texts: list[str],
    processes: int = 2,
    windows: int = 10,
    chunk_size: int | None = 500,
    batch_size: int = 32,
    threads_per_process: int = 1,
) -> dict[str, Any]:
    """Encode ``texts`` in ``windows`` consecutive windows through a multi-process pool; time and sample RSS.

    Args:
        model: A UniMR model.
        texts: The corpus.
        processes: Worker processes (``["cpu"] * processes``).
        windows: Number of consecutive windows the corpus is split into.
        chunk_size: Texts per chunk sent to a worker.
        batch_size: Encoding batch size in the workers.
        threads_per_process: torch threads of each worker (through ``OMP_NUM_THREADS``, read at their start).
    """
    model.eval()
    bounds = [round(i * len(texts) / windows) for i in range(windows + 1)]
    rows, window_figures = [], []
    with RssSampler() as sampler:
        pool_start = time.perf_counter()
        previous = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(threads_per_process)
        try:
            pool = model.start_multi_process_pool(["cpu"] * processes)
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS")
            else:
                os.environ["OMP_NUM_THREADS"] = previous
        try:
            model.encode_document(texts[:processes], pool=pool, chunk_size=1, show_progress_bar=False)  # warm up
            pool_seconds = time.perf_counter() - pool_start
            started = time.perf_counter()
            for index in range(windows):
                window = texts[bounds[index] : bounds[index + 1]]
                t0 = time.perf_counter() - sampler.start_time
                start = time.perf_counter()
                embeddings = model.encode_document(
                    window, pool=pool, chunk_size=chunk_size, batch_size=batch_size, show_progress_bar=False
                )
                seconds = time.perf_counter() - start
                shape = tuple(embeddings.shape)
                del embeddings
                own, total = sampler.peak_between(t0, time.perf_counter() - sampler.start_time)
                window_figures.append(
                    {
                        "texts": len(window),
                        "seconds": seconds,
                        "texts_per_second": len(window) / seconds,
                        "peak_rss_own_mb": own,
                        "peak_rss_total_mb": total,
                        "embedding_shape": shape,
                    }
                )
                print(
                    f"window {index + 1}/{windows}: {len(window) / seconds:.1f} texts/s, peak RSS {total:.0f} MiB",
                    flush=True,
                )
            total_seconds = time.perf_counter() - started
        finally:
            model.stop_multi_process_pool(pool)

    first, last = window_figures[0], window_figures[-1]
    throughput_drift = last["texts_per_second"] / first["texts_per_second"] - 1
    rss_drift_mb = last["peak_rss_total_mb"] - first["peak_rss_total_mb"]
    for index, figure in enumerate(window_figures):
        rows.append(
            [
                index + 1,
                f"{bounds[index]}-{bounds[index + 1]}",
                f"{figure['texts_per_second']:.1f}",
                f"{figure['peak_rss_own_mb']:.0f}",
                f"{figure['peak_rss_total_mb']:.0f}",
            ]
        )
    return {
        "settings": {
            "n_texts": len(texts),
            "processes": processes,
            "threads_per_process": threads_per_process,
            "windows": windows,
            "chunk_size": chunk_size,
            "batch_size": batch_size,
            "mean_words_per_text": sum(len(t.split()) for t in texts) / len(texts),
        },
        "figures": {
            "texts_per_second_overall": len(texts) / total_seconds,
            "total_seconds": total_seconds,
            "pool_start_seconds": pool_seconds,
            "windows": window_figures,
            "throughput_drift_last_vs_first": throughput_drift,
            "rss_drift_last_vs_first_mb": rss_drift_mb,
            "rss_samples": [[round(t, 2), round(own, 1), round(children, 1)] for t, own, children in sampler.samples],
        },
        "tables": [
            {
                "title": f"{len(texts)} texts, {processes} worker processes, in {windows} windows",
                "columns": [
                    "window",
                    "texts",
                    "texts/s",
                    "peak RSS, main process (MiB)",
                    "peak RSS, main + workers (MiB)",
                ],
                "rows": rows,
            },
            {
                "title": "Summary",
                "columns": ["measure", "value"],
                "rows": [
                    ["texts/s overall", f"{len(texts) / total_seconds:.1f}"],
                    ["throughput, last window vs first", f"{throughput_drift * 100:+.1f}%"],
                    ["peak RSS (main + workers), last window vs first", f"{rss_drift_mb:+.0f} MiB"],
                    ["pool start + warm-up (s)", f"{pool_seconds:.1f}"],
                ],
            },
        ],
        "notes": [
            "Each window's embeddings are dropped after the window (streaming indexing), so any RSS growth comes "
            "from the pool itself: the main process column versus the main + workers column tells which side grows.",
        ],
        "targets": [],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--n", type=int, default=100_000, help="number of synthetic texts")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--windows", type=int, default=10)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    set_threads(args.threads)
    model = load_model(args.model)
    texts = synthetic_texts(args.n, word_pools(), seed=args.seed)
    result = run(
        model,
        texts,
        processes=args.processes,
        windows=args.windows,
        chunk_size=args.chunk_size,
        batch_size=args.batch_size,
        threads_per_process=args.threads,
    )
    result["settings"]["model"] = args.model or "untrained build_unimr() (default assets)"
    path = write_result(NAME, result, args.output_dir, argv)
    print(f"{NAME}: {result['figures']['texts_per_second_overall']:.1f} texts/s -> {path}")
    return result


if __name__ == "__main__":
    main()
