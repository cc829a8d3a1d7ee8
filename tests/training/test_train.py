from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest

import st_unimr
from st_unimr.modules.module_lookup import find_image_encoder, find_nlu_module
from st_unimr.training.config import CONFIG_DIR, ConfigError, load_config
from st_unimr.training.train import build_config, parse_args, set_content_gate
from st_unimr.training.trainable import _text_transformer
from tests.card_snippets import run_card_snippets
from tests.conftest import _free_port as free_port
from tests.training.conftest import run_train

QUICK = str(CONFIG_DIR / "quick.yaml")


def test_quick_run_produces_a_model_card_metrics_and_curves(fixture_home, tmp_path):
    out = tmp_path / "run"
    result = run_train(fixture_home, "--config", QUICK, "--output-dir", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"Trained model: {out / 'final'}" in result.stdout
    model = st_unimr.load(str(out / "final"))
    assert model.encode_query(["a red square"]).shape == (1, 32)
    # Trained at 32 tokens (quick.yaml), saved at the tiny encoder's full 64 positions; stage models keep 32.
    assert _text_transformer(model).max_seq_length == 64
    assert _text_transformer(st_unimr.load(str(out / "stage3" / "model"))).max_seq_length == 32
    card = (out / "final" / "README.md").read_text()
    assert "trained (test)" in card and "untrained starting point (test)" in card and "test_intents_accuracy" in card
    # sentence-transformers' own card sections stay, beside the st-unimr ones, in every folder the run saves; every
    # card's snippets run (a trainer checkpoint's through SentenceTransformer(..., trust_remote_code=True)).
    checkpoint = sorted((out / "stage3").glob("checkpoint-*"), key=lambda path: int(path.name.split("-")[1]))[-1]
    for folder in (out / "final", out / "stage3" / "model", checkpoint):
        folder_card = (folder / "README.md").read_text()
        for section in (
            "### Training Datasets",
            "### Training Hyperparameters",
            "### Training Logs",
            "pip install -U st-unimr",
        ):
            assert section in folder_card, f"{folder}: {section}"
        run_card_snippets(folder)
    assert "### Training Procedure" in card and "stage3:" in card
    # The cards name the losses that train, not training's LossRecorder wrapper around them.
    assert "LossRecorder" not in card and "<code>MatryoshkaLoss</code>" in card and "IntentClassificationLoss" in card
    metrics = json.loads((out / "training_metrics.json").read_text())
    assert set(metrics["stages"]) == {"stage1", "stage2", "stage3"}
    assert metrics["stages"]["stage3"]["datasets"] == {"image_text": 30, "text_pairs": 15, "intents": 36}
    assert metrics["stages"]["stage2"]["trainable_parameters"]["text_encoder"] == 0
    assert metrics["stages"]["stage1"]["trainable_parameters"]["nlu"] == 0
    assert 0.0 <= metrics["test"]["test_intents_accuracy"] <= 1.0
    # recall@10 at truncated sizes (the tiny model's 32 dimensions are below 64: only the full size is reported)
    assert {"test_t2i_dim32_recall@10", "test_t2t_dim32_recall@10"} <= set(metrics["test"])
    assert (out / "training_curves.png").stat().st_size > 1000
    # Every save is atomic and cleans up after itself: no hidden temporary folder is left anywhere in the run.
    assert not [str(path) for path in out.rglob(".*")]
    # A second run into the same folder must not silently overwrite it.
    again = run_train(fixture_home, "--config", QUICK, "--output-dir", str(out))
    assert again.returncode != 0 and "--resume" in again.stderr


def test_set_content_gate_applies_the_config_to_a_model_saved_without_it(tiny_unimr_factory):
    """A run resumed from (or an ablation started on) a model saved before the gate trains with the config's gate."""
    model = tiny_unimr_factory(slot_tagging=True, content_gate="always")
    assert set_content_gate(model, "search") and find_nlu_module(model).content_gate == "search"
    assert not set_content_gate(model, "search")
    assert not set_content_gate(tiny_unimr_factory(), "always")  # no tagger, no content fusion: nothing to gate


@pytest.mark.parametrize(
    ("route", "inference_route", "final_route"),
    [("pool", "null", "pool"), ("reencode", "null", "reencode"), ("pool", "reencode", "reencode")],
)
def test_quick_run_with_slot_tagging_and_request_tasks(
    fixture_home, tmp_path, fake_time_normalization, route, inference_route, final_route
):
    out = tmp_path / "run"
    tasks = "stage3.tasks=[image_text,text_pairs,intents,requests_image,requests_text]"
    options = ["--set", "model.slot_tagging=true", "--set", tasks, "--set", "stage2.intent_head_epochs=3"]
    options += ["--set", f"model.content_route={route}", "--set", f"model.inference_content_route={inference_route}"]
    # The image route's linear path fitted after stage 3 on cached embeddings, behind a domain gate.
    options += ["--set", "stage3.image_head_epochs=2", "--set", "stage3.image_domain_gate=true"]
    options += ["--set", "stage3.image_linear=false", "--set", "stage3.image_head_batch_size=16"]
    options += ["--set", "stage3.image_head_requests=true"]
    result = run_train(fixture_home, "--config", QUICK, "--output-dir", str(out), *options)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metrics = json.loads((out / "training_metrics.json").read_text())
    # Stage 2 and the stage-3 NLU task: 36 intent utterances + 96 training requests (4 training frames x 24).
    assert metrics["stages"]["stage2"]["datasets"] == {"intents": 132}
    # Then the intent head alone, on the same rows' cached embeddings: 3 epochs of 17 batches of up to 8.
    fit = metrics["stages"]["stage2"]["intent_head_fit"]
    assert (fit["rows"], fit["epochs"], fit["steps"]) == (132, 3, 51)
    # The frozen encoder ran once per distinct stage-2 text, before the trainer: its batches and the intent-head fit
    # found their rows in the cache (the few misses after the prefill are the model card's example texts).
    cache = metrics["stages"]["stage2"]["text_feature_cache"]
    assert 0 < cache["after_prefill"]["texts"] <= 132
    assert cache["end"]["misses"] - cache["after_prefill"]["misses"] < 8
    assert cache["end"]["hits"] >= metrics["stages"]["stage2"]["steps"] * 8 + 132
    image_fit = metrics["stages"]["stage3"]["image_head_fit"]
    encoder = find_image_encoder(st_unimr.load(str(out / "final")))
    assert image_fit["epochs"] == 2 and image_fit["caption_rows"] >= 30 and image_fit["images"] > 0
    # Beside the captions, the same photo-search request pairs that stage 3's requests_image task trains on.
    assert image_fit["request_rows"] == 48 and image_fit["rows"] == image_fit["caption_rows"] + 48
    if encoder.projection == "prototypes":
        assert image_fit["domain_gate"]["bank"] == image_fit["images"] == encoder.domain_gate_size
    else:  # a linear image head has no path beside it to gate
        assert image_fit["domain_gate"] is None and encoder.domain_gate_size == 0
    assert image_fit["steps"] == 2 * -(-image_fit["rows"] // 16)
    card = (out / "final" / "README.md").read_text()
    assert "then the intent head alone: 3 epochs over 132 cached embeddings" in card
    gate = " behind a domain gate" if image_fit["domain_gate"] else ""
    assert f"then the image route's linear path alone{gate}: 2 epochs" in card
    assert f"over {image_fit['caption_rows']} cached caption embeddings and 48 of photo-search requests" in card
    assert metrics["stages"]["stage3"]["datasets"] == {
        "image_text": 30,
        "text_pairs": 15,
        "intents": 132,
        "requests_image": 48,
        "requests_text": 96,
    }
    # The scales of both fusions stay frozen at identity in stage 2; the slot tagger trains there.
    assert metrics["stages"]["stage2"]["trainable_parameters"]["text_encoder"] == 0
    test = metrics["test"]
    for key in ("test_requests_slot_f1", "test_requests_intent_accuracy", "test_requests_en_slot_f1"):
        assert 0.0 <= test[key] <= 1.0
    for kind in ("request_t2i", "caption_t2i", "request_t2d", "content_t2d"):
        assert 0.0 <= test[f"test_requests_{kind}_cosine_recall@10"] <= 1.0
    model = st_unimr.load(str(out / "final"))
    assert find_nlu_module(model).content_route == final_route
    assert find_nlu_module(model).content_gate == "always"  # the config's default
    # The route trained with is the stage models' route; the inference route is set once stage 3 has trained.
    assert find_nlu_module(st_unimr.load(str(out / "stage2" / "model"))).content_route == route
    assert find_nlu_module(st_unimr.load(str(out / "stage3" / "model"))).content_route == final_route
    if final_route == "pool":
        # The same weights scored with the other route, in the layout seed_summary reads.
        study = ["-m", "st_unimr.evaluation.studies.content_route", "--run", str(out), "--route", "reencode"]
        overrides = [item for item in options if item != "--set"]
        study += ["--output", str(tmp_path / "reencode"), "--config", QUICK, *[f"--set={o}" for o in overrides]]
        result = run_train(fixture_home, entry=study)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        scored = json.loads((tmp_path / "reencode" / "training_metrics.json").read_text())
        assert scored["content_route"] == "reencode"
        assert set(scored["test"]) == set(metrics["test"])
        assert set(scored["stages"]["stage3"]["dev"]) == set(metrics["stages"]["stage3"]["dev"])
        assert find_nlu_module(st_unimr.load(str(out / "final"))).content_route == "pool"  # nothing saved over
    parsed = st_unimr.parse_query(model, ["find a photo of a red square from last month"], reference_date="2026-11-27")
    assert parsed[0]["intent"]["label"] in find_nlu_module(model).labels


def test_killed_run_resumes_from_its_last_checkpoint(fixture_home, tmp_path):
    out = tmp_path / "run"
    # Long enough (120 steps) that the kill, sent as soon as the first checkpoint appears, lands mid-stage.
    slow = ["--set", "stage3.epochs=40", "--set", "stage3.save_steps=2"]
    process = run_train(fixture_home, "--config", QUICK, "--output-dir", str(out), *slow, wait=False)
    deadline = time.time() + 400
    # Kill as soon as one checkpoint is complete (the trainer writes trainer_state.json last); a kill during the write
    # of a later one is what test_resume_skips_a_half_written_checkpoint covers.
    while time.time() < deadline and not list((out / "stage3").glob("checkpoint-*/trainer_state.json")):
        time.sleep(0.05)
    assert list((out / "stage3").glob("checkpoint-*/trainer_state.json")), "stage 3 never completed a checkpoint"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert not (out / "final").exists()
    checkpoints = sorted(
        (p.parent for p in (out / "stage3").glob("checkpoint-*/trainer_state.json")),
        key=lambda p: int(p.name.split("-")[1]),
    )
    # What a kill during a model save leaves: temporary folders of a process that no longer runs.
    stale = [out / "stage3" / f".model.tmp-{process.pid}-x", out / f".final.tmp-{process.pid}-y"]
    for folder in stale:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "modules.json").write_text("[]")
    # The kill may land while a checkpoint is being written: the trainer's own rename makes the last complete one win.
    resumed = run_train(fixture_home, "--config", QUICK, "--output-dir", str(out), *slow, "--resume")
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert "resuming from" in resumed.stdout.lower()
    metrics = json.loads((out / "training_metrics.json").read_text())
    assert metrics["stages"]["stage3"]["resumed_from"] is not None
    assert int(Path(metrics["stages"]["stage3"]["resumed_from"]).name.split("-")[1]) >= int(
        checkpoints[0].name.split("-")[1]
    )
    model = st_unimr.load(str(out / "final"))
    assert np.isfinite(model.encode_query(["a red square"])).all()
    assert not [str(path) for path in out.rglob(".*")]


@pytest.mark.skipif(shutil.which("torchrun") is None, reason="torchrun not on PATH")
def test_two_processes_with_gloo(fixture_home, tmp_path):
    out = tmp_path / "ddp"
    result = run_train(
        fixture_home,
        "--config",
        QUICK,
        "--output-dir",
        str(out),
        "--set",
        "evaluate_untrained=false",
        "--set",
        "stage1.batch_size=4",
        "--set",
        "stage2.batch_size=4",
        "--set",
        "stage3.batch_size=4",
        launcher=["torchrun", "--nproc_per_node", "2", "--master_port", str(free_port())],
    )
    # When one rank crashes the other only reports a closed connection: keep every rank's traceback lines.
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if line.startswith("[rank") or "Error" in line]
    assert result.returncode == 0, "\n".join(errors)[-8000:] + "\n...\n" + output[-3000:]
    metrics = json.loads((out / "training_metrics.json").read_text())
    # Two processes share each stage's data: each does half the steps of a single-process run.
    assert metrics["stages"]["stage2"]["steps"] == 36 // (4 * 2)
    assert st_unimr.load(str(out / "final")).encode_query(["hello"]).shape == (1, 32)


