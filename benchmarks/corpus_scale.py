"""Corpus encoding at scale: N synthetic multilingual texts through sentence-transformers' multi-process encoding.

The texts are encoded as documents with ``model.encode_document(..., pool=model.start_multi_process_pool(...),
chunk_size=...)`` in consecutive windows; each window's embeddings are consumed and dropped, as a streaming indexer
would, so memory should stay flat. A sampling thread records the memory of this process and of each pool's workers
(RSS, PSS, USS, shared); the result shows throughput and memory per window, and their drift from first to last.

Two pools run side by side in this one process, their workers alive at the same time:

- ``fixed-mmap-threshold``: workers started with ``MALLOC_MMAP_THRESHOLD_`` set (``--mmap-threshold`` bytes). It
  encodes every window: the headline.
- ``glibc-default``: workers with the C library's defaults. It also encodes the first ``--compare-windows``
  windows, interleaved with the other pool (alternating which goes first), for the throughput ratio and the
  private-memory (USS) growth of the two settings on the same texts.

Why: with glibc's default, the mmap threshold is dynamic (it rises to the size of each freed large block), so
after the first batches the activations of later batches come from the heap, whose freed blocks are retained: a
worker's private memory creeps up with every new tensor shape. A fixed threshold keeps large tensors on mmap.

Usage::

    python benchmarks/corpus_scale.py [--model outputs/default/final] [--n 100000] [--processes 2] [--windows 20]
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

__all__ = ["MemorySampler", "main", "run", "start_pool", "synthetic_texts", "word_pools"]

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


GLIBC_DEFAULT = "glibc-default"
FIXED_THRESHOLD = "fixed-mmap-threshold"
MEMORY_FIELDS = ("rss", "pss", "uss", "shared")


class MemorySampler:
    """Samples, every ``interval`` seconds, the memory (MiB) of this process and of named groups of processes.

    Each sample is ``{"t": seconds, "main": {...}, <group>: {...}}`` with RSS, PSS, USS and shared memory summed
    over the group. RSS alone misleads for a sentence-transformers pool: the model is put in shared memory
    (``model.share_memory()``), and a worker's RSS grows by every shared page it touches for the first time (e.g.
    the rows of the 250k-token embedding matrix for the words it meets), although nothing is allocated. PSS splits
    shared pages between the processes that map them, so the sum of PSS is the memory really in use; USS (private
    memory) is what grows on a leak.
    """

    def __init__(self, interval: float = 1.0) -> None:
        import psutil

        self.groups: dict[str, list[Any]] = {"main": [psutil.Process()]}
        self.interval = interval
        self.samples: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.start_time = time.perf_counter()

    def watch(self, name: str, pids: list[int]) -> None:
        """Also sample the processes ``pids`` (e.g. a pool's workers), summed under ``name``."""
        import psutil

        with self._lock:
            self.groups[name] = [psutil.Process(pid) for pid in pids]

    def now(self) -> float:
        return time.perf_counter() - self.start_time

    def sample(self) -> dict[str, Any]:
        import psutil

        row: dict[str, Any] = {"t": round(self.now(), 2)}
        with self._lock:
            groups = dict(self.groups)
        for name, processes in groups.items():
            totals = dict.fromkeys(MEMORY_FIELDS, 0.0)
            for process in processes:
                try:
                    info = process.memory_full_info()
                except psutil.Error:
                    continue
                for field in MEMORY_FIELDS:
                    totals[field] += getattr(info, field) / 2**20
            row[name] = {field: round(value, 1) for field, value in totals.items()}
        self.samples.append(row)
        return row

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def peak_between(self, start: float, end: float, groups: list[str]) -> dict[str, float]:
        """Peaks in ``[start, end]`` over the samples: RSS and PSS of ``groups`` together, and of their USS."""
        rows = [row for row in self.samples if start <= row["t"] <= end] or self.samples[-1:]

        def total(row: dict[str, Any], field: str) -> float:
            return sum(row[group][field] for group in groups if group in row)

        return {f"peak_{field}_mb": max(total(row, field) for row in rows) for field in ("rss", "pss", "uss")}


def start_pool(model: Any, processes: int, env: dict[str, str]) -> dict[str, Any]:
    """``model.start_multi_process_pool(["cpu"] * processes)`` with ``env`` set for the workers only.

    The spawned workers read these variables at their start (glibc's ``MALLOC_*`` when the C library starts, and
    ``OMP_NUM_THREADS`` when torch does); this process's environment is restored afterwards.
    """
    previous = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        return model.start_multi_process_pool(["cpu"] * processes)
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key)
            else:
                os.environ[key] = value


