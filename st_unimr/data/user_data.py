"""A user's own data for one training task: a Hub dataset id or a local path, mapped to the task's schema."""

from __future__ import annotations

import hashlib
from pathlib import Path

from datasets import ClassLabel, Dataset, DatasetDict, load_dataset, load_from_disk
from datasets import Image as ImageFeature

from st_unimr.data.errors import DatasetRowError, DataSourceError
from st_unimr.data.hub_adapters import from_massive
from st_unimr.data.langs import normalise_lang
from st_unimr.data.schemas import FEATURES
from st_unimr.errors import InvalidInputError, UniMRError

__all__ = ["DATA_FILE_FORMATS", "USER_DATA_TASKS", "load_user_dataset"]

#: The tasks whose data a user can bring; each maps to the embedded dataset (and schema) of the same name.
USER_DATA_TASKS: tuple[str, ...] = ("image_text", "text_pairs", "intents")
#: Data file suffixes and the ``datasets`` builder that reads them.
DATA_FILE_FORMATS: dict[str, str] = {
    ".jsonl": "json",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
}
_SPLIT_NAMES = {"train": "train", "validation": "dev", "valid": "dev", "val": "dev", "dev": "dev", "test": "test"}
# Accepted column names, first match wins. Pairs must match as pairs (sentence1 goes with sentence2).
_PAIR_COLUMNS = (("anchor", "positive"), ("sentence1", "sentence2"), ("english", "non_english"), ("query", "document"))
_TEXT_COLUMNS = ("text", "utt", "utterance", "sentence", "caption")
_INTENT_COLUMNS = ("intent", "label")
_IMAGE_COLUMNS = ("image", "image_path", "file_name")
_LANG_COLUMNS = ("lang", "locale", "language")


def load_user_dataset(task: str, source: str | Path, holdout: float = 0.1) -> DatasetDict:
    """Read a user's dataset for ``task`` and map it to that task's schema (``st_unimr.data.FEATURES[task]``).

    The source is a local path or a Hub dataset id; an existing local path wins:

    - a ``.jsonl``/``.json``/``.csv``/``.tsv``/``.parquet`` file (all rows are ``train``);
    - a folder written by ``save_to_disk`` (its splits are kept);
    - a folder of data files (``datasets.load_dataset(folder)``: ``train.jsonl``, ``test.csv``, ... name the splits);
    - a Hub id, optionally with a config after a colon (``AmazonScience/massive:de-DE``); its splits are kept
      (``validation`` is ``dev``).

    Columns, by task (the first name found is used; other columns are ignored):

    - ``text_pairs``: ``anchor`` and ``positive`` (or ``sentence1``/``sentence2``, ``english``/``non_english``,
      ``query``/``document``); optional ``lang_anchor``, ``lang_positive`` (or ``lang`` for both), ``concept_id``
      (rows sharing it are positives of each other; default: the anchor text).
    - ``intents``: ``text`` (or ``utt``, ``utterance``, ``sentence``) and ``intent`` (or ``label``: intent names, or
      integers of a ``ClassLabel`` column); optional ``lang`` (or ``locale``), ``template_id`` (rows that must stay in
      one split; default: the text). MASSIVE's layout (``utt``, ``intent``, ``locale``, ``id``) goes through
      :func:`~st_unimr.data.from_massive`. ``label`` in the result indexes the sorted intent names of all splits.
    - ``image_text``: ``image`` (an image feature, or file paths, relative to the data file's folder; also
      ``image_path``, ``file_name``) and ``text`` (or ``caption``); optional ``lang``, ``concept_id`` (default: the
      image).

    Missing ``dev``/``test`` splits are held out of ``train``: ``holdout`` of its groups (concept / template ids)
    each, at least one group, chosen by a hash of the group key (the same rows on every machine).

    Args:
        task: One of :data:`USER_DATA_TASKS`.
        source: The local path or Hub id.
        holdout: The share of ``train``'s groups moved into each missing evaluation split.

    Returns:
        ``DatasetDict`` with ``train``, ``dev`` and ``test`` in the task's schema; ``source`` holds ``source`` as
        given unless the data has its own ``source`` column.

    Raises:
        InvalidInputError: ``task`` takes no user data, or ``holdout`` is not in (0, 0.5).
        DatasetRowError: A required column is missing, or a value is missing, empty or not text; names the file
            (or Hub id and split), the 1-based row and the column.
        DataSourceError: The source cannot be read (no such file, unsupported file type, unknown Hub id) or has too
            few rows to hold out evaluation splits.

    Example:
        ::

            from st_unimr.data import load_user_dataset

            pairs = load_user_dataset("text_pairs", "my_pairs.jsonl")  # {"anchor": ..., "positive": ...} per line
            print(pairs["train"][0]["anchor"], len(pairs["test"]))
    """
    if task not in USER_DATA_TASKS:
        raise InvalidInputError(f"task {task!r} takes no user data; choose from {', '.join(USER_DATA_TASKS)}")
    if not 0 < holdout < 0.5:
        raise InvalidInputError(f"holdout must be in (0, 0.5), got {holdout!r}")
    source = str(source)
    raw, where, base = _read(task, source)
    if task == "intents" and {"utt", "intent", "locale", "id"} <= set(_first(raw).column_names):
        raw = DatasetDict({split: rows for split, rows in from_massive(raw).items() if len(rows)})
    if "train" not in raw or len(raw["train"]) == 0:
        raise DataSourceError(f"{task} data", source, f"no rows to train on (splits: {', '.join(raw) or 'none'})")
    # An empty dev or test split counts as missing: it is held out of train like an absent one.
    columns = {split: _mapped(task, rows, where(split), base, source) for split, rows in raw.items() if len(rows)}
    missing = [split for split in ("dev", "test") if split not in columns]
    if missing:
        columns.update(_hold_out(columns, missing, holdout, task, source))
    if task == "intents":
        labels = sorted({name for rows in columns.values() for name in rows["intent"]})
        index = {name: i for i, name in enumerate(labels)}
        for rows in columns.values():
            rows["label"] = [index[name] for name in rows["intent"]]
    features = FEATURES[task]
    return DatasetDict(
        {
            split: Dataset.from_dict({key: columns[split][key] for key in features}, features=features)
            for split in ("train", "dev", "test")
        }
    )


