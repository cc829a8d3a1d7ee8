from __future__ import annotations

import json

import pytest

from st_unimr.evaluation.studies.image_route_ablation import VARIANTS
from st_unimr.training.config import CONFIG_DIR, load_config


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_is_a_valid_config(name):
    # A typo in a variant's key would only surface minutes into its stage-3 run.
    config = load_config(CONFIG_DIR / "default.yaml", VARIANTS[name])
    assert config.model.content_gate in ("always", "search")


def test_the_weight_interpolation_variants_set_it():
    config = load_config(CONFIG_DIR / "default.yaml", VARIANTS["wise-0.5-head-fit"])
    assert config.stage3.weight_interpolation == 0.5 and config.stage3.image_head_requests


def test_a_variant_without_image_text_gets_its_image_figures_from_its_final_model(tmp_path, monkeypatch):
    # Training scores only the tasks it trains: leaving image_text out of stage 3 left the table's photo columns empty.
    import st_unimr
    import st_unimr.training.train as train
    from st_unimr.evaluation.studies import image_route_ablation

    run = tmp_path / "drop-image_text-head-fit-seed43"
    (run / "final").mkdir(parents=True)
    (run / "final" / "modules.json").write_text("[]")
    metrics = {"test": {"test_t2t_cosine_recall@10": 0.79}, "stages": {"stage3": {"dev": {}, "wall_seconds": 1.0}}}
    (run / "training_metrics.json").write_text(json.dumps(metrics))
    calls = []

    def fake_evaluate(model, config, split, tasks):
        calls.append((model, split, tasks, config.stage3.tasks))
        if split == "test":
            return {"test_t2i_cosine_recall@10": 0.3, "test_emoji_n_images": 5.0}
        return {"dev_t2i_cosine_recall@10": 0.4, "real_photos_title_recall@10": 0.2}

    monkeypatch.setattr(train, "evaluate", fake_evaluate)
    monkeypatch.setattr(st_unimr, "load", lambda path: f"model at {path}")
    result = image_route_ablation.run_variant(tmp_path / "base", tmp_path, "drop-image_text-head-fit", 43, None)
    assert result["test_t2i_cosine_recall@10"] == 0.3 and result["real_photos_title_recall@10"] == 0.2
    assert result["test_t2t_cosine_recall@10"] == 0.79
    assert "test_emoji_n_images" not in result and "dev_t2i_cosine_recall@10" not in result
    assert [(split, tasks) for _, split, tasks, _ in calls] == [("test", ["image_text"]), ("dev", ["image_text"])]
    assert calls[0][0] == f"model at {run / 'final'}" and "image_text" not in calls[0][3]
    assert json.loads((run / "ablation_metrics.json").read_text()) == result
    # A result measured before the study added them gets them too.
    del result["test_t2i_cosine_recall@10"]
    (run / "ablation_metrics.json").write_text(json.dumps(result))
    again = image_route_ablation.run_variant(tmp_path / "base", tmp_path, "drop-image_text-head-fit", 43, None)
    assert again["test_t2i_cosine_recall@10"] == 0.3 and len(calls) == 4


def test_earlier_variants_keep_image_text_in_stage3_now_that_the_default_leaves_it_to_the_fit():
    default = load_config(CONFIG_DIR / "default.yaml")
    assert "image_text" not in default.stage3.tasks and default.stage3.image_head_epochs > 0
    for name in ("original-prototypes-head-fit", "wise-0.5-head-fit", "request-content-1-head-fit"):
        assert "image_text" in load_config(CONFIG_DIR / "default.yaml", VARIANTS[name]).stage3.tasks, name
    dropped = load_config(CONFIG_DIR / "default.yaml", VARIANTS["drop-image_text-head-fit"])
    assert dropped.stage3.tasks == default.stage3.tasks
