from __future__ import annotations

import json
from pathlib import Path

from datasets import Dataset, DatasetDict

from st_unimr.data.build import data_dir
from st_unimr.data.schemas import ALL_DATASET_NAMES, FEATURES
from st_unimr.errors import UniMRError

__all__ = ["load", "load_labels", "DatasetNotBuiltError"]


class DatasetNotBuiltError(UniMRError, FileNotFoundError):
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
    splits = json.loads((folder / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
    if split is None:
        return DatasetDict({name_: _load_split(folder / name_, name) for name_ in splits})
    if split not in splits:
        raise ValueError(f"unknown split {split!r} for {name!r}; choose from {list(splits)}")
    return _load_split(folder / split, name)


def _load_split(folder: Path, name: str) -> Dataset:
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    if not state.get("_data_files"):
        # datasets saves an empty split without any arrow file, then fails to load it with an IndexError.
        return Dataset.from_dict({column: [] for column in FEATURES[name]}, features=FEATURES[name])
    return Dataset.load_from_disk(str(folder))


def load_labels() -> list[str]:
    """The intent names, in label order, saved with the ``intents`` dataset."""
    path = data_dir() / "intents" / "labels.json"
    if not path.exists():
        raise DatasetNotBuiltError(f"{path} not found. Build it with: python -m st_unimr.data build --only intents")
    return json.loads(path.read_text(encoding="utf-8"))
