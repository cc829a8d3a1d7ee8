"""Image encoding: images/s of the default image tower at several batch sizes, with and without cached
preprocessing.

Three modes, interleaved per batch size:

- ``per_call``: ``model.encode(images)`` on freshly opened encoded images: decode, RGB conversion, resize and
  normalisation happen in every call (what a user pays encoding new images).
- ``cached_preprocessing``: the pixel tensors are computed once; each call runs only the image route's forward.
- ``cached_backbone_features``: as above with ``ImageEncoder.cache_backbone_features()`` warmed, so the frozen
  backbone is skipped (what repeated training epochs pay).

Usage::

    python benchmarks/image_encoding.py [--model outputs/default/final] [--n 64] [--batch-sizes 1 16 64]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import add_common_arguments, interleaved_timings, load_model, median, set_threads, write_result
from benchmarks.models import image_route

__all__ = ["encoded_test_images", "main", "run"]

NAME = "image_encoding"
MODES = ["per_call", "cached_preprocessing", "cached_backbone_features"]


def encoded_test_images(n: int, split: str = "test") -> list[bytes]:
    """The encoded bytes of ``n`` distinct images of the built image_text split (deterministic order)."""
    from datasets import Image as ImageFeature

    from st_unimr.data import load

    dataset = load("image_text", split).cast_column("image", ImageFeature(decode=False))
    images, seen = [], set()
    for row in dataset["image"]:
        key = hashlib.sha1(row["bytes"]).hexdigest()
        if key not in seen:
            seen.add(key)
            images.append(row["bytes"])
            if len(images) == n:
                break
    if len(images) < n:
        raise ValueError(f"Only {len(images)} distinct images in the {split!r} split, asked for {n}")
    return images


def run(
    model: Any, images: list[bytes], batch_sizes: list[int] = (1, 16, 64), repeats: int = 3, threads: int = 1
) -> dict[str, Any]:
    """Measure images/s of the image route for each batch size and mode.

    Args:
        model: A UniMR model.
        images: Encoded images (PNG/JPEG bytes).
        batch_sizes: Batch sizes.
        repeats: Interleaved repetitions per batch size.
        threads: torch threads.
    """
    import torch
    from PIL import Image

    threads = set_threads(threads)
    model.eval()
    encoder, normalize = image_route(model)

    def opened() -> list[Image.Image]:
        return [Image.open(io.BytesIO(data)) for data in images]

    pixel_values = encoder.preprocess(opened())["pixel_values"]

    def forward_cached(batch_size: int) -> None:
        for start in range(0, len(images), batch_size):
            normalize(encoder({"pixel_values": pixel_values[start : start + batch_size]}))

    images_per_second: dict[str, dict[str, float]] = {mode: {} for mode in MODES}
    seconds: dict[str, dict[str, list[float]]] = {mode: {} for mode in MODES}
    with torch.inference_mode():
        encoder.cache_backbone_features(True)
        forward_cached(max(batch_sizes))  # fill the feature cache once; its keys are the pixel values
        feature_cache = encoder._feature_cache
        encoder.cache_backbone_features(False)
        for batch_size in batch_sizes:

            def per_call(batch_size: int = batch_size) -> None:
                model.encode(opened(), batch_size=batch_size, show_progress_bar=False)

            def cached_preprocessing(batch_size: int = batch_size) -> None:
                forward_cached(batch_size)

            def with_feature_cache(batch_size: int = batch_size) -> None:
                encoder._feature_cache = feature_cache
                forward_cached(batch_size)
                encoder._feature_cache = None

            timings = interleaved_timings(
                {
                    "per_call": per_call,
                    "cached_preprocessing": cached_preprocessing,
                    "cached_backbone_features": with_feature_cache,
                },
                repeats=repeats,
            )
            for mode, values in timings.items():
                seconds[mode][str(batch_size)] = values
                images_per_second[mode][str(batch_size)] = len(images) / median(values)
    encoder.cache_backbone_features(False)

    rows = []
    for batch_size in batch_sizes:
        key = str(batch_size)
        per_call_ips = images_per_second["per_call"][key]
        rows.append(
            [
                batch_size,
                f"{per_call_ips:.1f}",
                f"{images_per_second['cached_preprocessing'][key]:.1f}",
                f"{images_per_second['cached_preprocessing'][key] / per_call_ips:.2f}x",
                f"{images_per_second['cached_backbone_features'][key]:.0f}",
            ]
        )
    return {
        "settings": {
            "n_images": len(images),
            "batch_sizes": list(batch_sizes),
            "repeats": repeats,
            "threads": threads,
            "image_tower": f"{encoder.backbone_type} {encoder.backbone_config}, projection {encoder.projection}",
        },
        "figures": {"images_per_second": images_per_second, "seconds_per_workload": seconds},
        "tables": [
            {
                "title": "Images/s of the image route",
                "columns": [
                    "batch size",
                    "per call (decode + resize + normalise each call)",
                    "cached preprocessing",
                    "cached / per call",
                    "cached preprocessing + backbone feature cache",
                ],
                "rows": rows,
            }
        ],
        "targets": [],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--n", type=int, default=64, help="number of distinct test images")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    set_threads(args.threads)
    model = load_model(args.model)
    result = run(model, encoded_test_images(args.n), args.batch_sizes, args.repeats, args.threads)
    result["settings"]["model"] = args.model or "untrained build_unimr() (default assets)"
    path = write_result(NAME, result, args.output_dir, argv)
    print(f"{NAME}: {result['figures']['images_per_second']} -> {path}")
    return result


if __name__ == "__main__":
    main()
