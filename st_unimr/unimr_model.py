from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import Router

from st_unimr.errors import InvalidInputError, InvalidInputTypeError
from st_unimr.model_card import UniMRModelCardData
from st_unimr.validation import TASKS, check_task, check_truncate_dim, full_embedding_dimension, prepare_input

__all__ = ["UniMRModel"]

_ENCODE_SIGNATURE = inspect.signature(SentenceTransformer.encode)


class UniMRModel(SentenceTransformer):
    """The ``SentenceTransformer`` that :func:`st_unimr.build_unimr` and :func:`st_unimr.load` return.

    It saves, loads, trains and encodes exactly like a ``SentenceTransformer`` (the saved folder is a plain
    sentence-transformers checkpoint), and checks its inputs first, so a bad one is refused with an error that names
    it instead of failing deep inside a tokenizer or being embedded as something else:

    - texts with lone surrogates (``'\\ud800'``) name the input and the character;
    - a folder named like an image (``photos.jpg/``), 1-D or 4-D arrays, ``None`` and numbers name the input;
    - a list that mixes texts and images points at :func:`st_unimr.encode`, which embeds such lists;
    - an unknown ``task`` lists the model's tasks; ``truncate_dim`` must be in ``1..dimension``;
    - 2-D arrays are read as grayscale images (sentence-transformers would take them for audio, which the model
      has no route for).

    Example:
        ::

            import st_unimr

            model = st_unimr.load("org/unimr")  # a UniMRModel
            model.encode_query(["photos of my dog at the beach"], truncate_dim=128)
            model.encode_query(["ok", "\\ud800"])  # InvalidInputError: input 1 ... holds a lone surrogate ...
    """

    # sentence-transformers' extension point for the card every save writes: its own card plus the st-unimr sections,
    # with usage snippets that run (see st_unimr.model_card).
    model_card_data_class = UniMRModelCardData

    @property
    def tasks(self) -> list[str]:
        """The values ``encode(task=...)`` accepts besides None: ``query``, ``document`` and any task the Router
        maps explicitly."""
        tasks = list(TASKS)
        for module in self.modules():
            if isinstance(module, Router):
                tasks += [task for task, _ in module.route_mappings if task is not None and task not in tasks]
        return tasks

    def encode(self, inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
        """``SentenceTransformer.encode`` (same arguments and results) with the input checks of this class.

        Raises:
            InvalidInputError: A bad input, task or ``truncate_dim``; the message names it.
        """
        if inputs is None and "sentences" in kwargs:
            inputs = kwargs.pop("sentences")  # sentence-transformers' deprecated name for `inputs`
        try:
            bound = _ENCODE_SIGNATURE.bind(self, inputs, *args, **kwargs)
        except TypeError:
            return super().encode(inputs, *args, **kwargs)  # sentence-transformers words argument errors itself
        options = bound.arguments
        task = options.get("kwargs", {}).get("task")
        if task is not None and task not in TASKS:
            check_task(task, self.tasks)
        truncate_dim = options.get("truncate_dim")
        if truncate_dim is None:
            check_truncate_dim(self.truncate_dim, full_embedding_dimension(self), "model.truncate_dim")
        else:
            check_truncate_dim(truncate_dim, full_embedding_dimension(self))
        return super().encode(self._prepare_inputs(inputs), *args, **kwargs)

    def _prepare_inputs(self, inputs: Any) -> Any:
        if inputs is None:
            raise InvalidInputTypeError("inputs must be a text, an image, or a list of them; got None")
        if self.is_singular_input(inputs):
            return prepare_input(inputs, missing_paths="text")[1]
        items = inputs.tolist() if isinstance(inputs, np.ndarray) else list(inputs)
        prepared = []
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            modality, value = prepare_input(item, index, missing_paths="text")
            first.setdefault(modality, index)
            prepared.append(value)
        if len(first) > 1:
            raise InvalidInputError(
                f"The inputs mix texts (input {first['text']}) and images (input {first['image']}): model.encode "
                "embeds one modality per call. st_unimr.encode(model, inputs) embeds mixed lists."
            )
        return prepared
