"""Bad training configs, empty data and bad evaluation options: errors that name the key, the dataset or the task."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from datasets import DatasetDict

from st_unimr.errors import ConfigError, InvalidInputError
from st_unimr.training.config import CONFIG_DIR, load_config
from tests.training.conftest import run_train, write_bundle

QUICK_CONFIG = str(CONFIG_DIR / "quick.yaml")


@pytest.mark.parametrize(
    "override, message",
    [
        ("stage3.save_steps=0", "stage3.save_steps must be >= 1, got 0"),
        ("stage1.save_steps=-5", "stage1.save_steps must be >= 1, got -5"),
        ("stage2.epochs=0", "stage2.epochs must be > 0, got 0"),
        ("stage3.max_steps=0", "stage3.max_steps must be >= 1, or -1 for whole epochs; got 0"),
        ("stage3.warmup_ratio=1.5", r"stage3.warmup_ratio must be in [0, 1), got 1.5"),
        ("stage1.learning_rate=0", "stage1.learning_rate must be > 0, got 0"),
        ("stage3.head_learning_rate=-1e-3", "stage3.head_learning_rate must be > 0, got -0.001"),
        ("stage1.matryoshka_dims=[64, 0]", "stage1.matryoshka_dims must be a non-empty list of positive integers"),
        ("stage1.lora_r=0", "stage1.lora_r must be >= 1, got 0"),
        ("stage1.trainable_layers=-1", "stage1.trainable_layers must be >= 0, got -1"),
        ("stage2.batch_size=1", "stage2.batch_size must be >= 2 (in-batch negatives), got 1"),
        ("model.nlu_hidden_features=0", "model.nlu_hidden_features must be >= 1, got 0"),
        ("model.max_seq_length=0", "model.max_seq_length must be >= 1, got 0"),
        ("data.dev_queries=0", "data.dev_queries must be >= 1, got 0"),
        ("data.intents_train_rows=-1", "data.intents_train_rows must be >= 1, got -1"),
        ("stage2.intent_head_epochs=-1", "stage2.intent_head_epochs must be >= 0, got -1"),
        ("stage2.intent_head_learning_rate=0", "stage2.intent_head_learning_rate must be > 0, got 0"),
    ],
)
def test_bad_config_values_name_the_override_and_the_key(override, message):
    with pytest.raises(ConfigError) as info:
        load_config(QUICK_CONFIG, [override])
    # The value came from --set, so the error names it as given there, not the YAML file it did not come from.
    assert str(info.value).startswith(f"--set {override}: ") and message in str(info.value)
    assert "quick.yaml" not in str(info.value)


def test_a_bad_value_in_the_file_names_the_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(Path(QUICK_CONFIG).read_text() + "\nseed: lucky\n")
    with pytest.raises(ConfigError, match=r"mine\.yaml: seed must be a number, got 'lucky'"):
        load_config(path, ["stage3.save_steps=5"])


def test_an_unknown_override_key_names_the_override():
    expected = r"^--set stage3\.image_head_epoch=3: unknown key\(s\) \['image_head_epoch'\] in stage3"
    with pytest.raises(ConfigError, match=expected):
        load_config(QUICK_CONFIG, ["stage3.image_head_epoch=3"])


@pytest.fixture()
def home_with_an_empty_split(tmp_path, monkeypatch):
    home = tmp_path / "home"
    write_bundle(home)
    folder = home / "data" / "intents"
    labels = (folder / "labels.json").read_text()
    dataset = DatasetDict.load_from_disk(str(folder))
    emptied = DatasetDict({split: data.select([]) if split == "train" else data for split, data in dataset.items()})
    emptied.save_to_disk(str(tmp_path / "intents"))
    shutil.rmtree(folder)
    shutil.move(tmp_path / "intents", folder)
    (folder / "labels.json").write_text(labels)
    monkeypatch.setenv("ST_UNIMR_HOME", str(home))
    return home


def test_an_empty_split_loads_instead_of_crashing_inside_datasets(home_with_an_empty_split):
    from st_unimr.data import FEATURES, load

    # datasets itself fails on this folder with an IndexError (an empty split is saved without any arrow file).
    empty = load("intents", "train")
    assert len(empty) == 0 and empty.features == FEATURES["intents"]
    assert len(load("intents", "dev")) > 0
    assert len(load("intents")["train"]) == 0


def test_training_names_the_empty_dataset(home_with_an_empty_split):
    from st_unimr.data import EmptyDatasetError
    from st_unimr.training.config import DataConfig
    from st_unimr.training.stage_data import evaluators, intents_train

    with pytest.raises(EmptyDatasetError, match=r"dataset 'intents', split 'train', has 0 rows; rebuild it") as info:
        intents_train(DataConfig())
    assert (info.value.name, info.value.split) == ("intents", "train")
    assert set(evaluators(DataConfig(), "dev", ["intents"])) == {"intents"}


def test_the_training_cli_stops_with_the_error_and_no_traceback(home_with_an_empty_split, tmp_path):
    result = run_train(
        home_with_an_empty_split,
        "--config",
        QUICK_CONFIG,
        "--output-dir",
        str(tmp_path / "run"),
        "--skip-stage1",
        "--set",
        "evaluate_untrained=false",
    )
    assert result.returncode != 0
    assert "error: dataset 'intents', split 'train', has 0 rows" in result.stderr
    assert "Traceback" not in result.stderr and "IndexError" not in result.stderr


def test_the_training_cli_refuses_save_steps_zero(fixture_home, tmp_path):
    result = run_train(
        fixture_home, "--config", QUICK_CONFIG, "--output-dir", str(tmp_path / "run"), "--set", "stage3.save_steps=0"
    )
    assert result.returncode != 0 and "stage3.save_steps must be >= 1, got 0" in result.stderr
    assert not (tmp_path / "run").exists()


def test_unimr_tasks_builds_only_the_tasks_it_is_given(monkeypatch):
    import st_unimr.mteb as unimr_mteb

    built = []
    for name in unimr_mteb.TASKS:
        monkeypatch.setitem(unimr_mteb.TASKS, name, lambda name=name, **options: built.append(name) or name)
    assert unimr_mteb.unimr_tasks([]) == [] and built == []
    assert unimr_mteb.unimr_tasks(["UniMRTextToImageRetrieval"]) == ["UniMRTextToImageRetrieval"]
    assert unimr_mteb.unimr_tasks("UniMRIntentClassification") == ["UniMRIntentClassification"]
    assert built == ["UniMRTextToImageRetrieval", "UniMRIntentClassification"]
    assert len(unimr_mteb.unimr_tasks()) == len(unimr_mteb.TASKS)
    with pytest.raises(InvalidInputError, match=r"unknown st-unimr tasks \['NoSuchTask'\]; choose from"):
        unimr_mteb.unimr_tasks(["NoSuchTask"])


@pytest.fixture()
def evaluation_cli(monkeypatch, tmp_path):
    """evaluation/run.py's main with its tasks and the evaluation itself replaced by recorders."""
    import st_unimr.evaluation.suite.run as run
    import st_unimr.mteb as unimr_mteb

    calls = {"built": [], "evaluated": []}
    for name in unimr_mteb.TASKS:
        monkeypatch.setitem(unimr_mteb.TASKS, name, lambda name=name, **options: calls["built"].append(name) or name)
    monkeypatch.setattr(run, "run_evaluation", lambda specs, tasks, *args, **kwargs: calls["evaluated"].append(tasks))

    def main(*argv: str) -> int:
        return run.main(["--baselines", "untrained", "--output", str(tmp_path / "eval"), *argv])

    return main, calls


