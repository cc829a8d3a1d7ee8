"""Training on the user's own data (``--dataset TASK=PATH_OR_HUB_ID``), alone or beside the embedded bundle."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

import st_unimr
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.training.config import CONFIG_DIR, ConfigError, DataConfig, load_config
from st_unimr.training.task_registry import TASKS, stage3_task_names, user_data_task_names
from tests.training.conftest import CLI_TRAIN, run_train
from tests.training.conftest import INTENTS as BUNDLE_INTENTS

QUICK = str(CONFIG_DIR / "quick.yaml")
# Three intents of the user's own (not the bundle's names), in words the tiny tokenizer knows (others are [UNK]).
USER_INTENTS = {
    "ask_weather": ["weather", "rain", "weather tomorrow", "rain tomorrow"],
    "play_music": ["play music", "music loud", "play", "volume up music"],
    "set_alarm": ["wake me up", "set alarm", "alarm at", "set the alarm"],
}
FILLERS = ["please", "the dog", "a cat", "at the beach", "of last month", "red", "blue", "in the picture"]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf8")
    return path


def user_files(folder: Path) -> tuple[Path, Path]:
    intents = [
        {"text": f"{phrase} {city}", "intent": intent}
        for intent, phrases in USER_INTENTS.items()
        for phrase in phrases
        for city in FILLERS
    ]
    words = ["dog", "cat", "photo", "beach", "bicycle", "red", "blue"]
    pairs = [{"anchor": f"the {x} and the {y}", "positive": f"{x} {y}"} for x in words for y in words if x != y]
    return write_jsonl(folder / "pairs.jsonl", pairs), write_jsonl(folder / "intents.jsonl", intents)


def test_own_text_pairs_and_intents_train_without_the_bundle(tmp_path):
    home = tmp_path / "empty-home"  # no embedded data, nothing fetched: the run must not need any
    pairs, intents = user_files(tmp_path)
    out = tmp_path / "run"
    # Through the console script (st-unimr train), with the packaged quick config named as a pip user would.
    result = run_train(
        home,
        "--config", "quick",
        "--output-dir", str(out),
        "--dataset", f"text_pairs={pairs}",
        "--dataset", f"intents={intents}",
        "--set", "stage3.tasks=[text_pairs,intents]",
        "--set", "stage2.epochs=8",
        "--set", "stage3.epochs=6",
        entry=CLI_TRAIN,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not (home / "data").exists()
    metrics = json.loads((out / "training_metrics.json").read_text())
    # 96 utterances and 42 pairs, 10% of each held out for dev and for test.
    assert metrics["stages"]["stage2"]["datasets"] == {"intents": 76}
    assert metrics["stages"]["stage3"]["datasets"] == {"text_pairs": 34, "intents": 76}
    test = metrics["test"]
    assert "test_t2t_cosine_recall@10" in test and "test_intents_accuracy" in test
    assert not [key for key in test if "t2i" in key]
    model = st_unimr.load(str(out / "final"))
    assert find_nlu_module(model).labels == sorted(USER_INTENTS)
    # The saved model's head names the user's intents, and has learnt them (chance: 1/3).
    rows = [json.loads(line) for line in intents.read_text().splitlines()]
    predicted = [top[0]["label"] for top in st_unimr.predict_intent(model, [row["text"] for row in rows])]
    assert set(predicted) == set(USER_INTENTS)
    assert sum(label == row["intent"] for label, row in zip(predicted, rows)) / len(rows) >= 0.7
    assert test["test_intents_accuracy"] >= 0.5
    card = (out / "final" / "README.md").read_text()
    assert f"`{intents}`" in card and f"`{pairs}`" in card


def test_own_intents_from_the_hub_beside_the_bundle(fixture_home, hub_server, tmp_path):
    from datasets import Dataset
    from huggingface_hub import HfApi

    _, intents = user_files(tmp_path)
    folder = tmp_path / "upload" / "data"
    folder.mkdir(parents=True)
    Dataset.from_json(str(intents)).to_parquet(str(folder / "train-00000-of-00001.parquet"))
    # A new revision on every run, so the client downloads it instead of answering from its cache.
    (folder.parent / "README.md").write_text(f"run {uuid.uuid4()}\n")
    HfApi().create_repo("org/own-intents", repo_type="dataset")
    HfApi().upload_folder(folder_path=str(tmp_path / "upload"), repo_id="org/own-intents", repo_type="dataset")
    out = tmp_path / "run"
    result = run_train(
        fixture_home,
        "--config", QUICK,
        "--output-dir", str(out),
        "--dataset", "intents+=org/own-intents",
        "--set", "evaluate_untrained=false",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metrics = json.loads((out / "training_metrics.json").read_text())
    # The bundle's 36 training utterances, then the Hub dataset's 76 (20 held out); other tasks keep the bundle.
    assert metrics["stages"]["stage3"]["datasets"] == {"image_text": 30, "text_pairs": 15, "intents": 36 + 76}
    model = st_unimr.load(str(out / "final"))
    assert find_nlu_module(model).labels == [*BUNDLE_INTENTS, *sorted(USER_INTENTS)]
    assert any(request.startswith("GET /datasets/org/own-intents/resolve/") for request in hub_server.requests)


def test_own_images_with_captions_train_the_image_route(fixture_home, tmp_path):
    from PIL import Image

    (tmp_path / "images").mkdir()
    rows = []
    for i, (word, colour) in enumerate([("red", (220, 20, 20)), ("blue", (20, 20, 220))] * 12):
        Image.new("RGB", (24, 24), tuple(min(255, c + 3 * i) for c in colour)).save(tmp_path / "images" / f"{i}.png")
        rows += [{"image": f"images/{i}.png", "text": f"a {word} photo {i}"}]
    captions = write_jsonl(tmp_path / "captions.jsonl", rows)
    out = tmp_path / "run"
    result = run_train(
        fixture_home,
        "--config", QUICK,
        "--output-dir", str(out),
        "--dataset", f"image_text={captions}",
        "--only-task", "image_text",
        "--set", "evaluate_untrained=false",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metrics = json.loads((out / "training_metrics.json").read_text())
    # 24 images, 10% held out for dev and for test (one caption each: the image is the group).
    assert metrics["stages"]["stage3"]["datasets"] == {"image_text": 20}
    assert "test_t2i_cosine_recall@10" in metrics["test"]


def test_bad_user_data_stops_the_cli_naming_file_row_and_column(fixture_home, tmp_path):
    bad = tmp_path / "intents.jsonl"
    bad.write_text('{"text": "book a flight", "intent": "book_flight"}\n{"text": "", "intent": "order_food"}\n')
    result = run_train(
        fixture_home, "--config", QUICK, "--output-dir", str(tmp_path / "run"), "--dataset", f"intents={bad}"
    )
    assert result.returncode != 0
    assert f"error: intents data: {bad}: row 2, column 'text': empty text" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_train(
        fixture_home, "--config", QUICK, "--output-dir", str(tmp_path / "r2"), "--dataset", "images=x.jsonl"
    )
    assert result.returncode != 0 and "unknown task 'images'" in result.stderr and "Traceback" not in result.stderr


def test_dataset_options_replace_or_add():
    config = load_config(QUICK, datasets=["text_pairs=a.jsonl", "intents+=b.csv", "intents+=org/c:de", "text_pairs=d"])
    assert config.data.datasets == {"text_pairs": ["a.jsonl", "d"], "intents": ["bundle", "b.csv", "org/c:de"]}
    # Options apply over what the config says: TASK= replaces it, TASK+= adds to it.
    config = load_config(QUICK, ["data.datasets.intents=[bundle, x.jsonl]"], datasets=["intents+=y.jsonl"])
    assert config.data.datasets == {"intents": ["bundle", "x.jsonl", "y.jsonl"]}
    config = load_config(QUICK, ["data.datasets.intents=x.jsonl"], datasets=["intents=y.jsonl"])
    assert config.data.datasets == {"intents": ["y.jsonl"]}


@pytest.mark.parametrize(
    "options, message",
    [
        (["images=a.jsonl"], "--dataset 'images=a.jsonl': unknown task 'images'; tasks that take your data: "),
        (["requests_text=a.jsonl"], "unknown task 'requests_text'"),
        (["intents"], "--dataset 'intents' must look like TASK=PATH_OR_HUB_ID"),
        (["intents="], "must look like TASK=PATH_OR_HUB_ID"),
    ],
)
def test_bad_dataset_options_are_named(options, message):
    with pytest.raises(ConfigError) as info:
        load_config(QUICK, datasets=options)
    assert message in str(info.value)


def test_yaml_datasets_take_one_source_or_a_list(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("data:\n  datasets:\n    text_pairs: pairs.jsonl\n    intents: [bundle, org/intents]\n")
    assert load_config(path).data.datasets == {"text_pairs": ["pairs.jsonl"], "intents": ["bundle", "org/intents"]}


def test_the_registry_names_every_task_once():
    assert stage3_task_names() == ("image_text", "text_pairs", "intents", "requests_image", "requests_text")
    assert user_data_task_names() == ("image_text", "text_pairs", "intents")
    for name, task in TASKS.items():
        assert task.name == name and task.schema is not None
        assert (task.train is None) == (task.loss is None) == (not task.stage3)


def test_evaluators_score_the_users_pairs_whatever_their_languages(fixture_home, monkeypatch, tmp_path):
    from st_unimr.training.stage_data import evaluators

    monkeypatch.setenv("ST_UNIMR_HOME", str(fixture_home))
    pairs, _ = user_files(tmp_path)
    config = DataConfig(datasets={"text_pairs": ["bundle", str(pairs)]})
    mixed = evaluators(config, "test", ["text_pairs"])["t2t"]
    bundle_only = evaluators(DataConfig(), "test", ["text_pairs"])["t2t"]
    # The user's 4 held-out pairs (language unknown) count beside the bundle's cross-lingual ones.
    assert len(mixed.queries) == len(bundle_only.queries) + 4
