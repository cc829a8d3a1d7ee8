from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from datasets import Dataset, DatasetDict, load_dataset

from st_unimr.data.errors import DataSourceError
from st_unimr.data.langs import normalise_lang
from st_unimr.data.schemas import FEATURES

__all__ = ["from_massive", "from_multi30k", "from_crossmodal3600", "from_parallel_sentences"]

_SPLIT_NAMES = {"train": "train", "validation": "dev", "valid": "dev", "val": "dev", "dev": "dev", "test": "test"}


def _split_name(name: str) -> str:
    return _SPLIT_NAMES.get(name.lower(), "test" if name.lower().startswith("test") else name.lower())


def _to_dict(rows_by_split: dict[str, list[dict]], name: str) -> DatasetDict:
    features = FEATURES[name]
    return DatasetDict(
        {
            split: Dataset.from_list(rows, features=features)
            if rows
            else Dataset.from_dict({k: [] for k in features}, features=features)
            for split, rows in rows_by_split.items()
        }
    )


def _is_local(source) -> bool:
    return isinstance(source, (str, Path)) and Path(source).exists()


def from_massive(source: str | Path | DatasetDict = "AmazonScience/massive", config: str = "all") -> DatasetDict:
    """Map MASSIVE to the ``intents`` schema, keeping its own train/dev/test partitions.

    Args:
        source: A Hub id (loaded with ``datasets.load_dataset(source, config)``), a ``DatasetDict`` already
            loaded, or a local folder laid out like the MASSIVE release (``data/<locale>.jsonl`` or
            ``<locale>.jsonl`` files with ``locale``, ``partition``, ``intent``, ``utt``, ``id``).
        config: Hub config, e.g. ``"all"`` or ``"de-DE"``.

    ``template_id`` is ``massive:<id>``: MASSIVE ids are shared by the translations of one utterance, so a
    template never spans two splits. ``label`` indexes the sorted intent names (``source`` is ``massive``).

    Example:
        ::

            from st_unimr.data import from_massive

            intents = from_massive("AmazonScience/massive", "de-DE")
    """
    records: list[tuple[str, dict]] = []
    if _is_local(source):
        files = sorted(Path(source).rglob("*.jsonl"))
        if not files:
            raise DataSourceError(str(source), "*.jsonl", "no MASSIVE jsonl files found")
        for path in files:
            for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    records.append((_split_name(row["partition"]), row))
                except (ValueError, KeyError) as exc:
                    raise DataSourceError(str(source), path.name, f"bad MASSIVE record: {exc}", line=line_no) from exc
    else:
        dsd = source if isinstance(source, DatasetDict) else load_dataset(str(source), config)
        for split, ds in dsd.items():
            names = ds.features["intent"].names if hasattr(ds.features["intent"], "names") else None
            for row in ds:
                row = dict(row)
                if names is not None and isinstance(row["intent"], int):
                    row["intent"] = names[row["intent"]]
                records.append((_split_name(split), row))
    labels = sorted({str(r["intent"]) for _, r in records})
    index = {name: i for i, name in enumerate(labels)}
    out: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for split, row in records:
        out.setdefault(split, []).append(
            {
                "text": row["utt"],
                "label": index[str(row["intent"])],
                "intent": str(row["intent"]),
                "lang": normalise_lang(row["locale"]).split("-")[0],
                "template_id": f"massive:{row['id']}",
                "source": "massive",
            }
        )
    return _to_dict(out, "intents")


def from_parallel_sentences(
    source: str | Path | Dataset | DatasetDict, lang: str, config: str | None = None, split: str = "train"
) -> DatasetDict:
    """Map a sentence-transformers parallel-sentences dataset (``english``, ``non_english``) to ``text_pairs``.

    Args:
        source: A Hub id such as ``sentence-transformers/parallel-sentences-talks``, a loaded dataset, or a local
            folder/file (``.jsonl``, ``.json``, ``.csv``, ``.tsv`` or ``.parquet``) with those two columns.
        lang: The language of ``non_english`` (the Hub subset is usually ``en-<lang>``).
        config: Hub subset; default ``en-<lang>``.
        split: The split to read; it is kept as the split of the result. ``concept_id`` hashes the English side.

    Example:
        ::

            from st_unimr.data import from_parallel_sentences

            pairs = from_parallel_sentences("sentence-transformers/parallel-sentences-talks", "de")
    """
    import hashlib

    if isinstance(source, (Dataset, DatasetDict)):
        ds = source[split] if isinstance(source, DatasetDict) else source
    elif _is_local(source):
        path = Path(source)
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        fmt = {"jsonl": "json", "json": "json", "csv": "csv", "tsv": "csv", "parquet": "parquet"}
        files = [p for p in files if p.suffix.lstrip(".") in fmt]
        if not files:
            raise DataSourceError(str(source), "*", "no .jsonl/.csv/.tsv/.parquet file found")
        kwargs = {"delimiter": "\t"} if files[0].suffix == ".tsv" else {}
        ds = load_dataset(
            fmt[files[0].suffix.lstrip(".")], data_files=[str(p) for p in files], split="train", **kwargs
        )
    else:
        ds = load_dataset(str(source), config or f"en-{lang}", split=split)
    missing = {"english", "non_english"} - set(ds.column_names)
    if missing:
        raise DataSourceError(str(source), split, f"missing columns {sorted(missing)}")
    lang = normalise_lang(lang)
    rows = [
        {
            "anchor": en,
            "positive": other,
            "lang_anchor": "en",
            "lang_positive": lang,
            "concept_id": "text:" + hashlib.sha256(en.strip().lower().encode()).hexdigest()[:16],
            "source": "parallel-sentences",
        }
        for en, other in zip(ds["english"], ds["non_english"])
        if en and other
    ]
    return _to_dict({_split_name(split): rows}, "text_pairs")


