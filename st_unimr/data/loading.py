from __future__ import annotations

import json

from datasets import Dataset, DatasetDict, load_from_disk

from st_unimr.data.build import data_dir
from st_unimr.data.schemas import ALL_DATASET_NAMES

__all__ = ["load", "load_labels", "DatasetNotBuiltError"]


class DatasetNotBuiltError(FileNotFoundError):
    """The requested dataset has not been built yet; the message gives the command that builds it."""


def load(name: str, split: str | None = None) -> Dataset | DatasetDict:
    """Load a built dataset.

    Args:
        name: One of ``image_text``, ``style_shift``, ``text_pairs``, ``intents``, or the evaluation-only
            ``real_photos`` (one split, ``dev``).
        split: ``train``, ``dev`` or ``test``; ``None`` returns the whole ``DatasetDict``.

    Raises:
        DatasetNotBuiltError: Not built yet; run ``python -m st_unimr.data build``.

    Example:
        ::

            from st_unimr.data import load

            train = load("image_text", "train")
            print(train[0]["text"], train[0]["image"].size)
    """
    if name not in ALL_DATASET_NAMES:
        raise ValueError(f"unknown dataset {name!r}; choose from {list(ALL_DATASET_NAMES)}")
    folder = data_dir() / name
    if not (folder / "dataset_dict.json").exists():
        raise DatasetNotBuiltError(
            f"dataset {name!r} is not built in {folder}. Build it with: python -m st_unimr.data build --only {name}"
        )
    dataset = load_from_disk(str(folder))
    if split is None:
        return dataset
    if split not in dataset:
        raise ValueError(f"unknown split {split!r} for {name!r}; choose from {list(dataset)}")
    return dataset[split]


def load_labels() -> list[str]:
    """The intent names, in label order, saved with the ``intents`` dataset."""
    path = data_dir() / "intents" / "labels.json"
    if not path.exists():
        raise DatasetNotBuiltError(f"{path} not found. Build it with: python -m st_unimr.data build --only intents")
    return json.loads(path.read_text(encoding="utf-8"))