def test_ablation_switches_map_to_the_config():
    config = build_config(
        parse_args(["--config", QUICK, "--skip-stage1", "--fusion", "none", "--only-task", "intents"])
    )
    assert not config.stage1.enabled and config.stage2.enabled
    assert config.model.fusion == "none" and config.stage3.tasks == ["intents"]
    config = build_config(parse_args(["--config", QUICK, "--skip-stage2", "--set", "stage3.sampler=proportional"]))
    assert not config.stage2.enabled and config.stage3.sampler == "proportional"


@pytest.mark.parametrize(
    "text, message",
    [
        ("model:\n  fusoin: gated\n", "unknown key(s) ['fusoin'] in model"),
        ("stage1:\n  batch_size: many\n", "stage1.batch_size must be a number"),
        ("stage3:\n  tasks: [images]\n", "stage3.tasks"),
        ("model:\n  fusion: concat\n", "model.fusion"),
        ("- a list\n", "top level must be a mapping"),
        ("model: [\n", "not valid YAML"),
        ("stage3:\n  head_learning_rate: fast\n", "stage3.head_learning_rate must be a number"),
        ("stage1:\n  batch_size: 3.5\n", "stage1.batch_size must be a whole number"),
        ("seed: abc\n", "seed must be a number"),
        ("evaluate_untrained: 1\n", "evaluate_untrained must be true or false"),
        ("stage3:\n  tasks: intents\n", "stage3.tasks must be a list"),
        ("data:\n  datasets:\n    images: a.jsonl\n", "data.datasets.images: unknown task 'images'"),
        ("data:\n  datasets:\n    intents: 3\n", "data.datasets.intents must be a string or a list of strings"),
        ("data:\n  datasets:\n    intents: []\n", "data.datasets.intents must name at least one source"),
        ("data:\n  datasets: [a]\n", "data.datasets must be a mapping"),
        ("data:\n  holdout: 0.7\n", "data.holdout must be in (0, 0.5)"),
        ("stage3:\n  weight_interpolation: 1.5\n", "stage3.weight_interpolation must be in [0, 1], got 1.5"),
        ("stage3:\n  request_content_weight: -1\n", "stage3.request_content_weight must be >= 0, got -1"),
    ],
)
def test_bad_configs_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="bad.yaml") as info:
        load_config(path)
    assert message in str(info.value)


