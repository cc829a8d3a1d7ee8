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
from st_unimr.onnx_export import OnnxTextModel, length_groups, text_transformer

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


def test_length_groups_cover_every_row_once_longest_first():
    lengths = np.array([12, 100, 11, 30, 12, 28, 11, 10] * 4)
    groups = length_groups(lengths)
    rows = np.concatenate(groups)
    assert sorted(rows.tolist()) == list(range(len(lengths)))
    # The long text runs alone; the short ones are not padded to its length.
    assert lengths[groups[0]].tolist() == [100] * 4 and len(groups) > 1
    assert [int(lengths[g].max()) for g in groups] == sorted((int(lengths[g].max()) for g in groups), reverse=True)
    # Equal lengths, or a split that would save less than a run costs, stay one group.
    assert [g.tolist() for g in length_groups(np.array([7, 7, 7]))] == [[0, 1, 2]]
    assert len(length_groups(np.array([9, 8, 8]), run_cost=16)) == 1
    assert len(length_groups(np.array([9, 8, 8]), run_cost=0)) == 2


LONG = "a photo of " + "a very long caption about a dog at the beach and " * 12


def test_unpadded_batches_embed_like_the_padded_batch_and_torch(tiny_model, tmp_path):
    """One long text in a batch of short ones: the backend runs them apart; the fp32 graph still gives torch's
    embeddings, and the short texts' positions past their sub-batch come back as zeros."""
    texts = [LONG, *TEXTS, *TEXTS]
    fast = st_unimr.load(st_unimr.export_onnx(tiny_model, tmp_path / "export"), backend="onnx", onnx_threads=1)
    onnx_model = text_transformer(fast).model
    assert onnx_model.unpad
    runs = []
    original = onnx_model.session.run

    def counting_run(*args, **kwargs):
        runs.append(args[1]["input_ids"].shape)
        return original(*args, **kwargs)

    onnx_model.session.run = counting_run
    unpadded = fast.encode_query(texts, batch_size=len(texts))
    assert len(runs) > 1 and max(width for _, width in runs[1:]) < runs[0][1], runs  # short texts ran trimmed
    np.testing.assert_allclose(unpadded, tiny_model.encode_query(texts, batch_size=len(texts)), atol=1e-5)
    onnx_model.unpad = False
    runs.clear()
    np.testing.assert_allclose(fast.encode_query(texts, batch_size=len(texts)), unpadded, atol=1e-5)
    assert len(runs) == 1

    transformer = text_transformer(fast)
    tokens = transformer.tokenizer(
        texts, padding=True, truncation=True, max_length=transformer.max_seq_length, return_tensors="pt"
    )
    onnx_model.unpad = True
    hidden = onnx_model(**tokens)["last_hidden_state"]
    assert hidden.shape[:2] == tokens["input_ids"].shape
    # The short texts ran without the long one: past their own longest length they are zeros, not pad-token states.
    short = int(tokens["attention_mask"][1:].sum(dim=1).max())
    assert short < hidden.shape[1] and torch.all(hidden[1:, short:] == 0)
    # A left-padded mask is not split (the rows' tokens are not a prefix): one run on the whole batch.
    runs.clear()
    left = {name: value.flip(1) for name, value in tokens.items()}
    assert onnx_model(**left)["last_hidden_state"].shape == hidden.shape and len(runs) == 1
