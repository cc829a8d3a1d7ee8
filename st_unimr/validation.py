"""Checks at the public boundary: every bad input is refused with an error that names it and says what was expected.

The functions here are shared by :func:`st_unimr.encode`, :class:`st_unimr.UniMRModel.encode`,
:func:`st_unimr.predict_intent`, :func:`st_unimr.build_unimr` and the loaders.
"""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image

from st_unimr.errors import ImageInputError, InvalidInputError, InvalidInputTypeError

__all__ = [
    "IMAGE_SUFFIXES",
    "TASKS",
    "check_int",
    "check_task",
    "check_text",
    "check_texts",
    "check_truncate_dim",
    "check_value_type",
    "describe_input",
    "describe_type",
    "full_embedding_dimension",
    "prepare_input",
]

#: The tasks of a UniMR model: ``encode_query`` / ``encode_document`` (None: plain ``encode``).
TASKS = ("query", "document")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tiff", ".tif", ".webp")
_SURROGATE = re.compile("[\ud800-\udfff]")


def describe_input(value: Any, limit: int = 80) -> str:
    """A short, printable name for an input, for error messages."""
    if isinstance(value, (str, Path)):
        text = str(value)
        return repr(text if len(text) <= limit else text[:limit] + "...")
    if isinstance(value, Image.Image):
        return f"PIL image (mode={value.mode}, size={value.size})"
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return f"{type(value).__name__} of shape {tuple(value.shape)}"
    if value is None or isinstance(value, (bool, int, float, bytes)):
        return f"{value!r:.{limit}} ({type(value).__name__})"
    return f"object of type {type(value).__name__}"


def _where(index: int | None) -> str:
    return "" if index is None else f"input {index} "


def check_text(text: str, index: int | None = None) -> str:
    """Refuse a text the tokenizer cannot take: one with lone surrogates (``'\\ud800'``, not valid Unicode).

    Raises:
        InvalidInputError: Names the input index and the character position.
    """
    match = _SURROGATE.search(text)
    if match:
        raise InvalidInputError(
            f"{_where(index)}({describe_input(text)}) holds a lone surrogate {match.group()!r} at character "
            f"{match.start()}: it is not valid Unicode and cannot be tokenized. Decode the source text with "
            "errors='replace' (or remove the character)."
        )
    return text


def check_texts(texts: Any, name: str = "texts") -> tuple[list[str], bool]:
    """Check a text or a list of texts.

    Returns:
        The texts as a list, and whether a single text was given.

    Raises:
        InvalidInputTypeError: ``texts`` is not a string or an iterable of strings, or an item is not a string.
        InvalidInputError: A text holds a lone surrogate.
    """
    if isinstance(texts, str):
        return [check_text(texts)], True
    if texts is None or not isinstance(texts, Iterable) or isinstance(texts, (bytes, dict)):
        raise InvalidInputTypeError(f"{name} must be a string or a list of strings, got {describe_input(texts)}")
    items = list(texts)
    for index, text in enumerate(items):
        if not isinstance(text, str):
            raise InvalidInputTypeError(f"{name} must be strings; input {index} is {describe_input(text)}")
        check_text(text, index)
    return items, False


def check_task(task: Any, valid: Sequence[str] = TASKS) -> None:
    """Refuse a task the model has no prompt and route for (``task="search"``); None means plain ``encode``."""
    if task is not None and task not in valid:
        raise InvalidInputError(
            f"Unknown task {task!r}: a UniMR model knows the tasks {list(valid)} (or None for no task prompt)"
        )


def check_int(value: Any, name: str, minimum: int = 1, maximum: int | None = None, allow_none: bool = False) -> None:
    """Refuse anything but a whole number in ``[minimum, maximum]`` (``True``, ``2.5`` and ``'2'`` included).

    Raises:
        InvalidInputTypeError: Not an integer.
        InvalidInputError: Out of range.
    """
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        expected = "an integer" + (" or None" if allow_none else "")
        raise InvalidInputTypeError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise InvalidInputError(f"{name} must be {bound}, got {value}")


def check_truncate_dim(value: Any, dimension: int | None, name: str = "truncate_dim") -> None:
    """Refuse a Matryoshka dimension that is not in ``1..dimension`` (None: no truncation)."""
    if value is None:
        return
    check_int(value, name, minimum=1, maximum=dimension)


def full_embedding_dimension(model: torch.nn.Module) -> int | None:
    """The model's embedding dimension before any ``truncate_dim``."""
    for module in reversed(list(model.children())):
        method = getattr(module, "get_embedding_dimension", None)
        if callable(method) and (dimension := method()) is not None:
            return dimension
    return None


