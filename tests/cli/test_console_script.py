"""The ``st-unimr`` console script: help of every command, export, the legacy paths, and what the wheel ships."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import st_unimr
from st_unimr.cli import COMMANDS, main
from st_unimr.training.config import CONFIG_DIR, load_config, packaged_configs, resolve_config_path

REPO = Path(__file__).resolve().parents[2]
#: One option each command's own parser defines: its help reaches the user through ``st-unimr COMMAND --help``.
OWN_OPTION = {
    "train": "--dataset",
    "eval": "--baselines",
    "fetch": "--only",
    "build": "--force",
    "export": "--quantize",
}


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "st_unimr.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_help_lists_every_command_without_importing_torch():
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: st-unimr")
    for name in ("train", "eval", "fetch", "build", "export"):
        assert f"    {name} " in result.stdout
    # Each command's module is imported when it runs: the command list must not wait for torch.
    probe = "import sys\nfrom st_unimr.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    probe += "print('torch' in sys.modules, 'transformers' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert loaded.stdout.strip().endswith("False False"), loaded.stdout + loaded.stderr


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_shows_its_own_options(name, capsys):
    assert set(OWN_OPTION) == set(COMMANDS)
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: st-unimr {name} ")
    assert OWN_OPTION[name] in out


@pytest.mark.parametrize("argv, message", [([], "required: COMMAND"), (["fit"], "invalid choice: 'fit'")])
def test_a_missing_or_unknown_command_is_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_bad_option_names_the_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "model-only"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: st-unimr export" in err and "output" in err


def test_the_console_script_is_declared_and_importable():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, attribute = scripts["st-unimr"].partition(":")
    assert getattr(__import__(module, fromlist=[attribute]), attribute) is main


@pytest.mark.parametrize("quantize", ["none", "int8"])
def test_export_writes_an_onnx_folder_that_loads_back(tiny_unimr, tmp_path, quantize, capsys):
    pytest.importorskip("onnxruntime")
    saved = tmp_path / "model"
    st_unimr.save(tiny_unimr, saved)
    out = tmp_path / f"onnx-{quantize}"
    assert main(["export", str(saved), str(out), "--quantize", quantize]) == 0
    printed = capsys.readouterr().out
    assert f"ONNX export ({quantize}): {out}" in printed
    cosine = float(printed.rsplit(": ", 1)[1])
    assert cosine >= (0.9999 if quantize == "none" else 0.95), printed
    config = json.loads((out / "onnx_export.json").read_text())
    assert config["quantize"] == (None if quantize == "none" else "int8")
    fast = st_unimr.load(out, backend="onnx")
    assert fast.encode_query(["a red square"]).shape == tiny_unimr.encode_query(["a red square"]).shape


def test_export_of_a_missing_model_is_one_error_line(tmp_path, capsys):
    assert main(["export", str(tmp_path / "nothing-here"), str(tmp_path / "out"), "--no-check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nothing-here" in err
    assert not (tmp_path / "out").exists()


def test_configs_resolve_by_name_and_by_their_old_repository_path(tmp_path, monkeypatch):
    assert packaged_configs() == ["default", "full", "quick"]
    quick = CONFIG_DIR / "quick.yaml"
    assert resolve_config_path("quick") == quick
    assert resolve_config_path("quick.yaml") == quick
    monkeypatch.chdir(REPO)  # commands written before the move: --config training/configs/quick.yaml
    assert resolve_config_path("training/configs/quick.yaml") == quick
    assert load_config("training/configs/quick.yaml").model.text_model == "tiny"
    # A file of that name wins over the packaged config; other paths are read as given.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quick").write_text("seed: 7\n")
    assert load_config("quick").seed == 7
    assert resolve_config_path("elsewhere/quick.yaml") == Path("elsewhere/quick.yaml")
    with pytest.raises(st_unimr.ConfigError, match=r"not found: elsewhere/quick.yaml \(packaged configs, by name"):
        load_config("elsewhere/quick.yaml")


def test_the_repository_wrappers_still_answer(tmp_path):
    for script, usage in (
        ("training/train.py", "python training/train.py"),
        ("evaluation/run.py", "python evaluation/run.py"),
    ):
        result = subprocess.run(
            [sys.executable, str(REPO / script), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"usage: {usage}")


def test_the_wheel_ships_training_evaluation_configs_and_the_script(tmp_path):
    """pip install st-unimr users get what the commands need: built offline, installed into a bare venv."""
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(REPO / "pyproject.toml", source)
    shutil.copy(REPO / "README.md", source)
    shutil.copytree(REPO / "st_unimr", source / "st_unimr", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    build = subprocess.run(
        [
            *pip,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = (tmp_path / "dist").glob("st_unimr-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = {
        str(path.relative_to(REPO))
        for path in (REPO / "st_unimr").rglob("*")
        if path.suffix in {".py", ".yaml"}
        and "__pycache__" not in path.parts
        and any(part in {"training", "cli", "suite", "studies"} for part in path.parts)
    }
    assert {
        "st_unimr/training/train.py",
        "st_unimr/evaluation/suite/run.py",
        "st_unimr/training/configs/quick.yaml",
    } <= tracked
    assert tracked <= names, sorted(tracked - names)
    # The console script from the installed wheel: its command list needs nothing but the standard library.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [*pip, "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [str(venv / "bin" / "st-unimr"), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0 and "export" in result.stdout, result.stdout + result.stderr
    probe = "from importlib.resources import files\n"
    probe += "print((files('st_unimr.training') / 'configs' / 'quick.yaml').is_file())"
    found = subprocess.run([str(python), "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert found.stdout.strip() == "True", found.stdout + found.stderr
