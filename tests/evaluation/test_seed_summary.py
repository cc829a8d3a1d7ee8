from __future__ import annotations

import json

import pytest

from st_unimr.evaluation.studies.seed_summary import main


def _run(path, request: float, caption: float, t2t: float) -> str:
    test = {
        "test_requests_request_t2i_cosine_recall@10": request,
        "test_requests_caption_t2i_cosine_recall@10": caption,
        "test_t2t_cosine_recall@10": t2t,
        "test_requests_en_slot_f1": 0.8,
        "test_requests_de_slot_f1": 0.6,
        "test_requests_content_slot_f1": 0.1,  # a slot type, not a language
    }
    stages = {"stage3": {"dev": {"real_photos_title_recall@10": 0.2}}}
    path.mkdir()
    (path / "training_metrics.json").write_text(json.dumps({"test": test, "stages": stages}))
    return str(path)


def test_groups_give_mean_sd_and_the_single_runs(tmp_path, capsys):
    a = _run(tmp_path / "a", 0.30, 0.32, 0.80)
    b = _run(tmp_path / "b", 0.28, 0.29, 0.70)
    c = _run(tmp_path / "c", 0.25, 0.30, 0.75)
    table = main([f"x={a},{b}", f"y={c}"])
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()}
    assert rows["metric"] == "| metric | x (n=2) | y (n=1) |"
    assert "| 0.750 ± 0.071 [0.800, 0.700] | 0.750 |" in rows["in-domain t2t R@10"]
    assert "| -1.5 ± 0.7 [-2.0, -1.0] | -5.0 |" in rows["gap, images (points)"]
    assert "| 0.700 ± 0.000 [0.700, 0.700] |" in rows["slot F1, mean over languages"]
    assert rows["gap, documents (points)"].endswith("| – | – |")
    assert table in capsys.readouterr().out


def test_a_bad_group_is_named(tmp_path):
    with pytest.raises(SystemExit, match="'runs/a' is not LABEL=RUN"):
        main(["runs/a"])