def run(
    model: Any,
    texts: list[str],
    processes: int = 2,
    windows: int = 20,
    compare_windows: int = 4,
    chunk_size: int | None = 500,
    batch_size: int = 32,
    threads_per_process: int = 1,
    mmap_threshold: int = 65536,
) -> dict[str, Any]:
    """Encode ``texts`` in ``windows`` consecutive windows through multi-process pools; time and sample memory.

    Args:
        model: A UniMR model.
        texts: The corpus.
        processes: Worker processes per pool (``["cpu"] * processes``).
        windows: Number of consecutive windows the corpus is split into.
        compare_windows: The first windows that the glibc-default pool encodes too (0: no comparison pool).
        chunk_size: Texts per chunk sent to a worker.
        batch_size: Encoding batch size in the workers.
        threads_per_process: torch threads of each worker (through ``OMP_NUM_THREADS``, read at their start).
        mmap_threshold: ``MALLOC_MMAP_THRESHOLD_`` (bytes) of the headline pool's workers.
    """
    model.eval()
    compare_windows = min(compare_windows, windows)
    bounds = [round(i * len(texts) / windows) for i in range(windows + 1)]
    settings = {FIXED_THRESHOLD: {"MALLOC_MMAP_THRESHOLD_": str(mmap_threshold)}}
    if compare_windows:
        settings[GLIBC_DEFAULT] = {}
    pools: dict[str, dict[str, Any]] = {}
    per_pool: dict[str, list[dict[str, Any]]] = {name: [] for name in settings}
    with MemorySampler() as sampler:
        pool_start = time.perf_counter()
        try:
            for name, env in settings.items():
                pools[name] = start_pool(model, processes, {"OMP_NUM_THREADS": str(threads_per_process), **env})
                sampler.watch(name, [process.pid for process in pools[name]["processes"]])
                model.encode_document(texts[:processes], pool=pools[name], chunk_size=1, show_progress_bar=False)
            pool_seconds = time.perf_counter() - pool_start
            for index in range(windows):
                window = texts[bounds[index] : bounds[index + 1]]
                order = [FIXED_THRESHOLD]
                if index < compare_windows:
                    # Alternating the order keeps any drift of the machine out of the ratio.
                    order = [FIXED_THRESHOLD, GLIBC_DEFAULT] if index % 2 == 0 else [GLIBC_DEFAULT, FIXED_THRESHOLD]
                for name in order:
                    t0 = sampler.now()
                    start = time.perf_counter()
                    embeddings = model.encode_document(
                        window, pool=pools[name], chunk_size=chunk_size, batch_size=batch_size, show_progress_bar=False
                    )
                    seconds = time.perf_counter() - start
                    shape = tuple(embeddings.shape)
                    del embeddings
                    end = sampler.sample()
                    figure = {
                        "window": index + 1,
                        "texts": len(window),
                        "seconds": seconds,
                        "texts_per_second": len(window) / seconds,
                        "embedding_shape": shape,
                        # The workers' memory once the window is done: what they keep between windows.
                        "workers_after_mb": end[name],
                        "main_after_mb": end["main"],
                        **sampler.peak_between(t0, sampler.now(), ["main", *pools]),
                    }
                    per_pool[name].append(figure)
                    print(
                        f"window {index + 1}/{windows} {name}: {figure['texts_per_second']:.1f} texts/s, workers USS "
                        f"{end[name]['uss']:.0f} MiB, PSS (all processes) {figure['peak_pss_mb']:.0f} MiB",
                        flush=True,
                    )
        finally:
            for pool in pools.values():
                model.stop_multi_process_pool(pool)

    headline = per_pool[FIXED_THRESHOLD]
    first, last = headline[0], headline[-1]
    total_seconds = sum(figure["seconds"] for figure in headline)
    figures: dict[str, Any] = {
        "texts_per_second_overall": len(texts) / total_seconds,
        "encode_seconds": total_seconds,
        "pool_start_seconds": pool_seconds,
        "throughput_drift_last_vs_first": last["texts_per_second"] / first["texts_per_second"] - 1,
        "workers_uss_drift_last_vs_first_mb": last["workers_after_mb"]["uss"] - first["workers_after_mb"]["uss"],
        "workers_pss_drift_last_vs_first_mb": last["workers_after_mb"]["pss"] - first["workers_after_mb"]["pss"],
        "windows": per_pool,
        "memory_samples": sampler.samples,
    }
    rows = [
        [
            figure["window"],
            f"{bounds[figure['window'] - 1]}-{bounds[figure['window']]}",
            f"{figure['texts_per_second']:.1f}",
            f"{figure['workers_after_mb']['uss']:.0f}",
            f"{figure['workers_after_mb']['shared']:.0f}",
            f"{figure['workers_after_mb']['pss']:.0f}",
            f"{figure['workers_after_mb']['rss']:.0f}",
        ]
        for figure in headline
    ]
    tables = [
        {
            "title": f"{len(texts)} texts, {processes} workers with a fixed mmap threshold, in {windows} windows",
            "columns": [
                "window",
                "texts",
                "texts/s",
                "workers USS (MiB)",
                "workers shared (MiB)",
                "workers PSS (MiB)",
                "workers RSS (MiB)",
            ],
            "rows": rows,
        }
    ]
    summary = [
        ["texts/s overall", f"{figures['texts_per_second_overall']:.1f}"],
        ["throughput, last window vs first", f"{figures['throughput_drift_last_vs_first'] * 100:+.1f}%"],
        [
            "workers' private memory (USS), last window vs first",
            f"{figures['workers_uss_drift_last_vs_first_mb']:+.0f} MiB",
        ],
        ["workers' PSS, last window vs first", f"{figures['workers_pss_drift_last_vs_first_mb']:+.0f} MiB"],
        ["pools start + warm-up (s)", f"{pool_seconds:.1f}"],
    ]
    if compare_windows:
        compared = {name: per_pool[name][:compare_windows] for name in settings}
        speed = {
            name: sum(f["texts"] for f in rows_) / sum(f["seconds"] for f in rows_) for name, rows_ in compared.items()
        }
        growth = {
            name: rows_[-1]["workers_after_mb"]["uss"] - rows_[0]["workers_after_mb"]["uss"]
            for name, rows_ in compared.items()
        }
        figures["comparison"] = {
            "windows": compare_windows,
            "texts": bounds[compare_windows],
            "texts_per_second": speed,
            "speed_ratio_fixed_vs_default": speed[FIXED_THRESHOLD] / speed[GLIBC_DEFAULT],
            "workers_uss_growth_mb": growth,
        }
        tables.append(
            {
                "title": (
                    f"Side by side on the first {bounds[compare_windows]} texts ({compare_windows} windows, "
                    "interleaved): glibc's default against a fixed mmap threshold"
                ),
                "columns": ["pool", "texts/s", "workers USS after window 1 (MiB)", "after the last (MiB)", "growth"],
                "rows": [
                    [
                        f"{name} ({', '.join(f'{k}={v}' for k, v in env.items()) or 'no MALLOC_* variable'})",
                        f"{speed[name]:.1f}",
                        f"{compared[name][0]['workers_after_mb']['uss']:.0f}",
                        f"{compared[name][-1]['workers_after_mb']['uss']:.0f}",
                        f"{growth[name]:+.0f} MiB",
                    ]
                    for name, env in settings.items()
                ],
            }
        )
        summary.append(
            [
                "speed, fixed threshold vs glibc default (same texts)",
                f"{figures['comparison']['speed_ratio_fixed_vs_default']:.2f}x",
            ]
        )
    tables.append({"title": "Summary", "columns": ["measure", "value"], "rows": summary})
    return {
        "settings": {
            "n_texts": len(texts),
            "processes": processes,
            "threads_per_process": threads_per_process,
            "windows": windows,
            "compare_windows": compare_windows,
            "chunk_size": chunk_size,
            "batch_size": batch_size,
            "mmap_threshold": mmap_threshold,
            "mean_words_per_text": sum(len(t.split()) for t in texts) / len(texts),
        },
        "figures": figures,
        "tables": tables,
        "notes": [
            "Each window's embeddings are dropped after the window (streaming indexing), so growth comes from the "
            "pool. Worker memory is read after each window. USS is the workers' private memory (a leak shows here); "
            "'shared' grows as workers first touch pages of the shared model (embedding rows of new words), bounded "
            "by the model's size; PSS counts shared pages once across all processes.",
            "For long indexing jobs on Linux/glibc, start the pool with MALLOC_MMAP_THRESHOLD_ set in the "
            "environment (see the README's 'Encoding a large corpus').",
        ],
        "targets": [],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--n", type=int, default=100_000, help="number of synthetic texts")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--compare-windows", type=int, default=4, help="first windows also run on glibc's default")
    parser.add_argument("--mmap-threshold", type=int, default=65536, help="MALLOC_MMAP_THRESHOLD_ of the workers")
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
        compare_windows=args.compare_windows,
        mmap_threshold=args.mmap_threshold,
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