def from_crossmodal3600(source: str | Path | DatasetDict = "floschne/xm3600", langs: Sequence[str] | None = None):
    """Map Crossmodal-3600 to the ``image_text`` schema (all rows in ``test``: it is an evaluation set).

    Args:
        source: A Hub id laid out like ``floschne/xm3600`` (one split per language; ``image_id``, ``captions``,
            ``image``), a loaded ``DatasetDict`` of that form, or a local folder of the original release
            (``captions.jsonl`` with ``{"image/key": ..., "<lang>": {"caption": [...]}}`` per line, and
            ``images/<key>.jpg``).
        langs: Languages to keep (default: all).

    ``concept_id`` is ``xm3600:<image key>``, so all captions of an image count as positives.

    Example:
        ::

            from st_unimr.data import from_crossmodal3600

            xm = from_crossmodal3600("floschne/xm3600", langs=["de", "ja"])
    """
    rows: list[dict] = []
    keep = set(langs) if langs else None
    if _is_local(source):
        root = Path(source)
        captions = root / "captions.jsonl"
        if not captions.exists():
            raise DataSourceError(str(root), "captions.jsonl", "file not found")
        for line_no, line in enumerate(captions.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key = record["image/key"]
            except (ValueError, KeyError) as exc:
                raise DataSourceError(str(root), "captions.jsonl", f"bad record: {exc}", line=line_no) from exc
            image = root / "images" / f"{key}.jpg"
            if not image.exists():
                raise DataSourceError(str(root), f"images/{key}.jpg", "image listed in captions.jsonl not found")
            for lang, value in record.items():
                if lang == "image/key" or not isinstance(value, dict) or (keep and lang not in keep):
                    continue
                for caption in value.get("caption", []):
                    rows.append(_image_row(str(image), caption, lang, f"xm3600:{key}", "xm3600"))
    else:
        dsd = source if isinstance(source, DatasetDict) else load_dataset(str(source))
        for lang, ds in dsd.items():
            if keep and lang not in keep:
                continue
            for row in ds:
                for caption in row["captions"]:
                    rows.append(_image_row(row["image"], caption, lang, f"xm3600:{row['image_id']}", "xm3600"))
    return _to_dict({"train": [], "dev": [], "test": rows}, "image_text")


def _image_row(image, text: str, lang: str, concept_id: str, source: str) -> dict:
    return {"image": image, "text": text, "lang": normalise_lang(lang), "concept_id": concept_id, "source": source}


def from_multi30k(
    source: str | Path | DatasetDict,
    images_dir: str | Path | None = None,
    langs: Sequence[str] = ("en", "de", "fr", "cs"),
) -> DatasetDict:
    """Map Multi30k (task 1) to the ``image_text`` schema.

    Args:
        source: A local folder laid out like ``multi30k-dataset/data/task1`` (``raw/<split>.<lang>`` caption
            files, line-aligned with ``image_splits/<split>.txt``), or a Hub id / ``DatasetDict`` with an
            ``image`` column and one caption column per language.
        images_dir: The Flickr30k images folder (local layout only; Multi30k ships no images).
        langs: Caption languages to keep.

    Splits ``train``/``val``/``test_2016_flickr`` map to ``train``/``dev``/``test``; ``concept_id`` is
    ``multi30k:<image file>``.

    Example:
        ::

            from st_unimr.data import from_multi30k

            m30k = from_multi30k("multi30k-dataset/data/task1", images_dir="flickr30k-images")
    """
    out: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    if _is_local(source):
        root = Path(source)
        if images_dir is None:
            raise ValueError("images_dir (the Flickr30k images folder) is required for a local Multi30k folder")
        for split_file in sorted((root / "image_splits").glob("*.txt")):
            split = split_file.stem
            names = [n.strip() for n in split_file.read_text(encoding="utf-8").splitlines() if n.strip()]
            for lang in langs:
                captions_file = root / "raw" / f"{split}.{lang}"
                if not captions_file.exists():
                    continue
                captions = captions_file.read_text(encoding="utf-8").splitlines()
                if len(captions) != len(names):
                    raise DataSourceError(
                        str(root), f"raw/{split}.{lang}", f"{len(captions)} captions for {len(names)} images"
                    )
                for name, caption in zip(names, captions):
                    image = Path(images_dir) / name
                    if not image.exists():
                        raise DataSourceError(str(images_dir), name, f"image listed in {split_file.name} not found")
                    row = _image_row(str(image), caption.strip(), lang, f"multi30k:{name}", "multi30k")
                    out.setdefault(_split_name(split), []).append(row)
    else:
        dsd = source if isinstance(source, DatasetDict) else load_dataset(str(source))
        for split, ds in dsd.items():
            key = "image_id" if "image_id" in ds.column_names else None
            for i, row in enumerate(ds):
                concept = f"multi30k:{row[key] if key else f'{split}-{i}'}"
                for lang in langs:
                    if row.get(lang):
                        out.setdefault(_split_name(split), []).append(
                            _image_row(row["image"], row[lang], lang, concept, "multi30k")
                        )
    return _to_dict(out, "image_text")