def test_numbers_in_exponent_notation_are_floats():
    # YAML 1.1 reads 1e-2 (no dot) as a string; a learning rate like that once crashed inside the scheduler.
    config = load_config(QUICK, ["stage3.fusion_learning_rate=1e-2", "stage3.head_learning_rate=5e-4"])
    assert config.stage3.fusion_learning_rate == 0.01 and config.stage3.head_learning_rate == 0.0005


def test_resume_skips_a_half_written_checkpoint(tmp_path):
    from st_unimr.training.stages import last_complete_checkpoint

    for step, complete in ((4, True), (8, True), (12, False)):
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(b"weights")
        if complete:
            (folder / "trainer_state.json").write_text("{}")
    assert last_complete_checkpoint(tmp_path) == str(tmp_path / "checkpoint-8")
    assert not (tmp_path / "checkpoint-12").exists()
    assert last_complete_checkpoint(tmp_path / "missing") is None


def test_lora_stage1_is_merged_into_a_plain_encoder(fixture_home, tmp_path):
    out = tmp_path / "lora"
    only_stage1 = ["--set", "stage2.enabled=false", "--set", "stage3.enabled=false", "--set", "stage1.epochs=3"]
    result = run_train(
        fixture_home, "--config", QUICK, "--output-dir", str(out), "--set", "stage1.finetune=lora", *only_stage1
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metrics = json.loads((out / "training_metrics.json").read_text())
    trainable = metrics["stages"]["stage1"]["trainable_parameters"]["text_encoder"]
    assert 0 < trainable < 20_000  # the adapters only, not the encoder's own weights
    final = st_unimr.load(str(out / "final"))
    assert not any("lora_" in name for name, _ in final.named_parameters())
    assert not list((out / "final").rglob("adapter_config.json"))
    texts = ["a red square", "ein rot quadrat"]
    from st_unimr import build_unimr
    from st_unimr.testing import TINY_EFFICIENTNET

    base = build_unimr(
        text_model=str(out / "tiny-text-model"),
        image_backbone_kwargs=TINY_EFFICIENTNET,
        image_projection="linear",
        intents=["a", "b"],
    )
    assert not np.allclose(final.encode_query(texts), base.encode_query(texts), atol=1e-4)


def _pair_trainer(model, tmp_path, **arguments):
    """The trainer class run_stage uses, on two anchor/positive pairs."""
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from st_unimr.training.stages import _RankZeroSavingTrainer

    args = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path),
        use_cpu=True,
        report_to=[],
        router_mapping={"anchor": "query", "positive": "document"},
        **arguments,
    )
    data = Dataset.from_dict({"anchor": ["a", "b"], "positive": ["c", "d"]})
    loss = MultipleNegativesRankingLoss(model)
    return _RankZeroSavingTrainer(model=model, args=args, train_dataset=data, loss=loss)


