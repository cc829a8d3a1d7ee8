"""Broken, hostile and missing checkpoints: st_unimr.load names the file and the field, and never imports a class
outside sentence-transformers' and st_unimr.modules' Module classes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

import st_unimr
from st_unimr.errors import (
    InvalidCheckpointError,
    InvalidInputError,
    MissingCheckpointFileError,
    ModelNotFoundError,
    UnsafeModelError,
)

NLU = "text_2_NLUFeatureFusion"
IMAGE = "image_0_ImageEncoder"


@pytest.fixture(scope="module")
def pristine(tiny_unimr_factory, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pristine") / "model"
    tiny_unimr_factory().save(str(path))
    return path


@pytest.fixture()
def saved(pristine, tmp_path) -> Path:
    path = tmp_path / "model"
    shutil.copytree(pristine, path)
    return path


def _edit_json(path: Path, change) -> None:
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


def test_the_pristine_copy_loads(saved):
    assert st_unimr.load(str(saved), device="cpu").encode_query(["a dog"]).shape == (1, 32)


@pytest.mark.parametrize(
    "file, content, message",
    [
        ("modules.json", "{not json", r"modules\.json: not valid JSON \(Expecting property name"),
        ("modules.json", '{"0": {"type": "x"}}', r"modules\.json: expected a list of module entries, got dict"),
        ("modules.json", '"text"', r"modules\.json: expected a list of module entries, got str"),
        ("modules.json", "[42]", r"modules\.json: entry 0 must be an object, got 42"),
        ("modules.json", '[{"idx": 0, "name": "0", "path": ""}]', r"modules\.json: entry 0: field 'type' must be"),
        ("router_config.json", "[]", r"router_config\.json: field 'types' must be an object"),
        ("router_config.json", '{"types": {}, "structure": 3}', r"router_config\.json: field 'structure' must be"),
        ("config_sentence_transformers.json", "[1, 2", r"config_sentence_transformers\.json: not valid JSON"),
        (f"{NLU}/config.json", "\xff\xfe", rf"{NLU}/config\.json: not valid JSON"),
    ],
)
def test_malformed_json_files_are_named(saved, file, content, message):
    (saved / file).write_text(content, encoding="latin-1")
    with pytest.raises(InvalidCheckpointError, match=message):
        st_unimr.load(str(saved), device="cpu")


@pytest.mark.parametrize(
    "file, field, value, message",
    [
        (f"{NLU}/config.json", "hidden_features", "x", "field 'hidden_features' must be an integer, got 'x'"),
        (f"{NLU}/config.json", "labels", 5, "field 'labels' must be a list of strings, got 5"),
        (f"{NLU}/config.json", "labels", ["a", 3], r"field 'labels' must be a list of strings, got \['a', 3\]"),
        (f"{NLU}/config.json", "fusion", "concat", "field 'fusion' must be one of 'gated', 'none', got 'concat'"),
        (f"{NLU}/config.json", "dropout", "high", "field 'dropout' must be a number, got 'high'"),
        (f"{NLU}/config.json", "in_features", True, "field 'in_features' must be an integer, got True"),
        (f"{NLU}/config.json", "hidden_features", -3, "hidden_features must be >= 1, got -3"),
        (f"{IMAGE}/image_encoder_config.json", "backbone_config", [], "field 'backbone_config' must be an object"),
        (f"{IMAGE}/image_encoder_config.json", "projection", None, "field 'projection' must be one of"),
        ("config_sentence_transformers.json", "prompts", ["x"], "field 'prompts' must be an object"),
        ("config_sentence_transformers.json", "truncate_dim", -4, "field 'truncate_dim' must be >= 1, got -4"),
        ("config_sentence_transformers.json", "truncate_dim", "16", "field 'truncate_dim' must be an integer or null"),
        ("config_sentence_transformers.json", "truncate_dim", 999, r"'truncate_dim' must be between 1 .* 32, got 999"),
    ],
)
def test_config_fields_of_the_wrong_type_name_the_file_and_field(saved, file, field, value, message):
    _edit_json(saved / file, lambda config: {**config, field: value})
    with pytest.raises(InvalidCheckpointError, match=message) as info:
        st_unimr.load(str(saved), device="cpu")
    assert file.split("/")[-1] in str(info.value)


@pytest.mark.parametrize(
    "file, message",
    [
        (f"{NLU}/config.json", rf"{NLU}/config\.json is missing or empty"),
        (f"{IMAGE}/image_encoder_config.json", rf"{IMAGE}/image_encoder_config\.json is missing or empty"),
        (f"{NLU}/model.safetensors", rf"No model\.safetensors in .*{NLU}"),
        ("router_config.json", r"router_config\.json not found"),
        ("modules.json", r"modules\.json not found: it is not a sentence-transformers checkpoint"),
    ],
)
def test_missing_files_are_named(saved, file, message):
    (saved / file).unlink()
    with pytest.raises(MissingCheckpointFileError, match=message):
        st_unimr.load(str(saved), device="cpu")


def test_a_missing_config_field_is_named(saved):
    _edit_json(saved / NLU / "config.json", lambda config: {k: v for k, v in config.items() if k != "labels"})
    with pytest.raises(InvalidCheckpointError, match=r"config\.json: the required field 'labels' is missing"):
        st_unimr.load(str(saved), device="cpu")


@pytest.mark.parametrize("module", [NLU, IMAGE, "text_0_Transformer"])
@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_truncated_safetensors_are_named(saved, module, keep):
    weights = saved / module / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(InvalidCheckpointError, match=rf"{module}/model\.safetensors is truncated or corrupt"):
        st_unimr.load(str(saved), device="cpu")


def test_weights_that_do_not_fit_the_config_are_named(saved):
    _edit_json(saved / NLU / "config.json", lambda config: {**config, "labels": ["a", "b", "c"]})
    with pytest.raises(InvalidCheckpointError, match=rf"{NLU}/model\.safetensors does not fit"):
        st_unimr.load(str(saved), device="cpu")


def test_nonexistent_paths_say_no_such_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").mkdir()
    for path in (str(tmp_path / "nope"), "./nope", "outputs/final", "outputs/run/final", "~/nope-unimr"):
        with pytest.raises(ModelNotFoundError, match=r"No such model folder") as info:
            st_unimr.load(path)
        assert path.removeprefix("~/") in str(info.value) and "Repo id must be" not in str(info.value)
    (tmp_path / "model.safetensors").write_bytes(b"x")
    with pytest.raises(ModelNotFoundError, match=r"'model.safetensors' is a file, not a model folder"):
        st_unimr.load("model.safetensors")
    with pytest.raises(ModelNotFoundError, match=r"neither an existing model folder nor a valid Hub id"):
        st_unimr.load("not a valid id!")


def test_a_hub_id_that_does_not_exist_is_named(hub_server):
    with pytest.raises(ModelNotFoundError, match=r"'nobody/no-such-model' is neither a local folder nor a model"):
        st_unimr.load("nobody/no-such-model")


def test_offline_hub_ids_say_the_hub_is_offline(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelNotFoundError, match=r"'nobody/model' is not a local folder, and the Hub is offline"):
        st_unimr.load("nobody/model")


@pytest.mark.parametrize("truncate_dim", [0, -1, 33, "8", 2.0])
def test_load_truncate_dim_is_checked(saved, truncate_dim):
    with pytest.raises(InvalidInputError, match=rf"truncate_dim must be .*got {truncate_dim!r}"):
        st_unimr.load(str(saved), device="cpu", truncate_dim=truncate_dim)


SMUGGLED = [
    "st_unimr.loading.os",
    "st_unimr.modules.os",
    "st_unimr.modules.image_encoder.torch.nn.Linear",
    "st_unimr.modules.image_encoder.nn.Linear",
    "st_unimr.modules.image_encoder.copy",
    "st_unimr.modules.safe_weights.load_safetensors_weights",
    "st_unimr.UniMRModel",
    "st_unimr.unimr_model.UniMRModel",
    "sentence_transformers.util.os",
    "sentence_transformers.util.torch",
    "sentence_transformers.SentenceTransformer",
    "sentence_transformers.util.import_from_string",
    "sentence_transformers_evil.modules.Backdoor",
    "st_unimr_evil.Backdoor",
    "st_unimr.modulesevil.Backdoor",
    "builtins.eval",
    "os.system",
    "Transformer",
    "",
]


@pytest.mark.parametrize("class_ref", SMUGGLED)
def test_router_types_are_resolved_not_prefix_checked(saved, class_ref):
    _edit_json(saved / "router_config.json", lambda c: {**c, "types": {**c["types"], IMAGE: class_ref}})
    with pytest.raises(UnsafeModelError, match="refuses it") as info:
        st_unimr.load(str(saved), device="cpu")
    assert repr(class_ref) in str(info.value)


@pytest.mark.parametrize("class_ref", SMUGGLED)
def test_modules_json_types_are_resolved_not_prefix_checked(saved, class_ref):
    _edit_json(saved / "modules.json", lambda modules: [{**modules[0], "type": class_ref}])
    with pytest.raises(UnsafeModelError, match="refuses it"):
        st_unimr.load(str(saved), device="cpu")


def test_smuggled_classes_are_never_imported(saved, monkeypatch):
    import importlib

    imported = []
    real_import = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name, *a: imported.append(name) or real_import(name, *a))
    _edit_json(saved / "router_config.json", lambda c: {**c, "types": {**c["types"], IMAGE: "evil_pkg.mod.Backdoor"}})
    with pytest.raises(UnsafeModelError):
        st_unimr.load(str(saved), device="cpu")
    assert not [name for name in imported if name.startswith("evil_pkg")]


def test_legacy_sentence_transformers_class_paths_still_load(saved):
    # Older checkpoints name classes through the deprecated sentence_transformers.models alias.
    legacy = "sentence_transformers.models.Normalize"
    _edit_json(saved / "router_config.json", lambda c: {**c, "types": {**c["types"], "image_1_Normalize": legacy}})
    image = Image.new("RGB", (40, 40), (255, 0, 0))
    assert st_unimr.load(str(saved), device="cpu").encode_document([image]).shape == (1, 32)