def _first(raw: DatasetDict) -> Dataset:
    return next(iter(raw.values()))


def _looks_like_a_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or Path(source).suffix.lower() in DATA_FILE_FORMATS or "\\" in source


def _read(task: str, source: str):
    """The raw splits (named train / dev / test), how to name a split's rows in errors, and the folder that relative
    image paths are resolved against."""
    path = Path(source).expanduser()
    package = f"{task} data"
    try:
        if path.is_file():
            fmt = DATA_FILE_FORMATS.get(path.suffix.lower())
            if fmt is None:
                raise DataSourceError(
                    package, source, f"unsupported file type {path.suffix!r}; use {', '.join(DATA_FILE_FORMATS)}"
                )
            kwargs = {"delimiter": "\t"} if path.suffix.lower() == ".tsv" else {}
            raw = load_dataset(fmt, data_files=str(path), **kwargs)
            return _renamed(raw, package, source), lambda split: source, path.parent
        if path.is_dir():
            if (path / "dataset_dict.json").exists() or (path / "state.json").exists():
                raw = load_from_disk(str(path))
                raw = raw if isinstance(raw, DatasetDict) else DatasetDict({"train": raw})
            else:
                raw = load_dataset(str(path))
            return _renamed(raw, package, source), lambda split: f"{source} (split {split})", path
        if _looks_like_a_path(source):
            raise DataSourceError(package, source, "no such file or folder")
        repo_id, _, config = source.partition(":")
        raw = load_dataset(repo_id, config or None)
    except UniMRError:
        raise
    except Exception as exc:  # datasets raises many kinds: unknown Hub id, unreadable file, bad JSON, ...
        raise DataSourceError(package, source, f"could not be read: {type(exc).__name__}: {exc}") from exc
    if not isinstance(raw, DatasetDict):
        raw = DatasetDict({"train": raw})
    return _renamed(raw, package, source), lambda split: f"{source} (split {split})", None


def _renamed(raw: DatasetDict, package: str, source: str) -> DatasetDict:
    """Splits under the project's names; a single split of any name is ``train``, other unknown names are refused."""
    if len(raw) == 1:
        return DatasetDict({"train": _first(raw)})
    out = {}
    for name, rows in raw.items():
        split = _SPLIT_NAMES.get(name.lower(), "test" if name.lower().startswith("test") else None)
        if split is None or split in out:
            raise DataSourceError(
                package, source, f"split {name!r} is not train, validation/dev or test (splits: {', '.join(raw)})"
            )
        out[split] = rows
    return DatasetDict(out)


def _column(rows: Dataset, names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in rows.column_names), None)


def _required(rows: Dataset, names: tuple[str, ...], task: str, where: str, what: str) -> str:
    name = _column(rows, names)
    if name is None:
        accepted = " or ".join(repr(n) for n in names)
        raise DatasetRowError(
            task, where, None, names[0], f"missing: {what} needs {accepted}; found {rows.column_names}"
        )
    return name


def _texts(rows: Dataset | list, column: str, task: str, where: str) -> list[str]:
    values = rows if isinstance(rows, list) else list(rows[column])
    for row, value in enumerate(values, 1):
        if value is None:
            raise DatasetRowError(task, where, row, column, "missing value")
        if not isinstance(value, str):
            raise DatasetRowError(task, where, row, column, f"expected text, got {type(value).__name__} {value!r:.60}")
        if not value.strip():
            raise DatasetRowError(task, where, row, column, "empty text")
    return values


def _optional(rows: Dataset, names: tuple[str, ...], default: list[str], task: str, where: str) -> list[str]:
    column = _column(rows, names)
    if column is None:
        return default
    values = list(rows[column])
    for row, value in enumerate(values, 1):
        if value is not None and not isinstance(value, str):
            raise DatasetRowError(task, where, row, column, f"expected text, got {type(value).__name__} {value!r:.60}")
    return [value if value else fallback for value, fallback in zip(values, default)]