@pytest.mark.parametrize("fusion", ["gated", "none"])
def test_fusion_scale_gets_its_own_learning_rate(tiny_unimr_factory, tmp_path, fusion):
    from st_unimr.training.config import StageConfig
    from st_unimr.training.stages import learning_rate_mapping

    model = tiny_unimr_factory(fusion=fusion)
    stage = StageConfig(learning_rate=1e-5, head_learning_rate=5e-4, fusion_learning_rate=1e-2)
    mapping = learning_rate_mapping(model, stage)
    assert (r"fusion_scale" in mapping) == (fusion == "gated")
    trainer = _pair_trainer(model, tmp_path, learning_rate=1e-5, learning_rate_mapping=mapping)
    optimizer = trainer.create_optimizer()
    rate = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
    named = dict(model.named_parameters())
    scale = [name for name in named if name.endswith("fusion_scale")]
    assert len(scale) == (1 if fusion == "gated" else 0)
    for name in scale:
        assert rate[id(named[name])] == 1e-2
    head = next(name for name in named if "head_out" in name)
    encoder = next(name for name in named if "encoder.layer" in name and named[name].requires_grad)
    assert rate[id(named[head])] == 5e-4 and rate[id(named[encoder])] == 1e-5


def test_content_fusion_scale_and_slot_tagger_learning_rates(tiny_unimr_factory, tmp_path):
    from st_unimr.training.config import StageConfig
    from st_unimr.training.stages import learning_rate_mapping

    model = tiny_unimr_factory(slot_tagging=True)
    stage = StageConfig(learning_rate=1e-5, head_learning_rate=5e-4, content_fusion_learning_rate=2e-2)
    mapping = learning_rate_mapping(model, stage)
    trainer = _pair_trainer(model, tmp_path, learning_rate=1e-5, learning_rate_mapping=mapping)
    optimizer = trainer.create_optimizer()
    rate = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
    named = dict(model.named_parameters())
    content = next(name for name in named if name.endswith("content_scale"))
    tagger = next(name for name in named if "slot_out" in name)
    fusion = next(name for name in named if name.endswith("fusion_scale"))
    assert rate[id(named[content])] == 2e-2
    assert rate[id(named[tagger])] == 5e-4 and rate[id(named[fusion])] == 5e-4


