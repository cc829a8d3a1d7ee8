"""A small data bundle in the embedded datasets' schemas, written where st_unimr.data.load reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from datasets import DatasetDict
from PIL import Image

from st_unimr.data import FEATURES
from st_unimr.data.build import RECIPE_VERSIONS

REPO = Path(__file__).resolve().parents[2]
COLOURS = ["red", "blue", "green", "black", "white", "yellow", "purple", "orange", "pink", "brown", "grey", "cyan"]
INTENTS = ["weather:Current", "alarm:Set", "music:Play", "photos:Find"]
UTTERANCES = {
    "weather:Current": ["will it rain", "weather tomorrow", "is it sunny", "how cold is it", "wetter morgen"],
    "alarm:Set": ["wake me up at 7", "set an alarm", "alarm for 6", "wecker stellen", "réveille moi"],
    "music:Play": ["play music", "play some jazz", "musik spielen", "joue de la musique", "play loud music"],
    "photos:Find": ["find my photos", "show me pictures", "fotos zeigen", "montre les photos", "photo of a dog"],
}


def _split(index: int) -> str:
    return ["train", "train", "train", "dev", "test"][index % 5]


def write_bundle(home: Path) -> None:
    data = home / "data"
    image_rows, pair_rows, intent_rows = {s: [] for s in ("train", "dev", "test")}, {}, {}
    pair_rows = {s: [] for s in ("train", "dev", "test")}
    intent_rows = {s: [] for s in ("train", "dev", "test")}
    for i, colour in enumerate(COLOURS * 2):
        split = _split(i)
        shade = (i * 37 % 255, i * 91 % 255, i * 53 % 255)
        concept = f"name:{colour}-{i}"
        for lang, text in (("en", f"a {colour} square {i}"), ("de", f"ein {colour} quadrat {i}")):
            image = Image.new("RGB", (24, 24), shade)
            image_rows[split].append(
                {"image": image, "text": text, "lang": lang, "concept_id": concept, "source": "fixture"}
            )
            if lang != "en":
                pair_rows[split].append(
                    {
                        "anchor": f"a {colour} square {i}",
                        "positive": text,
                        "lang_anchor": "en",
                        "lang_positive": lang,
                        "concept_id": concept,
                        "source": "fixture",
                    }
                )
    for label, intent in enumerate(INTENTS):
        for j, text in enumerate(UTTERANCES[intent] * 3):
            split = _split(j)
            intent_rows[split].append(
                {
                    "text": f"{text} {j}",
                    "label": label,
                    "intent": intent,
                    "lang": "en",
                    "template_id": f"{intent}/{j}",
                    "source": "fixture",
                }
            )
    for name, rows in (("image_text", image_rows), ("text_pairs", pair_rows), ("intents", intent_rows)):
        features = FEATURES[name]
        dataset = DatasetDict({split: _dataset(rows[split], features) for split in rows})
        dataset.save_to_disk(str(data / name))
    (data / "intents" / "labels.json").write_text(json.dumps(INTENTS))
    write_requests(data)


# (frame, intent, split): dev and test hold frames training never sees.
FRAMES = [
    ("please find a photo of {c} from last month", "photo_search", "train"),
    ("show me pictures of {c} in paris", "photo_search", "train"),
    ("find the document about {c}", "document_search", "train"),
    ("where is my file on {c} from yesterday", "document_search", "train"),
    ("any photos of {c} taken last week", "photo_search", "dev"),
    ("look for the note about {c}", "document_search", "dev"),
    ("i need the picture of {c} from berlin", "photo_search", "test"),
    ("open my document on {c}", "document_search", "test"),
]
SLOT_WORDS = {"last month": "time", "yesterday": "time", "last week": "time", "paris": "place", "berlin": "place"}


def request_row(frame_id: int, colour: str, index: int) -> dict:
    frame, intent, _ = FRAMES[frame_id]
    content = f"a {colour} square {index}"
    text = frame.format(c=content)
    spans = [{"label": "content", "start": text.index(content), "end": text.index(content) + len(content)}]
    for words, label in SLOT_WORDS.items():
        if words in text:
            spans.append({"label": label, "start": text.index(words), "end": text.index(words) + len(words)})
    spans.sort(key=lambda span: span["start"])
    shade = (index * 37 % 255, index * 91 % 255, index * 53 % 255)
    time_start, time_end = ("2026-10-01", "2026-10-31") if "last month" in text else ("", "")
    return {
        "text": text,
        "lang": "en",
        "intent": intent,
        "spans": spans,
        "content": content,
        "time_start": time_start,
        "time_end": time_end,
        "reference_date": "2026-11-27",
        "frame_id": f"frame-{frame_id}",
        "concept_id": f"name:{colour}-{index}",
        "image": Image.new("RGB", (24, 24), shade) if intent == "photo_search" else None,
        "document": f"Notes on the {colour} square number {index}." if intent == "document_search" else "",
        "source": "fixture",
    }


def write_requests(data: Path) -> None:
    rows = {split: [] for split in ("train", "dev", "test")}
    for index, colour in enumerate(COLOURS * 2):
        for frame_id, (_, _, split) in enumerate(FRAMES):
            rows[split].append(request_row(frame_id, colour, index))
    features = FEATURES["requests"]
    DatasetDict({split: _dataset(rows[split], features) for split in rows}).save_to_disk(str(data / "requests"))
    # Marked as built by the current recipe: an unmarked folder counts as stale and st_unimr.data.build remakes it.
    (data / "requests" / "recipe.json").write_text(json.dumps({"version": RECIPE_VERSIONS["requests"]}))


def _dataset(rows, features):
    from datasets import Dataset

    return Dataset.from_list(rows, features=features)


@pytest.fixture(scope="session")
def fixture_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("unimr-home")
    write_bundle(home)
    return home


#: ``st-unimr train`` as the console script runs it (the default entry is the repository's training/train.py).
CLI_TRAIN = ["-m", "st_unimr.cli", "train"]


def run_train(
    home: Path,
    *args: str,
    launcher: list[str] | None = None,
    timeout: int = 600,
    wait: bool = True,
    entry: list[str] | None = None,
):
    """Run training as users do, in a subprocess, against the fixture bundle: ``python training/train.py ARGS``, or
    ``python ENTRY ARGS`` (``entry=CLI_TRAIN``: ``st-unimr train ARGS``)."""
    env = {**os.environ, "ST_UNIMR_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    command = [*(launcher or [sys.executable]), *(entry or [str(REPO / "training" / "train.py")]), *args]
    if not wait:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
