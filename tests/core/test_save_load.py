from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from sentence_transformers import SentenceTransformer

import st_unimr
from st_unimr.modules.module_lookup import find_image_encoder, find_nlu_module

TEXTS = ["find a photo of a dog from last month", "le chien", ""]


def perturb(model):
    """Move every trainable weight off its initial value, so a load that silently re-initialises is caught."""
    torch.manual_seed(1)
    with torch.no_grad():
        nlu = find_nlu_module(model)
        for parameter in nlu.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
        encoder = find_image_encoder(model)
        encoder.linear.weight.add_(0.05 * torch.randn_like(encoder.linear.weight))
    return model


def outputs(model, images):
    text = model.encode_query(TEXTS)
    image = model.encode_document(images)
    logits = torch.stack([o["intent_logits"] for o in model.encode_query(TEXTS, output_value=None)]).numpy()
    return text, image, logits


def assert_same(a, b):
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("backbone", ["efficientnet", "clip"])
def test_save_then_load_both_ways(tiny_unimr_factory, tiny_clip_dir, tmp_path, backbone):
    kwargs = {"image_model": tiny_clip_dir} if backbone == "clip" else {}
    model = perturb(tiny_unimr_factory(**kwargs))
    images = [Image.new("RGB", (40, 40), (200, 10, 10)), Image.new("RGBA", (30, 60), (0, 0, 255, 128))]
    expected = outputs(model, images)
    model.save(str(tmp_path / "model"))

    config = json.loads((tmp_path / "model" / "config_sentence_transformers.json").read_text())
    assert config["requirements"]["st-unimr"]["specifier"] == ">=0.1"
    assert config["prompts"] == {"query": "query: ", "document": "passage: "}

    trusted = SentenceTransformer(str(tmp_path / "model"), trust_remote_code=True, device="cpu")
    safe = st_unimr.load(str(tmp_path / "model"), device="cpu")
    assert_same(outputs(trusted, images), expected)
    assert_same(outputs(safe, images), expected)
    assert find_nlu_module(safe).labels == find_nlu_module(model).labels

    # Re-saving a loaded model keeps every module's configuration (the tokenizer's own files are transformers').
    safe.save(str(tmp_path / "again"))
    compared = 0
    for path in (tmp_path / "model").rglob("*.json"):
        if path.name.startswith(("tokenizer", "special_tokens", "config_sentence_transformers")):
            continue
        again = tmp_path / "again" / path.relative_to(tmp_path / "model")
        assert json.loads(again.read_text()) == json.loads(path.read_text()), path.name
        compared += 1
    assert compared >= 6


@pytest.fixture()
def saved(tiny_unimr, tmp_path) -> Path:
    path = tmp_path / "saved"
    tiny_unimr.save(str(path))
    return path


def test_plain_sentence_transformers_needs_trust_remote_code(saved):
    with pytest.raises(ValueError, match="trust_remote_code"):
        SentenceTransformer(str(saved), device="cpu")


def test_missing_plugin_gives_a_pip_hint(saved):
    config_path = saved / "config_sentence_transformers.json"
    config = json.loads(config_path.read_text())
    config["requirements"]["st-unimr"]["specifier"] = ">=99"
    config_path.write_text(json.dumps(config))
    with pytest.raises(ImportError, match="pip install"):
        SentenceTransformer(str(saved), trust_remote_code=True, device="cpu")


def test_safe_loader_refuses_foreign_classes(saved):
    router_path = saved / "router_config.json"
    router = json.loads(router_path.read_text())
    route_id = next(key for key in router["types"] if key.startswith("image"))
    router["types"][route_id] = "evil_package.modules.Backdoor"
    router_path.write_text(json.dumps(router))
    with pytest.raises(st_unimr.UnsafeModelError, match="evil_package.modules.Backdoor"):
        st_unimr.load(str(saved))


def test_safe_loader_refuses_pickled_weights(saved):
    (saved / "text_2_NLUFeatureFusion" / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(st_unimr.UnsafeModelError, match="pytorch_model.bin"):
        st_unimr.load(str(saved))
    with pytest.raises(st_unimr.UnsafeModelError, match="never trusts"):
        st_unimr.load(str(saved), trust_remote_code=True)


def test_modules_load_only_safetensors(saved):
    weights = saved / "text_2_NLUFeatureFusion" / "model.safetensors"
    weights.unlink()
    with pytest.raises(FileNotFoundError, match="safetensors"):
        SentenceTransformer(str(saved), trust_remote_code=True, device="cpu")