def test_evaluation_refuses_unknown_tasks(evaluation_cli, capsys):
    main, calls = evaluation_cli
    with pytest.raises(SystemExit) as info:
        main("--tasks", "NoSuchTask")
    assert info.value.code != 0
    error = capsys.readouterr().err
    assert "unknown task(s) ['NoSuchTask']" in error and "UniMRTextToImageRetrieval" in error
    assert calls == {"built": [], "evaluated": []}


@pytest.mark.parametrize("option", ["--batch-size", "--max-queries-per-lang", "--max-langs", "--n-experiments"])
def test_evaluation_refuses_non_positive_numbers(evaluation_cli, capsys, option):
    main, calls = evaluation_cli
    with pytest.raises(SystemExit) as info:
        main(option, "0")
    assert info.value.code != 0 and f"{option} must be >= 1, got 0" in capsys.readouterr().err
    assert calls["evaluated"] == []


def test_evaluation_refuses_unknown_baselines(evaluation_cli, capsys):
    main, _ = evaluation_cli
    with pytest.raises(SystemExit):
        main("--baselines", "gpt-5")
    assert "unknown baseline 'gpt-5'" in capsys.readouterr().err


@pytest.mark.parametrize("task", ["UniMRTextToImageRetrieval", "UniMRIntentClassification"])
def test_a_single_task_name_builds_only_that_task(evaluation_cli, task):
    main, calls = evaluation_cli
    assert main("--tasks", task) == 0
    assert calls["built"] == [task] and calls["evaluated"] == [[task]]


