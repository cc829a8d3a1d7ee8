"""Turn every image input users pass (PIL images of any mode, arrays, paths, URLs, ``{"image": ...}``) into RGB."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from st_unimr.errors import ImageInputError
from st_unimr.validation import describe_input

__all__ = ["ImageInputError", "describe_input", "load_rgb_image", "to_rgb"]

_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_HIGH_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}


def load_rgb_image(value: Any, max_side: int | None = None) -> Image.Image:
    """Load one image input and return it as an RGB PIL image.

    Args:
        value: A PIL image, a numpy array or torch tensor (HW, HWC or CHW; uint8, or float in [0, 1]), a path
            (``str`` or ``Path``), an ``http(s)://`` URL, or a dict ``{"image": value}``.
        max_side: If given, images much larger than this are first reduced with a cheap integer-factor
            downscale, so an 8000x8000 photo does not pay full-resolution resampling cost.

    Raises:
        ImageInputError: The input is missing, corrupt or of an unsupported type; the message names it.
    """
    if isinstance(value, dict):
        if set(value) != {"image"}:
            raise ImageInputError(f"Image dict inputs must have exactly one key 'image', got keys {sorted(value)}")
        value = value["image"]
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        image = _open_source(value)
    elif isinstance(value, Image.Image):
        image = value
    elif isinstance(value, (np.ndarray, torch.Tensor)):
        image = _array_to_image(value)
    else:
        raise ImageInputError(
            f"Unsupported image input: {describe_input(value)}. "
            "Expected a PIL image, a numpy array or tensor, a file path, a URL or {'image': ...}."
        )
    if image.width < 1 or image.height < 1:
        raise ImageInputError(f"Empty image: {describe_input(value)}")
    if max_side is not None:
        factor = min(image.width, image.height) // (2 * max_side)
        if factor >= 2:
            image = image.reduce(factor)
    return to_rgb(image)


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any PIL mode to RGB; transparent pixels are composited on white, 16-bit images are rescaled."""
    if image.mode == "RGB":
        return image
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in _ALPHA_MODES:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in _HIGH_BIT_MODES:
        # PIL's own conversion clips 16-bit values to 255, which turns most such images white.
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if image.mode.startswith("I;16") else max(float(array.max()), 255.0)
        array = np.clip(array / peak * 255.0, 0, 255).astype(np.uint8)
        return Image.fromarray(array, mode="L").convert("RGB")
    return image.convert("RGB")


def _open_source(source: str) -> Image.Image:
    if source.startswith(("http://", "https://", "data:image/")):
        from transformers.image_utils import load_image

        try:
            return load_image(source)
        except Exception as exc:
            raise ImageInputError(f"Could not load image {describe_input(source)}: {exc}") from exc
    if os.path.isdir(source):
        raise ImageInputError(f"{source!r} is a folder, not an image file")
    if not os.path.isfile(source):
        raise ImageInputError(f"Image file not found: {source!r}")
    try:
        image = Image.open(source)
        image.load()
    except Image.DecompressionBombError as exc:
        raise ImageInputError(
            f"Image file {source!r} is too large to decode safely ({exc}). If you trust it, raise "
            "PIL.Image.MAX_IMAGE_PIXELS."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ImageInputError(f"Could not read image file {source!r} (corrupt or not an image): {exc}") from exc
    return ImageOps.exif_transpose(image)


def _array_to_image(value: np.ndarray | torch.Tensor) -> Image.Image:
    array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[-1] not in (1, 3, 4):
        array = np.moveaxis(array, 0, -1)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ImageInputError(
            f"Unsupported image array shape {array.shape}: expected HW, HWC or CHW with 1/3/4 channels"
        )
    if array.dtype != np.uint8:
        array = array.astype(np.float64)
        if np.isfinite(array).all() and array.max(initial=0.0) <= 1.0:
            array = array * 255.0
        array = np.clip(np.nan_to_num(array), 0, 255).astype(np.uint8)
    return Image.fromarray(array)
