"""st_unimr.export_onnx and st_unimr.load(backend="onnx") on a tiny random model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

import st_unimr
from st_unimr.errors import InvalidInputError, InvalidInputTypeError, MissingCheckpointFileError
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.onnx_export import OnnxTextModel, text_transformer

pytest.importorskip("onnxruntime")

TEXTS = ["find a photo of a dog from last month", "le chien", "a red bicycle at the beach please", ""]


def perturb(model):
    """Move the fusion off its zero start, so the NLU head and fusion visibly shape the embeddings."""
    torch.manual_seed(1)
    with torch.no_grad():
        for parameter in find_nlu_module(model).parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    return model


@pytest.fixture(scope="module")
def tiny_model(tiny_unimr_factory):
    return perturb(tiny_unimr_factory()).eval()


def logits(model, texts):
    return torch.stack([o["intent_logits"] for o in model.encode_query(texts, output_value=None)]).numpy()


@pytest.mark.parametrize("quantize, min_cosine", [(None, 0.99999), ("int8", 0.99)])
def test_export_loads_back_and_embeds_like_torch(tiny_model, tmp_path, quantize, min_cosine):
    path = st_unimr.export_onnx(tiny_model, tmp_path / "export", quantize=quantize)
    config = json.loads((path / "onnx_export.json").read_text())
    graph = path / config["text_module"] / config["file_name"]
    assert graph.is_file() and config["quantize"] == quantize

    fast = st_unimr.load(path, backend="onnx", onnx_threads=1)
    assert isinstance(text_transformer(fast).model, OnnxTextModel)
    expected, got = tiny_model.encode_query(TEXTS), fast.encode_query(TEXTS)
    cosine = (expected * got).sum(axis=1) / np.linalg.norm(expected, axis=1) / np.linalg.norm(got, axis=1)
    assert cosine.min() >= min_cosine, cosine
    # The NLU head still runs (on the ONNX encoder's tokens); documents take the same route with their prompt.
    np.testing.assert_allclose(logits(fast, TEXTS), logits(tiny_model, TEXTS), atol=1e-3 if quantize is None else 0.2)
    assert fast.encode_document(TEXTS).shape == expected.shape
    # The image route is the saved torch one, unchanged.
    images = [Image.new("RGB", (40, 40), (200, 10, 10))]
    np.testing.assert_allclose(fast.encode_document(images), tiny_model.encode_document(images), atol=1e-6)
    with pytest.raises(InvalidInputError, match="has no torch weights to save"):
        fast.save(str(tmp_path / "resaved"))
    # The folder is still a complete checkpoint for the torch backend.
    np.testing.assert_allclose(st_unimr.load(path).encode_query(TEXTS), expected, atol=1e-6)


def test_int8_stores_the_embedding_matrix_as_int8(tiny_model, tmp_path):
    import onnx

    path = st_unimr.export_onnx(tiny_model, tmp_path / "int8", quantize="int8")
    config = json.loads((path / "onnx_export.json").read_text())
    graph = onnx.load(str(path / config["text_module"] / config["file_name"]))
    vocab = text_transformer(tiny_model).tokenizer.vocab_size
    tables = {
        init.name: init.data_type
        for init in graph.graph.initializer
        if len(init.dims) == 2 and init.dims[0] == vocab and init.dims[1] > 1
    }
    assert list(tables.values()) == [onnx.TensorProto.INT8], tables  # one table, int8 (per-row fp32 scales beside it)
    assert {node.op_type for node in graph.graph.node} & {"MatMulInteger", "DynamicQuantizeMatMul"}


def test_bad_arguments_are_named(tiny_model, tmp_path):
    with pytest.raises(InvalidInputError, match="quantize must be None or 'int8', got 'int4'"):
        st_unimr.export_onnx(tiny_model, tmp_path / "x", quantize="int4")
    with pytest.raises(InvalidInputError, match="opset must be an integer >= 14"):
        st_unimr.export_onnx(tiny_model, tmp_path / "x", opset=9)
    with pytest.raises(InvalidInputTypeError, match="must be a UniMR model"):
        st_unimr.export_onnx(torch.nn.Linear(2, 2), tmp_path / "x")
    assert not (tmp_path / "x").exists()

    st_unimr.save(tiny_model, tmp_path / "plain")
    with pytest.raises(MissingCheckpointFileError, match="holds no ONNX export"):
        st_unimr.load(tmp_path / "plain", backend="onnx")
    with pytest.raises(InvalidInputError, match="backend must be 'torch' or 'onnx', got 'openvino'"):
        st_unimr.load(tmp_path / "plain", backend="openvino")
    with pytest.raises(InvalidInputError, match="local folder written by st_unimr.export_onnx"):
        st_unimr.load("org/unimr", backend="onnx")
    with pytest.raises(InvalidInputTypeError, match="onnx_threads must be an integer"):
        st_unimr.load(tmp_path / "plain", backend="onnx", onnx_threads="2")


def test_a_missing_graph_is_named(tiny_model, tmp_path):
    path = st_unimr.export_onnx(tiny_model, tmp_path / "export")
    config = json.loads((path / "onnx_export.json").read_text())
    (path / config["text_module"] / config["file_name"]).unlink()
    with pytest.raises(MissingCheckpointFileError, match="model.onnx not found"):
        st_unimr.load(path, backend="onnx")


def test_outlier_inputs_keep_their_matmuls_fp32(tiny_model, tmp_path):
    import onnx

    def quantized(path):
        config = json.loads((path / "onnx_export.json").read_text())
        graph = onnx.load(str(path / config["text_module"] / config["file_name"])).graph
        kinds = {"MatMulInteger", "DynamicQuantizeMatMul"}
        return config["fp32_layers"], sum(node.op_type in kinds for node in graph.node)

    none_kept, all_quantized = quantized(
        st_unimr.export_onnx(tiny_model, tmp_path / "a", "int8", outlier_range_ratio=None)
    )
    assert none_kept == [] and all_quantized > 0
    # Every input's range exceeds its RMS: a ratio of 1 keeps every weight MatMul fp32.
    kept, left = quantized(st_unimr.export_onnx(tiny_model, tmp_path / "b", "int8", outlier_range_ratio=1.0))
    assert "encoder.layer.0.output.dense" in kept and left == 0
    with pytest.raises(InvalidInputError, match="outlier_range_ratio must be a number > 0 or None"):
        st_unimr.export_onnx(tiny_model, tmp_path / "c", "int8", outlier_range_ratio=0)
    with pytest.raises(InvalidInputError, match="calibration_texts must be a non-empty list of strings"):
        st_unimr.export_onnx(tiny_model, tmp_path / "c", "int8", calibration_texts="a dog")


def test_missing_onnx_packages_name_the_install_command(tiny_model, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "onnxruntime" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ImportError, match="need onnxruntime: pip install onnxruntime onnx"):
        st_unimr.export_onnx(tiny_model, tmp_path / "x")