def test_no_task_option_still_builds_every_task(evaluation_cli):
    import st_unimr.mteb as unimr_mteb

    main, calls = evaluation_cli
    main()
    assert sorted(calls["built"]) == sorted(unimr_mteb.TASKS)


@pytest.mark.parametrize(
    "override, message",
    [
        ("model.intent_pooling=max", "model.intent_pooling must be one of 'mean', 'attention', got 'max'"),
        ("model.fusion=concat", "model.fusion must be one of 'gated', 'none', got 'concat'"),
        ("stage3.sampler=random", "stage3.sampler must be one of 'round_robin', 'proportional', got 'random'"),
        ("stage3.image_prototypes=yes", "stage3.image_prototypes must be one of 'train', 'frozen', got True"),
        ("stage1.finetune=1", "stage1.finetune must be one of 'full', 'lora', got 1"),
        ("stage3.image_linear=1", "stage3.image_linear must be true or false, got 1"),
        ("evaluate_real_photos=maybe", "evaluate_real_photos must be true or false, got 'maybe'"),
        ("stage1.batch_size=8.0", "stage1.batch_size must be a whole number, got 8.0"),
        ("stage1.max_steps=true", "stage1.max_steps must be a number, got True"),
        ("stage3.learning_rate=fast", "stage3.learning_rate must be a number, got 'fast'"),
        ("model.max_seq_length=long", "model.max_seq_length must be a number, got 'long'"),
        ("model.text_model=3", "model.text_model must be a string, got 3"),
        ("model.nlu_hidden_features=null", "model.nlu_hidden_features must not be null"),
        ("stage3.tasks=intents", "stage3.tasks must be a list of strings, got 'intents'"),
        ("stage3.tasks=[intents, 3]", "stage3.tasks[1] must be a string, got 3"),
        ("stage1.matryoshka_dims=[64, 1.5]", "stage1.matryoshka_dims[1] must be a whole number, got 1.5"),
        ("stage1.matryoshka_dims=[x]", "stage1.matryoshka_dims[0] must be a number, got 'x'"),
    ],
)
def test_every_field_type_is_checked_when_a_value_is_loaded(override, message):
    with pytest.raises(ConfigError) as info:
        load_config(QUICK_CONFIG, [override])
    assert message in str(info.value) and str(info.value).startswith(f"--set {override}: ")


def test_values_that_fit_their_types_load():
    config = load_config(
        QUICK_CONFIG,
        [
            "model.intent_pooling=attention",
            "model.max_seq_length=null",
            "stage3.learning_rate=1e-4",  # a string to YAML 1.1: read as a float
            "stage3.epochs=2",  # a whole number fits a float field
            "stage1.matryoshka_dims=[128, 64]",
            "stage3.tasks=[intents]",
        ],
    )
    assert config.model.intent_pooling == "attention" and config.model.max_seq_length is None
    assert config.stage3.learning_rate == 1e-4 and config.stage3.epochs == 2
    assert config.stage1.matryoshka_dims == [128, 64] and config.stage3.tasks == ["intents"]


@pytest.mark.parametrize("ratio, total, expected", [(0.1, 200, 20), (0.25, 10, 3), (0.0, 50, 0)])
def test_warmup_ratio_reaches_the_scheduler_as_a_ratio(tmp_path, ratio, total, expected):
    from sentence_transformers import SentenceTransformerTrainingArguments

    from st_unimr.training.stages import warmup_arguments

    args = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path), use_cpu=True, report_to=[], **warmup_arguments(ratio)
    )
    # What the trainer's create_scheduler asks for: a ratio must not be read as a count of (zero) steps
    assert args.get_warmup_steps(total) == expected