def _key(prefix: str, text: str) -> str:
    return f"{prefix}:" + hashlib.sha256(text.strip().lower().encode("utf8")).hexdigest()[:16]


def _mapped(task: str, rows: Dataset, where: str, base: Path | None, source: str) -> dict[str, list]:
    """One split as columns of the task's schema (``label`` is filled in once every split's intents are known)."""
    count = len(rows)
    sources = _optional(rows, ("source",), [source] * count, task, where)
    langs = _optional(rows, _LANG_COLUMNS, ["und"] * count, task, where)
    langs = [normalise_lang(lang) or "und" for lang in langs]
    if task == "text_pairs":
        pair = next((pair for pair in _PAIR_COLUMNS if set(pair) <= set(rows.column_names)), None)
        if pair is None:
            accepted = ", ".join("/".join(pair) for pair in _PAIR_COLUMNS)
            raise DatasetRowError(
                task,
                where,
                None,
                "anchor",
                f"missing: text pairs need 'anchor' and 'positive' (or {accepted}); found {rows.column_names}",
            )
        anchors, positives = _texts(rows, pair[0], task, where), _texts(rows, pair[1], task, where)
        english = ["en"] * count if pair[0] == "english" else langs
        return {
            "anchor": anchors,
            "positive": positives,
            "lang_anchor": _optional(rows, ("lang_anchor",), english, task, where),
            "lang_positive": _optional(rows, ("lang_positive",), langs, task, where),
            "concept_id": _optional(rows, ("concept_id",), [_key("user", a) for a in anchors], task, where),
            "source": sources,
        }
    if task == "intents":
        texts = _texts(rows, _required(rows, _TEXT_COLUMNS, task, where, "an intent dataset"), task, where)
        column = _required(rows, _INTENT_COLUMNS, task, where, "an intent dataset")
        feature, values = rows.features[column], list(rows[column])
        if isinstance(feature, ClassLabel):  # integers with names (Hub datasets): the names are the intents
            values = [feature.int2str(value) if isinstance(value, int) and value >= 0 else None for value in values]
        intents = _texts(values, column, task, where)
        return {
            "text": texts,
            "label": [-1] * count,
            "intent": [intent.strip() for intent in intents],
            "lang": langs,
            "template_id": _optional(rows, ("template_id",), [_key("user", t) for t in texts], task, where),
            "source": sources,
        }
    texts = _texts(rows, _required(rows, _TEXT_COLUMNS, task, where, "an image_text dataset"), task, where)
    images = _images(rows, _required(rows, _IMAGE_COLUMNS, task, where, "an image_text dataset"), task, where, base)
    keys = [_key("image", image["path"] or hashlib.sha256(image["bytes"]).hexdigest()) for image in images]
    return {
        "image": images,
        "text": texts,
        "lang": langs,
        "concept_id": _optional(rows, ("concept_id",), keys, task, where),
        "source": sources,
    }


def _images(rows: Dataset, column: str, task: str, where: str, base: Path | None) -> list[dict]:
    """The images as ``{"path", "bytes"}`` (not decoded); file paths resolved against ``base`` and checked."""
    if isinstance(rows.features[column], ImageFeature):
        values = list(rows.cast_column(column, ImageFeature(decode=False))[column])
        for row, value in enumerate(values, 1):
            if value is None or (value.get("bytes") is None and value.get("path") is None):
                raise DatasetRowError(task, where, row, column, "missing image")
        return [{"path": value.get("path"), "bytes": value.get("bytes")} for value in values]
    images = []
    for row, value in enumerate(_texts(rows, column, task, where), 1):
        path = Path(value).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        if not path.is_file():
            raise DatasetRowError(task, where, row, column, f"image file not found: {path}")
        images.append({"path": str(path), "bytes": None})
    return images


def _hold_out(
    columns: dict[str, dict[str, list]], missing: list[str], share: float, task: str, source: str
) -> dict[str, dict[str, list]]:
    """Move ``share`` of train's groups (at least one) into each missing split; a group never spans two splits."""
    train = columns["train"]
    key = {"text_pairs": "concept_id", "intents": "template_id", "image_text": "concept_id"}[task]
    order = sorted(set(train[key]), key=lambda group: hashlib.sha256(f"st-unimr-holdout\x00{group}".encode()).digest())
    counts = [max(1, round(share * len(order))) for _ in missing]
    if len(order) - sum(counts) < 1:
        raise DataSourceError(
            f"{task} data",
            source,
            f"{len(order)} distinct {key} value(s) are too few to hold out {' and '.join(missing)}; add rows or give "
            "the dataset its own dev/test split",
        )
    split_of: dict[str, str] = {}
    start = 0
    for split, count in zip(missing, counts):
        split_of.update({group: split for group in order[start : start + count]})
        start += count
    out: dict[str, dict[str, list]] = {split: {name: [] for name in train} for split in ["train", *missing]}
    for row, group in enumerate(train[key]):
        target = out[split_of.get(group, "train")]
        for name, values in train.items():
            target[name].append(values[row])
    return out
