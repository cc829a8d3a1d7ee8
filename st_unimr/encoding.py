from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modality import is_image_url_or_path

from st_unimr.modules.image_loading import ImageInputError, describe_input

__all__ = ["encode", "input_modality"]

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tiff", ".tif", ".webp")


def input_modality(value: Any, index: int | None = None) -> Literal["text", "image"]:
    """Decide whether one input is a text or an image, with a clear error for anything else.

    Strings are texts, except image URLs, ``data:image/`` URIs and strings that name an image file (an image suffix
    and no whitespace). A string that names a missing image file is an error rather than silently embedded as the
    text of its path; ``pathlib.Path`` objects are always images.

    Raises:
        TypeError: The input is neither a text nor an image (``None``, numbers, ...).
        ImageInputError: The input names an image file that does not exist.
    """
    where = "" if index is None else f" (input {index})"
    if isinstance(value, str):
        if is_image_url_or_path(value):
            return "image"
        if value.lower().endswith(_IMAGE_SUFFIXES) and not any(ch.isspace() for ch in value):
            if not os.path.exists(value):
                raise ImageInputError(
                    f"Image file not found: {value!r}{where}. To embed this string as text, call "
                    "model.encode directly."
                )
            return "image"
        return "text"
    if isinstance(value, (Path, Image.Image, np.ndarray, torch.Tensor)):
        if isinstance(value, Path) and not value.is_file():
            raise ImageInputError(f"Image file not found: {str(value)!r}{where}")
        return "image"
    if isinstance(value, dict) and set(value) == {"image"}:
        return "image"
    raise TypeError(
        f"Cannot embed {describe_input(value)}{where}: expected a string (text), or an image "
        "(PIL image, numpy array, tensor, file path, URL or {'image': ...})."
    )


def encode(
    model: SentenceTransformer,
    inputs: Sequence[Any] | Any,
    task: Literal["query", "document"] | None = None,
    **kwargs,
) -> np.ndarray:
    """Embed a list that mixes texts and images in one call; embeddings come back in input order.

    Plain ``SentenceTransformer.encode`` refuses a batch that holds both modalities. This groups the inputs by
    modality, encodes each group through its route, and puts the rows back in place.

    Args:
        model: A UniMR model.
        inputs: Texts and images (see :func:`input_modality`), or a single one.
        task: ``"query"``, ``"document"`` or None: uses ``encode_query`` / ``encode_document`` / ``encode``, so the
            text route gets the matching prompt.
        **kwargs: Passed to the encode call (``batch_size``, ``truncate_dim``, ``normalize_embeddings``, ...).

    Returns:
        A float32 array ``[len(inputs), dim]`` (``[dim]`` for a single input).

    Example:
        ::

            from PIL import Image
            import st_unimr

            model = st_unimr.load("org/unimr")
            embeddings = st_unimr.encode(model, ["a red bicycle", Image.open("bike.jpg"), "ein rotes Fahrrad"])
            print(embeddings.shape)  # (3, 384)
    """
    single = isinstance(inputs, (str, Path, Image.Image, dict)) or (
        isinstance(inputs, (np.ndarray, torch.Tensor)) and inputs.ndim == 3
    )
    items = [inputs] if single else list(inputs)
    groups: dict[str, list[int]] = {"text": [], "image": []}
    for index, value in enumerate(items):
        groups[input_modality(value, index)].append(index)

    encode_fn = {"query": model.encode_query, "document": model.encode_document, None: model.encode}[task]
    kwargs = {**kwargs, "convert_to_numpy": True, "convert_to_tensor": False}
    result: np.ndarray | None = None
    for indices in groups.values():
        if not indices:
            continue
        group_inputs = [str(items[i]) if isinstance(items[i], Path) else items[i] for i in indices]
        embeddings = np.asarray(encode_fn(group_inputs, **kwargs))
        if result is None:
            result = np.zeros((len(items), embeddings.shape[1]), dtype=embeddings.dtype)
        result[indices] = embeddings
    if result is None:
        dim = kwargs.get("truncate_dim") or model.truncate_dim or model.get_embedding_dimension()
        result = np.zeros((0, dim), dtype=np.float32)
    return result[0] if single else result