def test_only_the_saving_rank_writes_checkpoints(tiny_unimr_factory, tmp_path, monkeypatch):
    # transformers 5 calls Trainer._save on every rank; two ranks writing one folder raced under torchrun.
    trainer = _pair_trainer(tiny_unimr_factory(), tmp_path)
    monkeypatch.setattr(type(trainer.args), "should_save", property(lambda self: False))
    trainer._save(str(tmp_path / "other-rank"))
    assert not (tmp_path / "other-rank" / "modules.json").exists()
    monkeypatch.setattr(type(trainer.args), "should_save", property(lambda self: True))
    trainer._save(str(tmp_path / "rank0"))
    assert (tmp_path / "rank0" / "modules.json").is_file()


def test_domain_gate_is_fitted_on_the_distinct_stage3_images(tiny_unimr_factory, monkeypatch):
    from datasets import Dataset
    from PIL import Image

    import st_unimr.training.domain_gate as domain_gate

    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)) for _ in range(12)]
    rows = Dataset.from_dict({"query": [f"caption {i}" for i in range(24)], "document": images + images})
    monkeypatch.setattr(domain_gate, "image_text_train", lambda data_config: rows)
    config = load_config(QUICK, ["stage3.image_linear=true", "stage3.image_domain_gate=true"])
    model = tiny_unimr_factory()
    report = domain_gate.fit_domain_gate(model, config)
    assert report["bank"] == 12 == find_image_encoder(model).domain_gate_size  # duplicates counted once
    assert domain_gate.fit_domain_gate(model, load_config(QUICK)) is None  # off by default
    linear_model = tiny_unimr_factory(image_projection="linear")
    assert domain_gate.fit_domain_gate(linear_model, config) is None  # a linear head has no path to gate


