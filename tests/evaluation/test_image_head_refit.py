from __future__ import annotations

import pytest

from st_unimr.evaluation.studies.image_head_refit import main, summarise


def test_table_gives_mean_sd_and_the_single_runs():
    runs = [
        {"t2i_cosine_recall@10": 0.30, "gap": -2.0, "real_photos_image_cosine": 0.2},
        {"t2i_cosine_recall@10": 0.40, "gap": -1.0},
    ]
    table = summarise({"captions": runs, "captions+requests": [{"t2i_cosine_recall@10": 0.5}]})
    lines = table.splitlines()
    assert lines[0].startswith("| fit | runs | in-domain t2i | clip-art |")
    captions = lines[2].split(" | ")
    assert captions[:4] == ["| captions", "2", "0.350 ± 0.071 (0.300, 0.400)", "n/a"]
    assert "-1.5 ± 0.7 (-2.0, -1.0)" in captions
    # A figure only one run has is shown alone, without a spread.
    assert lines[2].endswith("| 0.200 |")
    assert lines[3].startswith("| captions+requests | 1 | 0.500 | n/a |")


def test_bad_runs_are_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--runs", "runs/a", "--output", str(tmp_path / "x.json")])
    assert "'runs/a': expected SEED=RUN" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--runs", f"42={tmp_path}", "--output", str(tmp_path / "x.json")])
    assert f"{tmp_path}/final is not a saved model folder" in capsys.readouterr().err
