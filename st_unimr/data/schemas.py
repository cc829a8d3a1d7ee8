from __future__ import annotations

from datasets import Features, Image, List, Value

__all__ = [
    "DATASET_NAMES",
    "EVAL_ONLY_DATASET_NAMES",
    "OPTIONAL_DATASET_NAMES",
    "ALL_DATASET_NAMES",
    "IMAGE_TEXT_FEATURES",
    "TEXT_PAIR_FEATURES",
    "INTENT_FEATURES",
    "REAL_PHOTO_FEATURES",
    "REQUEST_FEATURES",
    "FEATURES",
]

#: The bundle a plain ``build`` makes (training and its own evaluation splits).
DATASET_NAMES: tuple[str, ...] = ("image_text", "style_shift", "text_pairs", "intents")
#: Evaluation-only datasets: built only on request (``--only``), never used for training, one split (``dev``).
EVAL_ONLY_DATASET_NAMES: tuple[str, ...] = ("real_photos",)
#: Training datasets built only on request (``--only requests``): made from other built datasets, not from packages.
OPTIONAL_DATASET_NAMES: tuple[str, ...] = ("requests",)
ALL_DATASET_NAMES: tuple[str, ...] = DATASET_NAMES + EVAL_ONLY_DATASET_NAMES + OPTIONAL_DATASET_NAMES

#: ``image_text`` and ``style_shift``: one image with one caption in one language.
IMAGE_TEXT_FEATURES = Features(
    {
        "image": Image(),
        "text": Value("string"),
        "lang": Value("string"),
        "concept_id": Value("string"),
        "source": Value("string"),
    }
)
#: ``text_pairs``: two texts with the same meaning, possibly in two languages.
TEXT_PAIR_FEATURES = Features(
    {
        "anchor": Value("string"),
        "positive": Value("string"),
        "lang_anchor": Value("string"),
        "lang_positive": Value("string"),
        "concept_id": Value("string"),
        "source": Value("string"),
    }
)
#: ``intents``: an utterance and its intent; ``label`` indexes the saved ``labels.json`` list.
INTENT_FEATURES = Features(
    {
        "text": Value("string"),
        "label": Value("int64"),
        "intent": Value("string"),
        "lang": Value("string"),
        "template_id": Value("string"),
        "source": Value("string"),
    }
)
#: ``real_photos``: a real photograph with one title (``kind="title"``) or description (``kind="description"``)
#: in one language; ``domain`` is ``"photo"``.
REAL_PHOTO_FEATURES = Features(
    {
        "image": Image(),
        "text": Value("string"),
        "lang": Value("string"),
        "concept_id": Value("string"),
        "kind": Value("string"),
        "domain": Value("string"),
        "source": Value("string"),
        "license": Value("string"),
    }
)
#: ``requests``: a search request (photo or document) with its slot spans (see ``st_unimr.nlu.request_data``).
#: ``spans`` are character offsets into ``text`` (end exclusive), labels ``content``/``time``/``place``;
#: ``time_start``/``time_end`` are the inclusive ISO range of the time slot ("" without one); ``image`` is None
#: for document_search and ``document`` is "" for photo_search.
REQUEST_FEATURES = Features(
    {
        "text": Value("string"),
        "lang": Value("string"),
        "intent": Value("string"),
        "spans": List({"label": Value("string"), "start": Value("int32"), "end": Value("int32")}),
        "content": Value("string"),
        "time_start": Value("string"),
        "time_end": Value("string"),
        "reference_date": Value("string"),
        "frame_id": Value("string"),
        "concept_id": Value("string"),
        "image": Image(),
        "document": Value("string"),
        "source": Value("string"),
    }
)
FEATURES: dict[str, Features] = {
    "image_text": IMAGE_TEXT_FEATURES,
    "style_shift": IMAGE_TEXT_FEATURES,
    "text_pairs": TEXT_PAIR_FEATURES,
    "intents": INTENT_FEATURES,
    "real_photos": REAL_PHOTO_FEATURES,
    "requests": REQUEST_FEATURES,
}
