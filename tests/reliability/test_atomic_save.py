"""st_unimr.save: a save that fails midway (full disk, no permission, a kill) never leaves a mixed or half-written
model, and no temporary folder stays behind."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import st_unimr
import st_unimr.saving
from st_unimr.errors import InvalidInputError
from st_unimr.modules.image_encoder import ImageEncoder
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.saving import remove_stale_temp_folders

FAULTS = [OSError(errno.ENOSPC, "No space left on device"), PermissionError(errno.EACCES, "Permission denied")]


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture()
def old_and_new(tiny_unimr_factory):
    old = tiny_unimr_factory()
    new = tiny_unimr_factory(prompts={"query": "q: ", "document": "d: "})
    with torch.no_grad():
        for parameter in find_nlu_module(new).parameters():
            parameter.add_(0.1)
    return old, new


def fail_midway(monkeypatch, fault: OSError) -> None:
    """The image route is saved after the model config and the text route: fail there, after a partial write."""

    def broken(self, output_path: str) -> None:
        Path(output_path, "preprocessor_config.json").write_text('{"half": ')
        raise fault

    monkeypatch.setattr(ImageEncoder, "save_extra", broken)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("fault", FAULTS, ids=["full-disk", "permission"])
def test_plain_model_save_mixes_two_models_when_it_fails_midway(old_and_new, tmp_path, monkeypatch, fault):
    # The fault lands midway: sentence-transformers' own save leaves a folder that mixes the two models.
    old, new = old_and_new
    target = tmp_path / "model"
    old.save(str(target))
    before = snapshot(target)
    fail_midway(monkeypatch, fault)
    with pytest.raises(OSError):
        new.save(str(target))
    after = snapshot(target)
    changed = {name for name in before if after.get(name) != before[name]}
    assert changed and changed != set(before)


@pytest.mark.parametrize("fault", FAULTS, ids=["full-disk", "permission"])
def test_a_failed_save_keeps_the_old_model_intact(old_and_new, tmp_path, monkeypatch, fault):
    old, new = old_and_new
    target = tmp_path / "model"
    st_unimr.save(old, target)
    before = snapshot(target)
    fail_midway(monkeypatch, fault)
    with pytest.raises(type(fault), match=fault.strerror):
        st_unimr.save(new, target)
    assert snapshot(target) == before
    assert sorted(os.listdir(tmp_path)) == ["model"]
    monkeypatch.undo()
    reloaded = st_unimr.load(str(target), device="cpu")
    np.testing.assert_allclose(reloaded.encode_query(["a dog"]), old.encode_query(["a dog"]), atol=1e-6)


@pytest.mark.parametrize("fault", FAULTS, ids=["full-disk", "permission"])
def test_a_failed_save_to_a_new_folder_leaves_nothing(old_and_new, tmp_path, monkeypatch, fault):
    fail_midway(monkeypatch, fault)
    with pytest.raises(OSError):
        st_unimr.save(old_and_new[1], tmp_path / "models" / "new")
    assert os.listdir(tmp_path / "models") == []


def test_a_failed_final_rename_puts_the_old_model_back(old_and_new, tmp_path, monkeypatch):
    old, new = old_and_new
    target = tmp_path / "model"
    st_unimr.save(old, target)
    before = snapshot(target)
    real_replace = os.replace

    def replace(src, dst):
        if Path(src).name.startswith(".model.tmp-"):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(st_unimr.saving.os, "replace", replace)
    with pytest.raises(OSError, match="cross-device"):
        st_unimr.save(new, target)
    assert snapshot(target) == before
    assert sorted(os.listdir(tmp_path)) == ["model"]


def test_a_save_replaces_the_whole_folder(old_and_new, tmp_path):
    old, new = old_and_new
    target = tmp_path / "model"
    st_unimr.save(old, target)
    (target / "text_2_NLUFeatureFusion" / "stale.safetensors").write_bytes(b"from the old model")
    assert st_unimr.save(new, target) == target
    assert not (target / "text_2_NLUFeatureFusion" / "stale.safetensors").exists()
    assert sorted(os.listdir(tmp_path)) == ["model"]
    reloaded = st_unimr.load(str(target), device="cpu")
    assert reloaded.prompts["query"] == "q: "
    np.testing.assert_allclose(reloaded.encode_query(["a dog"]), new.encode_query(["a dog"]), atol=1e-6)


def test_a_model_card_is_part_of_the_atomic_step(old_and_new, tmp_path):
    target = st_unimr.save(old_and_new[0], tmp_path / "model", model_card="# My card\n")
    assert (target / "README.md").read_text() == "# My card\n"


def test_folders_that_hold_no_model_are_never_replaced(old_and_new, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("keep me")
    with pytest.raises(InvalidInputError, match=r"notes': the folder is not empty and holds no saved model"):
        st_unimr.save(old_and_new[0], folder)
    assert os.listdir(folder) == ["todo.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidInputError, match=r"file': it is a file"):
        st_unimr.save(old_and_new[0], tmp_path / "file")
    st_unimr.save(old_and_new[0], tmp_path / "empty")  # an empty or missing folder is fine
    assert (tmp_path / "empty" / "modules.json").is_file()


def test_stale_temp_folders_of_dead_processes_are_removed_by_the_next_save(old_and_new, tmp_path):
    target = tmp_path / "model"
    st_unimr.save(old_and_new[0], target)
    gone = dead_pid()
    stale = [tmp_path / f".model.tmp-{gone}-abc", tmp_path / f".model.old-{gone}-def"]
    alive = tmp_path / f".model.tmp-{os.getpid()}-ghi"  # a save in progress (here: this process) is left alone
    other = tmp_path / f".other.tmp-{gone}-jkl"  # another model's folder
    for folder in [*stale, alive, other]:
        folder.mkdir()
        (folder / "modules.json").write_text("[]")
    st_unimr.save(old_and_new[1], target)
    assert sorted(os.listdir(tmp_path)) == sorted(["model", alive.name, other.name])


def test_a_model_moved_aside_by_a_killed_save_is_put_back(old_and_new, tmp_path):
    target = tmp_path / "model"
    st_unimr.save(old_and_new[0], target)
    before = snapshot(target)
    aside = tmp_path / f".model.old-{dead_pid()}-xyz"
    os.replace(target, aside)  # where a kill between the two renames leaves it
    assert remove_stale_temp_folders(target) == [aside]
    assert snapshot(target) == before and sorted(os.listdir(tmp_path)) == ["model"]


def test_a_killed_save_leaves_the_old_model_and_the_next_save_cleans_up(old_and_new, tmp_path, tiny_text_dir):
    old, new = old_and_new
    target = tmp_path / "model"
    st_unimr.save(old, target)
    before = snapshot(target)
    started = tmp_path / "started"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        import st_unimr
        from st_unimr.modules.image_encoder import ImageEncoder
        from st_unimr.testing import TINY_EFFICIENTNET

        model = st_unimr.build_unimr(
            text_model={tiny_text_dir!r}, image_backbone_kwargs=TINY_EFFICIENTNET, intents=["a", "b"], device="cpu"
        )

        def slow(self, output_path):
            Path({str(started)!r}).write_text("saving")
            time.sleep(120)

        ImageEncoder.save_extra = slow
        st_unimr.save(model, {str(target)!r})
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "HF_HUB_OFFLINE": "1"})
    deadline = time.time() + 120
    while not started.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert started.exists(), "the child never reached the middle of its save"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    leftovers = [name for name in os.listdir(tmp_path) if name.startswith(".model.tmp-")]
    assert leftovers == [name for name in leftovers if f"-{process.pid}-" in name] and leftovers
    assert snapshot(target) == before  # the kill never touched the model in place
    st_unimr.save(new, target)
    assert sorted(os.listdir(tmp_path)) == ["model", "started"]


def test_a_trainer_created_after_a_save_writes_nothing_into_saved_folders(tiny_unimr_factory, tmp_path):
    # sentence-transformers remembers the last save folder and writes model-card example images there when a trainer
    # is created; after the rename that recreated the hidden temporary folder (training left `.model.tmp-<pid>/`).
    from datasets import Dataset
    from datasets import Image as ImageFeature
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments

    model = tiny_unimr_factory()
    st_unimr.save(model, tmp_path / "saves" / "model")
    before = snapshot(tmp_path / "saves")
    images = [Image.new("RGB", (16, 16), (i * 40, 0, 0)) for i in range(4)]
    data = Dataset.from_dict({"query": ["a", "b", "c", "d"], "document": images})
    data = data.cast_column("document", ImageFeature())
    args = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path / "trainer"),
        use_cpu=True,
        report_to=[],
        router_mapping={"query": "query", "document": "document"},
    )
    SentenceTransformerTrainer(model=model, args=args, train_dataset=data)
    assert sorted(os.listdir(tmp_path / "saves")) == ["model"]
    assert snapshot(tmp_path / "saves") == before
