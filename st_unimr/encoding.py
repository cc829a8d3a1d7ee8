from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image
from sentence_transformers import SentenceTransformer

from st_unimr.errors import InvalidInputTypeError
from st_unimr.validation import check_task, check_truncate_dim, full_embedding_dimension, prepare_input

__all__ = ["encode", "input_modality"]


def input_modality(value: Any, index: int | None = None) -> Literal["text", "image"]:
    """Decide whether one input is a text or an image, with a clear error for anything else.

    Strings are texts, except image URLs, ``data:image/`` URIs and strings that name an image file (an image suffix
    and no whitespace). A string that names a missing image file, or a folder, is an error rather than silently
    embedded as the text of its path; ``pathlib.Path`` objects are always images. See
    :func:`st_unimr.validation.prepare_input`.

    Raises:
        InvalidInputTypeError: The input is neither a text nor an image (``None``, numbers, ...); also a TypeError.
        InvalidInputError: A text with a lone surrogate.
        ImageInputError: The input names an image file that does not exist, or a folder, or is an array that is
            not an image.
    """
    return prepare_input(value, index)[0]


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

    Raises:
        InvalidInputError: An input that is neither a text nor an image, a text with a lone surrogate, an unknown
            ``task`` or a ``truncate_dim`` outside ``1..dimension``; the message names the input or the value.
        ImageInputError: A missing, unreadable or too large image file, a folder, or an array that is not an image;
            the message names the input.

    Example:
        ::

            from PIL import Image
            import st_unimr

            model = st_unimr.load("org/unimr")
            embeddings = st_unimr.encode(model, ["a red bicycle", Image.open("bike.jpg"), "ein rotes Fahrrad"])
            print(embeddings.shape)  # (3, 384)
    """
    check_task(task)
    dimension = full_embedding_dimension(model)
    check_truncate_dim(kwargs.get("truncate_dim"), dimension)
    if kwargs.get("truncate_dim") is None:
        check_truncate_dim(model.truncate_dim, dimension, "model.truncate_dim")
    if inputs is None:
        raise InvalidInputTypeError("inputs must be a text, an image, or a list of them; got None")
    single = (
        isinstance(inputs, (str, Path, Image.Image, dict))
        # A 4-D array is a batch of images; any other numeric array is one input (refused unless 2-D or 3-D).
        or (isinstance(inputs, torch.Tensor) and inputs.ndim != 4)
        or (isinstance(inputs, np.ndarray) and inputs.ndim != 4 and inputs.dtype.kind not in "UO")
        or not isinstance(inputs, Iterable)
    )
    items = [inputs] if single else list(inputs)
    groups: dict[str, list[int]] = {"text": [], "image": []}
    prepared = []
    for index, value in enumerate(items):
        modality, value = prepare_input(value, None if single else index)
        groups[modality].append(index)
        prepared.append(value)

    encode_fn = {"query": model.encode_query, "document": model.encode_document, None: model.encode}[task]
    kwargs = {**kwargs, "convert_to_numpy": True, "convert_to_tensor": False}
    result: np.ndarray | None = None
    for indices in groups.values():
        if not indices:
            continue
        embeddings = np.asarray(encode_fn([prepared[i] for i in indices], **kwargs))
        if result is None:
            result = np.zeros((len(items), embeddings.shape[1]), dtype=embeddings.dtype)
        result[indices] = embeddings
    if result is None:
        dim = kwargs.get("truncate_dim") or model.truncate_dim or model.get_embedding_dimension()
        result = np.zeros((0, dim), dtype=np.float32)
    return result[0] if single else result