@pytest.mark.parametrize("disabled", [[], ["stage3.enabled=false"], ["stage1.enabled=false", "stage3.enabled=false"]])
def test_a_fresh_machine_builds_what_the_requests_are_composed_from(disabled):
    from st_unimr.training.train import data_names

    config = load_config(CONFIG_DIR / "default.yaml", disabled)
    names = data_names(config)
    assert "requests" in names
    # build() builds in this order; requests reads the built image_text and text_pairs.
    assert names.index("image_text") < names.index("requests") and names.index("text_pairs") < names.index("requests")


@pytest.mark.parametrize("only_task", [False, True])
def test_a_stage3_without_image_text_still_scores_the_image_route_it_fits(only_task):
    from st_unimr.training.train import data_names, evaluation_tasks

    tasks = ["stage3.tasks=[text_pairs,intents]"]
    fitted = load_config(CONFIG_DIR / "default.yaml", [*tasks, "stage3.image_head_epochs=3"])
    assert "image_text" in evaluation_tasks(fitted, only_task) and "image_text" in data_names(fitted, only_task)
    unfitted = load_config(CONFIG_DIR / "default.yaml", [*tasks, "stage3.image_head_epochs=0"])
    assert "image_text" not in evaluation_tasks(unfitted, only_task)


def test_the_first_run_on_a_fresh_machine_trains_as_later_runs(tmp_path, monkeypatch):
    # Building the data on first use draws random numbers; the model and training must not see the difference.
    import torch

    import st_unimr.training.train as train_module

    drawn = []

    class Built(Exception):
        pass

    def build_model(config, output_dir):
        drawn.append(torch.rand(3))
        raise Built

    monkeypatch.setattr(train_module, "build_model", build_model)
    for consumes in (False, True):
        draws = 100 if consumes else 0
        monkeypatch.setattr(st_unimr.data, "build", lambda draws=draws, **_: torch.rand(draws))
        with pytest.raises(Built):
            train_module.main(["--config", QUICK, "--output-dir", str(tmp_path / f"run-{consumes}")])
    assert torch.equal(drawn[0], drawn[1])
