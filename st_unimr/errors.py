"""The exceptions st-unimr raises for bad inputs, bad checkpoints and bad configurations.

Every one derives from :class:`UniMRError`, so one ``except`` catches them all, and also from the builtin a caller
would expect (``ValueError`` for a bad value, ``FileNotFoundError`` for a missing path), so code written against the
builtins keeps working. Messages name the offending input (its index, file, row, field or value) and say what was
expected.

This module imports nothing heavy: the command-line tools import it without loading torch.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ImageInputError",
    "InvalidCheckpointError",
    "InvalidInputError",
    "InvalidInputTypeError",
    "MissingCheckpointFileError",
    "ModelNotFoundError",
    "UniMRError",
    "UnsafeModelError",
]


class UniMRError(Exception):
    """Base class of every error st-unimr raises on purpose.

    Example:
        ::

            import st_unimr

            try:
                model = st_unimr.load("path/to/model")
                st_unimr.encode(model, inputs)
            except st_unimr.UniMRError as err:
                print(f"st-unimr refused: {err}")
    """


class InvalidInputError(UniMRError, ValueError):
    """An argument of a public function or an item of its inputs is invalid; the message names it.

    Raised for texts that cannot be tokenized (lone surrogates), inputs that are neither texts nor images, unknown
    tasks, ``top_k`` / ``truncate_dim`` / layer sizes out of range, unknown image backbones, ...

    Example:
        ::

            import st_unimr

            try:
                st_unimr.encode(model, ["a dog", "\\ud800"])
            except st_unimr.InvalidInputError as err:
                print(err)  # names input 1 and the position of the lone surrogate
    """


class InvalidInputTypeError(InvalidInputError, TypeError):
    """An input has the wrong type (None where a text is expected, ``top_k="2"``, ...). It is also a ``TypeError``.

    Example:
        ::

            import st_unimr

            try:
                st_unimr.predict_intent(model, None)
            except TypeError as err:  # or st_unimr.InvalidInputError, or st_unimr.UniMRError
                print(err)
    """


class ImageInputError(InvalidInputError):
    """An image input could not be read or converted (missing, a folder, corrupt, too large, wrong shape). The
    message names the input: its index, file name or shape.

    Example:
        ::

            import st_unimr

            try:
                st_unimr.encode(model, ["photos/missing.jpg"])
            except st_unimr.ImageInputError as err:
                print(err)
    """


class InvalidCheckpointError(UniMRError, ValueError):
    """A saved model is malformed: a file is missing, truncated or not valid JSON, or a config field has the wrong
    type. The message names the file and, where it applies, the field.

    Example:
        ::

            import st_unimr

            try:
                st_unimr.load("outputs/run/final")
            except st_unimr.InvalidCheckpointError as err:
                print(err)  # e.g. ".../text_2_NLUFeatureFusion/config.json: field 'labels' must be ..."
    """


class MissingCheckpointFileError(InvalidCheckpointError, FileNotFoundError):
    """A file the checkpoint needs is missing (a module's config, its ``model.safetensors``); the message names it.
    It is also a ``FileNotFoundError``.

    Example:
        ::

            import st_unimr

            try:
                st_unimr.load("outputs/run/final")
            except FileNotFoundError as err:  # or st_unimr.InvalidCheckpointError
                print(err)
    """


class UnsafeModelError(UniMRError, ValueError):
    """A checkpoint references code or weights that :func:`st_unimr.load` will not load (a module class outside the
    allowed ones, or pickled weights).

    Example:
        ::

            import st_unimr

            try:
                st_unimr.load("someone/untrusted-model")
            except st_unimr.UnsafeModelError as err:
                print(err)
    """


class ModelNotFoundError(UniMRError, FileNotFoundError):
    """A model path names no existing folder (and is not a Hub id either).

    Example:
        ::

            import st_unimr

            try:
                st_unimr.load("./outputs/typo/final")
            except st_unimr.ModelNotFoundError as err:
                print(err)  # "No such model folder: './outputs/typo/final' ..."
    """


class ConfigError(UniMRError, ValueError):
    """A configuration (training YAML, ``--set`` override, command-line option) is invalid; the message names the
    file and the key, or the option.

    Example:
        ::

            from st_unimr.training.config import load_config
            from st_unimr.errors import ConfigError

            try:
                load_config("quick", ["stage3.save_steps=0"])
            except ConfigError as err:
                print(err)
    """
