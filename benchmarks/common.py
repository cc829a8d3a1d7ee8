"""Shared helpers for the benchmarks: model loading, query sets, interleaved timing, memory, machine and results."""

from __future__ import annotations

import datetime
import json
import multiprocessing as mp
import os
import platform
import resource
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "BENCHMARK_DIR",
    "RESULTS_DIR",
    "add_common_arguments",
    "dir_size_bytes",
    "interleaved_timings",
    "load_model",
    "machine_info",
    "max_rss_mb",
    "median",
    "multilingual_queries",
    "parameter_count",
    "percentile",
    "run_in_subprocess",
    "set_threads",
    "target",
    "write_result",
]

BENCHMARK_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCHMARK_DIR / "results"
CACHE_DIR = BENCHMARK_DIR / ".cache"


def add_common_arguments(parser: Any) -> None:
    """The options every benchmark takes: ``--model``, ``--threads``, ``--output-dir``."""
    parser.add_argument(
        "--model",
        default=None,
        help="UniMR checkpoint folder or Hub id (e.g. outputs/default/final); default: the untrained build_unimr()",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads for every contender")
    parser.add_argument("--output-dir", default=str(RESULTS_DIR), help="where the JSON result is written")


def set_threads(threads: int) -> int:
    """Set torch's intra-op thread count (the same for every contender) and return it."""
    torch.set_num_threads(threads)
    return torch.get_num_threads()


def load_model(path: str | None = None, rebuild: bool = False) -> Any:
    """The UniMR model under test, on CPU.

    Args:
        path: A UniMR checkpoint (folder or Hub id), loaded with :func:`st_unimr.load`. None gives the untrained
            default ``build_unimr()``; it is built once (about a minute, mostly the zero-shot head) and saved to
            ``benchmarks/.cache/untrained-unimr`` so later runs load it in seconds.
        rebuild: Rebuild the cached untrained model.
    """
    import st_unimr

    if path is not None:
        return st_unimr.load(path, device="cpu")
    cached = CACHE_DIR / f"untrained-unimr-{st_unimr.__version__}"
    if rebuild or not (cached / "modules.json").is_file():
        torch.manual_seed(0)
        model = st_unimr.build_unimr(device="cpu")
        model.save(str(cached))
        return model
    return st_unimr.load(str(cached), device="cpu")


def multilingual_queries(n: int, split: str = "test") -> list[str]:
    """``n`` distinct multilingual queries from the built data, deterministic: intent utterances, image captions and
    translated concept names, taken round-robin so every kind and language appears throughout the list."""
    from st_unimr.data import load

    sources = [
        list(load("intents", split)["text"]),
        list(load("image_text", split)["text"]),
        list(load("text_pairs", split)["positive"]),
    ]
    queries, seen = [], set()
    for index in range(max(len(source) for source in sources)):
        for source in sources:
            if index < len(source) and source[index] not in seen:
                seen.add(source[index])
                queries.append(source[index])
                if len(queries) == n:
                    return queries
    if len(queries) < n:
        raise ValueError(f"Only {len(queries)} distinct queries in the {split!r} split, asked for {n}")
    return queries


def interleaved_timings(
    contenders: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Time each contender ``repeats`` times, interleaved (A B, B A, A B, ...), after ``warmup`` untimed rounds.

    Interleaving spreads the load of a shared machine over all contenders alike, so their ratio is meaningful even
    when absolute times are not.

    Returns:
        Seconds per call, by contender name.
    """
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    timings: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        order = names if repeat % 2 == 0 else names[::-1]
        for name in order:
            start = time.perf_counter()
            contenders[name]()
            timings[name].append(time.perf_counter() - start)
    return timings


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of an empty sequence")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def parameter_count(*modules: torch.nn.Module) -> int:
    """Parameters of the given modules, each tensor counted once even if shared."""
    seen, total = set(), 0
    for module in modules:
        for parameter in module.parameters():
            if id(parameter) not in seen:
                seen.add(id(parameter))
                total += parameter.numel()
    return total


def dir_size_bytes(path: str | os.PathLike) -> int:
    """Bytes of all files under ``path``."""
    return sum(file.stat().st_size for file in Path(path).rglob("*") if file.is_file())


def max_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB.

    Reads ``VmHWM`` from ``/proc/self/status``: unlike ``ru_maxrss``, which Linux carries over from the parent
    across fork and exec, it belongs to this process's own address space. Falls back to ``ru_maxrss`` elsewhere.
    """
    try:
        with open("/proc/self/status", encoding="utf8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _subprocess_entry(queue: Any, function: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        queue.put(("ok", function(*args, **kwargs)))
    except BaseException as exc:  # report any failure to the parent instead of hanging it
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def run_in_subprocess(function: Callable[..., Any], *args: Any, timeout: float = 900, **kwargs: Any) -> Any:
    """Run ``function(*args, **kwargs)`` in a fresh spawned process and return its (picklable) result.

    Each contender's peak memory is measured in its own process, so one's allocations cannot inflate another's.
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_subprocess_entry, args=(queue, function, args, kwargs))
    process.start()
    try:
        status, value = queue.get(timeout=timeout)
    finally:
        process.join(timeout=60)
        if process.is_alive():
            process.kill()
    if status != "ok":
        raise RuntimeError(f"{getattr(function, '__name__', function)} failed in its subprocess: {value}")
    return value


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, Any]:
    """The machine and software the figures were measured on."""
    import sentence_transformers
    import transformers

    try:
        load = os.getloadavg()
    except OSError:
        load = None
    try:
        import psutil

        memory_gb = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        memory_gb = None
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "torch_threads": torch.get_num_threads(),
        "load_average_1_5_15_min": [round(x, 2) for x in load] if load else None,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def target(name: str, value: float | None, threshold: float, higher_is_better: bool, unit: str = "") -> dict:
    """A target row: met when ``value`` is on the right side of ``threshold``; unknown when ``value`` is None."""
    met = None if value is None else (value >= threshold if higher_is_better else value <= threshold)
    comparator = ">=" if higher_is_better else "<="
    return {"name": name, "target": f"{comparator} {threshold:g}{unit}", "value": value, "unit": unit, "met": met}


def write_result(
    name: str,
    result: dict[str, Any],
    output_dir: str | os.PathLike = RESULTS_DIR,
    argv: Sequence[str] | None = None,
) -> Path:
    """Write ``<output_dir>/<name>.json`` (with the machine and the exact command) and regenerate RESULTS.md when
    writing to the default results folder.

    Args:
        name: The benchmark's name (``benchmarks/<name>.py``).
        result: Its result.
        output_dir: Where to write.
        argv: The benchmark's arguments (None: this process's command line).
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    result = {
        "benchmark": name,
        "command": " ".join(["python", f"benchmarks/{name}.py", *(shlex.quote(arg) for arg in arguments)]),
        "machine": machine_info(),
        **result,
    }
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf8")
    if output_dir.resolve() == RESULTS_DIR.resolve():
        from benchmarks.report import write_results_markdown

        write_results_markdown()
    return path