def prepare_input(
    value: Any, index: int | None = None, missing_paths: Literal["error", "text"] = "error"
) -> tuple[Literal["text", "image"], Any]:
    """Decide whether one input is a text or an image, check it, and return it in the form sentence-transformers
    routes correctly.

    Strings are texts, except image URLs, ``data:image/`` URIs and strings that name an image file (an image suffix
    and no whitespace). ``pathlib.Path`` objects are always images. Arrays and tensors are images (HW, HWC or CHW).
    Image paths, URLs and 2-D arrays come back as ``{"image": value}``: sentence-transformers' own guess would take
    some of them for texts (``.tif`` files) or audio (2-D arrays).

    Args:
        value: One input.
        index: Its position in the caller's list, for the messages.
        missing_paths: What a string with an image suffix that names no file is: ``"error"`` (the default of
            :func:`st_unimr.encode`) or ``"text"`` (what ``model.encode`` does, as in sentence-transformers).

    Returns:
        ``("text" | "image", value to encode)``.

    Raises:
        InvalidInputTypeError: Neither a text nor an image (None, numbers, bytes, ...).
        InvalidInputError: A text with a lone surrogate.
        ImageInputError: A path that is a folder or (``missing_paths="error"``) does not exist, or an array of the
            wrong shape.
    """
    where = "" if index is None else f" (input {index})"
    if isinstance(value, str):
        check_text(value, index)
        if value.startswith("data:image/"):
            return "image", {"image": value}
        # Only the ends are lowered: texts can be long.
        if value[:8].lower().startswith(("http://", "https://")):
            path = value.split("?", 1)[0].split("#", 1)[0].lower()
            return (
                ("image", {"image": value}) if path.endswith(IMAGE_SUFFIXES) and " " not in path else ("text", value)
            )
        if value[-5:].lower().endswith(IMAGE_SUFFIXES) and not any(ch.isspace() for ch in value):
            if os.path.isdir(value):
                raise ImageInputError(f"{value!r}{where} is a folder, not an image file")
            if os.path.isfile(value):
                return "image", {"image": value}
            if missing_paths == "error":
                raise ImageInputError(
                    f"Image file not found: {value!r}{where}. To embed this string as text, call model.encode "
                    "directly."
                )
        return "text", value
    if isinstance(value, Path):
        if value.is_dir():
            raise ImageInputError(f"{str(value)!r}{where} is a folder, not an image file")
        if not value.is_file():
            raise ImageInputError(f"Image file not found: {str(value)!r}{where}")
        return "image", {"image": str(value)}
    if isinstance(value, Image.Image):
        return "image", value
    if isinstance(value, (np.ndarray, torch.Tensor)):
        if value.ndim not in (2, 3) or (value.ndim == 3 and 0 in value.shape):
            raise ImageInputError(
                f"Cannot embed {describe_input(value)}{where}: a UniMR model reads arrays as images, which need the "
                "shape HW, HWC or CHW (1, 3 or 4 channels); it has no audio or video route. Pass a batch of images as "
                "a list."
            )
        return "image", {"image": value} if value.ndim == 2 else value
    if isinstance(value, dict):
        if set(value) == {"image"}:
            if isinstance(value["image"], (dict, type(None))):
                raise ImageInputError(f"Cannot embed {{'image': {describe_input(value['image'])}}}{where}")
            prepare_input(value["image"], index, missing_paths="error")
            return "image", value
        if set(value) == {"text"} and isinstance(value["text"], str):
            check_text(value["text"], index)
            return "text", value["text"]
        raise InvalidInputError(
            f"Cannot embed a dict with keys {sorted(value, key=str)}{where}: expected {{'image': ...}} or "
            "{'text': '...'}"
        )
    raise InvalidInputTypeError(
        f"Cannot embed {describe_input(value)}{where}: expected a string (text), or an image (PIL image, numpy "
        "array, tensor, file path, URL or {'image': ...})."
    )


def check_value_type(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a type hint (``int``, ``float``, ``str``, ``bool``, ``list[str]``,
    ``dict[str, Any]``, ``Literal[...]``, unions, ``Any``). Booleans are not numbers; ints are floats."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return True
    if hint is type(None) or hint is None:
        return value is None
    if origin is Literal:
        return value in args
    if origin in (typing.Union, types.UnionType):
        return any(check_value_type(value, arg) for arg in args)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in (list, Sequence) or hint is list:
        return isinstance(value, list) and all(check_value_type(item, args[0]) for item in value if args)
    if origin is dict or hint is dict:
        return isinstance(value, dict) and (
            not args or all(check_value_type(k, args[0]) and check_value_type(v, args[1]) for k, v in value.items())
        )
    return True


def describe_type(hint: Any) -> str:
    """A type hint in words, for messages: ``list[str]`` is "a list of strings"."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        return "one of " + ", ".join(repr(arg) for arg in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe_type(arg) for arg in args)
    if origin in (list, Sequence) or hint is list:
        return f"a list of {describe_type(args[0]).removeprefix('a ').removeprefix('an ')}s" if args else "a list"
    if origin is dict or hint is dict:
        return "an object (mapping)"
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false", type(None): "null"}
    return names.get(hint, getattr(hint, "__name__", str(hint)))
