"""``python -m st_unimr.assets fetch [--only NAME ...]``: materialise every offline model and data file once."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from tqdm.auto import tqdm

from st_unimr.assets.artifact import ArtifactError
from st_unimr.assets.baseline_models import ensure_baseline
from st_unimr.assets.e5_converter import ensure_text_model
from st_unimr.assets.efficientnet_weights import ensure_image_backbone
from st_unimr.assets.home import unimr_home
from st_unimr.assets.imagenet_classes import imagenet_classnames

__all__ = ["main", "STEPS"]

STEPS: dict[str, tuple[str, Callable[[], object]]] = {
    "text-model": ("multilingual-e5-small (4-bit) -> sentence-transformers folder", ensure_text_model),
    "image-backbone": ("EfficientNet-Lite0 ImageNet weights", lambda: ensure_image_backbone("lite0")),
    "imagenet-classes": ("ImageNet-1k class names", imagenet_classnames),
    "use-multilingual": ("baseline: multilingual USE v3", lambda: ensure_baseline("use-multilingual")),
    "all-minilm-l6-v2": ("baseline: all-MiniLM-L6-v2", lambda: ensure_baseline("all-minilm-l6-v2")),
}
OPTIONAL_STEPS: dict[str, tuple[str, Callable[[], object]]] = {
    "image-backbone-lite2": ("EfficientNet-Lite2 ImageNet weights", lambda: ensure_image_backbone("lite2")),
}


def main(argv: list[str] | None = None, prog: str = "python -m st_unimr.assets") -> int:
    """Command line: ``python -m st_unimr.assets fetch [--only NAME ...]`` (``st-unimr fetch`` passes its ``prog``)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    what = "download, verify and convert the pinned artifacts (idempotent)"
    fetch = sub.add_parser("fetch", help=what, description=f"{what[0].upper()}{what[1:]}, into $ST_UNIMR_HOME.")
    choices = sorted({**STEPS, **OPTIONAL_STEPS})
    fetch.add_argument("--only", nargs="+", choices=choices, metavar="NAME", help=f"subset of: {', '.join(choices)}")
    args = parser.parse_args(argv)

    names = args.only or list(STEPS)
    steps = {**STEPS, **OPTIONAL_STEPS}
    print(f"ST_UNIMR_HOME = {unimr_home()}")
    start = time.perf_counter()
    with tqdm(names, desc="st-unimr assets", unit="step") as bar:
        for name in bar:
            label, step = steps[name]
            bar.set_postfix_str(label)
            t0 = time.perf_counter()
            try:
                result = step()
            except ArtifactError as exc:
                bar.close()
                print(f"error: {name}: {exc}", file=sys.stderr)
                return 1
            shown = f"{len(result)} names" if isinstance(result, list) else result
            tqdm.write(f"  {name:<22} {time.perf_counter() - t0:6.1f}s  {shown}")
    print(f"done in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
