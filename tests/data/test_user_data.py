"""A user's own datasets (files, folders, Hub ids) mapped to the task schemas, and errors naming file, row, column."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value
from PIL import Image

from st_unimr.data import FEATURES, DatasetRowError, DataSourceError, load_user_dataset
from st_unimr.errors import InvalidInputError, UniMRError


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf8")
    return path


PAIRS = [{"anchor": f"sentence number {i}", "positive": f"Satz Nummer {i}"} for i in range(30)]
INTENTS = [{"text": f"{verb} {i}", "intent": intent} for i in range(10) for verb, intent in
           (("book a flight", "book_flight"), ("order pizza", "order_food"), ("play song", "play_music"))]  # fmt: skip


def test_jsonl_pairs_map_to_the_schema_with_a_held_out_dev_and_test(tmp_path):
    data = load_user_dataset("text_pairs", write_jsonl(tmp_path / "pairs.jsonl", PAIRS))
    assert set(data) == {"train", "dev", "test"}
    assert all(split.features == FEATURES["text_pairs"] for split in data.values())
    # 10% of the 30 groups held out for each, the rest trains; no anchor is in two splits.
    assert (len(data["train"]), len(data["dev"]), len(data["test"])) == (24, 3, 3)
    anchors = {name: set(split["anchor"]) for name, split in data.items()}
    assert not (anchors["train"] & anchors["dev"]) and not (anchors["train"] & anchors["test"])
    assert data["train"][0]["source"] == str(tmp_path / "pairs.jsonl")
    # The same rows on every call (hash of the group, not random).
    assert load_user_dataset("text_pairs", tmp_path / "pairs.jsonl")["test"]["anchor"] == data["test"]["anchor"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_intents_in_every_file_format_give_sorted_labels(tmp_path, suffix):
    rows = Dataset.from_list(INTENTS)
    path = tmp_path / f"intents{suffix}"
    if suffix == ".parquet":
        rows.to_parquet(str(path))
    elif suffix == ".jsonl":
        rows.to_json(str(path))
    else:
        rows.to_csv(str(path), sep="\t" if suffix == ".tsv" else ",", index=False)
    data = load_user_dataset("intents", path)
    assert sum(len(split) for split in data.values()) == 30
    train = data["train"]
    labels = ["book_flight", "order_food", "play_music"]
    assert all(labels[label] == intent for label, intent in zip(train["label"], train["intent"]))


def test_a_saved_dataset_keeps_its_splits_and_folders_of_files_name_theirs(tmp_path):
    saved = DatasetDict(
        {
            "train": Dataset.from_list(INTENTS[:20]),
            "validation": Dataset.from_list(INTENTS[20:25]),
            "test": Dataset.from_list(INTENTS[25:]),
        }
    )
    saved.save_to_disk(str(tmp_path / "saved"))
    data = load_user_dataset("intents", tmp_path / "saved")
    assert (len(data["train"]), len(data["dev"]), len(data["test"])) == (20, 5, 5)
    folder = tmp_path / "files"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", PAIRS[:20])
    write_jsonl(folder / "test.jsonl", PAIRS[20:])
    data = load_user_dataset("text_pairs", folder)
    # Only dev was missing: it is held out of train; the given test split is kept whole.
    assert (len(data["train"]), len(data["dev"]), len(data["test"])) == (18, 2, 10)


def test_other_column_names_and_languages(tmp_path):
    rows = [{"english": f"a house {i}", "non_english": f"une maison {i}", "lang": "fr_FR"} for i in range(10)]
    data = load_user_dataset("text_pairs", write_jsonl(tmp_path / "p.jsonl", rows))
    row = data["train"][0]
    assert (row["lang_anchor"], row["lang_positive"]) == ("en", "fr-FR")
    rows = [
        {"sentence1": "a", "sentence2": "b"},
        {"sentence1": "c", "sentence2": "d"},
        {"sentence1": "e", "sentence2": "f"},
    ]
    assert load_user_dataset("text_pairs", write_jsonl(tmp_path / "s.jsonl", rows))["train"][0]["lang_anchor"] == "und"


def test_image_text_reads_image_paths_relative_to_the_data_file(tmp_path):
    (tmp_path / "images").mkdir()
    rows = []
    for i in range(6):
        Image.new("RGB", (8, 8), (40 * i, 0, 0)).save(tmp_path / "images" / f"{i}.png")
        rows += [{"image": f"images/{i}.png", "text": f"red {i}"}, {"image": f"images/{i}.png", "text": f"rot {i}"}]
    data = load_user_dataset("image_text", write_jsonl(tmp_path / "captions.jsonl", rows))
    assert data["train"].features == FEATURES["image_text"]
    assert data["train"][0]["image"].size == (8, 8)
    # Both captions of an image stay in one split (the image is the group).
    for split in data.values():
        for text in split["text"]:
            partner = text.replace("red", "rot") if text.startswith("red") else text.replace("rot", "red")
            assert partner in split["text"]


@pytest.mark.parametrize(
    "task, lines, message",
    [
        ("intents", ['{"text": "hi", "intent": "greet"}', '{"text": "  ", "intent": "greet"}'],
         "row 2, column 'text': empty text"),
        ("intents", ['{"text": "hi", "intent": "greet"}', '{"text": "bye", "intent": null}'],
         "row 2, column 'intent': missing value"),
        ("intents", ['{"utterance": "hi", "label": 3}'], "row 1, column 'label': expected text, got int 3"),
        ("intents", ['{"text": "hi"}'], "column 'intent': missing: an intent dataset needs 'intent' or 'label'"),
        ("text_pairs", ['{"anchor": "a", "positive": "b"}', '{"anchor": 7, "positive": "c"}'],
         "row 2, column 'anchor': expected text, got int 7"),
        ("text_pairs", ['{"anchor": "a", "other": "b"}'], "column 'anchor': missing: text pairs need 'anchor' and"),
        ("image_text", ['{"image": "nope.png", "text": "a dog"}'], "row 1, column 'image': image file not found"),
    ],
)  # fmt: skip
def test_bad_rows_name_the_task_file_row_and_column(tmp_path, task, lines, message):
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetRowError) as info:
        load_user_dataset(task, path)
    assert str(info.value).startswith(f"{task} data: {path}: ")
    assert message in str(info.value)
    assert isinstance(info.value, (UniMRError, ValueError)) and info.value.file == str(path)


def test_csv_rows_are_counted_without_the_header(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("anchor,positive\na dog,ein Hund\na cat,\n")
    with pytest.raises(DatasetRowError, match=r"pairs.csv: row 2, column 'positive': missing value") as info:
        load_user_dataset("text_pairs", path)
    assert (info.value.row, info.value.column) == (2, "positive")


def test_unreadable_sources_are_named(tmp_path):
    with pytest.raises(DataSourceError, match=r"text_pairs data: missing/pairs.jsonl: no such file or folder"):
        load_user_dataset("text_pairs", "missing/pairs.jsonl")
    (tmp_path / "pairs.txt").write_text("a\tb\n")
    with pytest.raises(DataSourceError, match=r"pairs.txt: unsupported file type '.txt'"):
        load_user_dataset("text_pairs", tmp_path / "pairs.txt")
    with pytest.raises(DataSourceError, match=r"too few to hold out dev and test"):
        load_user_dataset("text_pairs", write_jsonl(tmp_path / "two.jsonl", PAIRS[:2]))
    with pytest.raises(InvalidInputError, match="requests"):
        load_user_dataset("requests", tmp_path / "two.jsonl")


def test_a_hub_dataset_id_loads_through_the_hub_client(hub_server, tmp_path):
    from huggingface_hub import HfApi

    features = Features({"utterance": Value("string"), "label": ClassLabel(names=["alarm", "music", "weather"])})
    folder = tmp_path / "upload" / "data"
    folder.mkdir(parents=True)
    train = Dataset.from_dict(
        {
            "utterance": [f"{w} {i}" for i in range(8) for w in ("wake me", "play a song", "rain")],
            "label": [0, 1, 2] * 8,
        },
        features=features,
    )
    train.to_parquet(str(folder / "train-00000-of-00001.parquet"))
    Dataset.from_dict({"utterance": ["alarm at 7", "some jazz"], "label": [0, 1]}, features=features).to_parquet(
        str(folder / "validation-00000-of-00001.parquet")
    )
    # A new revision on every run, so the client downloads it instead of answering from its cache.
    (tmp_path / "upload" / "README.md").write_text(f"run {uuid.uuid4()}\n")
    api = HfApi()
    api.create_repo("org/my-intents", repo_type="dataset")
    api.upload_folder(folder_path=str(tmp_path / "upload"), repo_id="org/my-intents", repo_type="dataset")

    data = load_user_dataset("intents", "org/my-intents")
    # The ClassLabel's names are the intents; validation is dev; test is held out of train.
    assert data["dev"]["intent"] == ["alarm", "music"] and data["dev"]["source"] == ["org/my-intents"] * 2
    assert len(data["train"]) + len(data["test"]) == 24 and len(data["test"]) >= 1
    assert set(data["train"]["intent"]) == {"alarm", "music", "weather"}
    assert any(request.startswith("GET /datasets/org/my-intents/resolve/") for request in hub_server.requests)
    with pytest.raises(DataSourceError, match=r"intents data: org/nothing-here: could not be read"):
        load_user_dataset("intents", "org/nothing-here")


def test_massive_layout_goes_through_from_massive(tmp_path):
    features = Features(
        {
            "id": Value("string"),
            "locale": Value("string"),
            "partition": Value("string"),
            "intent": ClassLabel(names=["alarm_set", "weather_query"]),
            "utt": Value("string"),
        }
    )
    rows = {
        "id": [str(i // 2) for i in range(12)],  # the translations of one utterance share an id
        "locale": ["de-DE", "fr-FR"] * 6,
        "partition": ["train"] * 12,
        "intent": [0, 0, 1, 1] * 3,
        "utt": [f"utterance {i}" for i in range(12)],
    }
    DatasetDict({"train": Dataset.from_dict(rows, features=features)}).save_to_disk(str(tmp_path / "massive"))
    data = load_user_dataset("intents", tmp_path / "massive")
    train = data["train"]
    assert set(train["intent"]) <= {"alarm_set", "weather_query"} and set(train["lang"]) == {"de", "fr"}
    assert all(template.startswith("massive:") for template in train["template_id"])
    # A MASSIVE id (an utterance and its translations) is held out whole.
    held_out = {t for split in ("dev", "test") for t in data[split]["template_id"]}
    assert held_out and not held_out & set(train["template_id"])
