"""Fast checks that every benchmark's measurement code runs on a tiny model and returns well-formed results.

No timing assertions: figures on tiny random models mean nothing; these tests guard the code paths.
"""

from __future__ import annotations

import io
import json
import math
import os

import pytest
import torch
from PIL import Image

from benchmarks import (
    content_route,
    corpus_scale,
    fusion_overhead,
    image_encoding,
    optimised_inference,
    query_path,
    training,
)
from benchmarks.common import interleaved_timings, percentile, target
from benchmarks.models import build_pipeline, text_route, text_route_without_fusion, unified_query
from benchmarks.report import render_markdown
from st_unimr.modules.module_lookup import find_nlu_module
from tests.core.test_content_reencoding import predict_intent, tag_words_as_content

QUERIES = [
    "find a photo of my dog",
    "weather tomorrow please",
    "set an alarm at 7",
    "play loud music",
    "ein hund am strand",
    "le chien photo",
    "una foto del perro",
    "我 的 狗 照片",
]


def _assert_table_shapes(result: dict) -> None:
    for table in result["tables"]:
        assert table["rows"], table["title"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
    json.dumps(result)  # results must be JSON-serialisable


def test_pipeline_has_three_separate_encoders_and_same_outputs(tiny_unimr_factory):
    model = tiny_unimr_factory().eval()
    pipeline = build_pipeline(model)
    transformers = [part[0].auto_model for part in pipeline.query_models]
    assert len({id(p) for t in transformers for p in t.parameters()}) == 3 * len(list(transformers[0].parameters()))
    with torch.inference_mode():
        embeddings, logits = unified_query(model, QUERIES, batch_size=4)
        text_embeddings, image_space_embeddings, pipeline_logits = pipeline.query(QUERIES, batch_size=4)
    assert embeddings.shape == text_embeddings.shape == image_space_embeddings.shape
    assert logits.shape == pipeline_logits.shape == (len(QUERIES), 4)
    # Untrained, the gated fusion's scale is 0: all routes compute the same encoder embedding and the same head.
    torch.testing.assert_close(embeddings, text_embeddings)
    torch.testing.assert_close(logits, pipeline_logits)


def test_query_path_result(tiny_unimr_factory):
    result = query_path.run(tiny_unimr_factory(), QUERIES, batch_size=4, latency_queries=3, repeats=2)
    figures = result["figures"]
    assert figures["queries_per_second_ratio"] > 0
    assert math.isclose(
        figures["parameter_ratio_query_path"],
        figures["parameters"]["unified_query_path"] / figures["parameters"]["pipeline_query_path"],
    )
    # Three copies of the encoder plus a head of the same size: the ratio is just over a third.
    assert 0.3 < figures["parameter_ratio_query_path"] < 0.4
    assert figures["disk_bytes"]["pipeline_system"] > figures["disk_bytes"]["unified_system"] > 0
    for kind in ("unified", "pipeline"):
        memory = figures["memory_mb"][kind]
        assert memory["peak_rss_mb"] >= memory["rss_after_load_mb"] >= memory["rss_after_imports_mb"] > 0
        assert set(figures["latency_batch1_ms"][kind]) == {"p50", "p95"}
    assert [t["name"] for t in result["targets"]] == [
        "query path queries/s ratio (unified / pipeline)",
        "query path parameter ratio (unified / pipeline)",
    ]
    _assert_table_shapes(result)


@pytest.mark.parametrize("slot_tagging", [False, True])
def test_fusion_overhead_result(tiny_unimr_factory, slot_tagging):
    # With a slot tagger the fusion reads the token embeddings too, so it is timed on the encoder's whole output.
    model = tiny_unimr_factory(slot_tagging=slot_tagging)
    plain = text_route_without_fusion(model)
    assert plain[0] is text_route(model)[0]  # the same encoder instance, so the same weights
    result = fusion_overhead.run(model, QUERIES, batch_size=4, repeats=2)
    assert result["figures"]["max_abs_embedding_difference"] == 0.0
    assert result["figures"]["fusion_module_share_percent"] > 0
    assert result["targets"][0]["met"] in (True, False)
    _assert_table_shapes(result)


def test_content_route_result(tiny_unimr_factory, monkeypatch):
    model = tiny_unimr_factory(slot_tagging=True, content_route="reencode")
    nlu = find_nlu_module(model)
    with torch.no_grad():
        nlu.content_scale.fill_(1.0)
    tag_words_as_content(nlu, "a dog", monkeypatch)
    predict_intent(nlu, "photo_search")
    queries = ["please find the photo of a dog from last month", "a dog", "wake me up at 7"]
    result = content_route.run(model, queries, batch_size=2, repeats=2)
    # Only the request with a frame around its content is encoded twice.
    assert math.isclose(result["figures"]["share_encoded_twice"], 1 / 3)
    assert result["figures"]["time_ratio"] > 0
    assert nlu.content_route == "reencode"  # the benchmark puts the model's route back
    _assert_table_shapes(result)


def _encoded_images(count: int) -> list[bytes]:
    images = []
    for index in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (40 + index, 30), (index * 30 % 255, 80, 160)).save(buffer, format="PNG")
        images.append(buffer.getvalue())
    return images


def test_image_encoding_result(tiny_unimr_factory):
    result = image_encoding.run(tiny_unimr_factory(), _encoded_images(5), batch_sizes=[1, 4], repeats=2)
    for mode in image_encoding.MODES:
        assert set(result["figures"]["images_per_second"][mode]) == {"1", "4"}
        assert all(value > 0 for value in result["figures"]["images_per_second"][mode].values())
    _assert_table_shapes(result)


@pytest.mark.parametrize("variants", [optimised_inference.VARIANTS])
def test_optimised_inference_result(tiny_unimr_factory, variants):
    pytest.importorskip("onnxruntime")
    model = tiny_unimr_factory()

    class FakeEvaluator:
        """Scores a variant by how close its embeddings stay to the reference's (well-formed, deterministic)."""

        name = "t2t"
        queries = dict(enumerate(QUERIES))
        corpus = dict(enumerate(QUERIES))

        def __init__(self) -> None:
            self.reference = model.encode_query(QUERIES, convert_to_tensor=True)

        def __call__(self, variant):
            embeddings = variant.encode_query(QUERIES, convert_to_tensor=True)
            similarity = torch.nn.functional.cosine_similarity(embeddings, self.reference).mean()
            return {"t2t_cosine_recall@10": float(similarity)}

    result = optimised_inference.run(
        model, QUERIES, {"t2t": FakeEvaluator()}, batch_size=4, latency_queries=2, repeats=2, variants=variants
    )
    figures = result["figures"]
    assert set(figures["speedup_vs_torch_fp32"]) == set(variants)
    assert figures["speedup_vs_torch_fp32"]["torch_fp32"] == 1.0
    # ONNX fp32 computes the same function as torch fp32.
    assert figures["min_cosine_to_fp32"]["onnx_fp32"] > 0.9999
    assert figures["recall_at_10_delta_points"]["onnx_fp32"]["t2t"] == pytest.approx(0.0, abs=1e-3)
    assert len(result["targets"]) == 1 + 2 * (len(variants) - 1)
    _assert_table_shapes(result)
    # The padded variant runs the int8 export that onnx_int8 wrote, with the length grouping off.
    assert figures["text_encoder_bytes"]["onnx_int8_padded"] == figures["text_encoder_bytes"]["onnx_int8"]


def test_training_reads_metrics(tmp_path, capsys):
    assert training.main(["--metrics", str(tmp_path / "missing.json"), "--output-dir", str(tmp_path)]) is None
    assert "python training/train.py" in capsys.readouterr().out
    metrics = {
        "stages": {
            "stage1": {"datasets": {"text_pairs": 10}, "steps": 3, "samples_per_second": 12.5, "wall_seconds": 2.0,
                       "peak_rss_mb": 900.0, "trainable_parameters": 5},
        },
        "peak_rss_mb": 1000.0,
    }  # fmt: skip
    path = tmp_path / "training_metrics.json"
    path.write_text(json.dumps(metrics))
    result = training.main(["--metrics", str(path), "--output-dir", str(tmp_path / "out")])
    assert result["figures"]["stages"]["stage1"]["samples_per_second"] == 12.5
    written = json.loads((tmp_path / "out" / "training.json").read_text())
    assert written["command"].startswith("python benchmarks/training.py")
    assert "cpu" in written["machine"]


def test_corpus_scale_result(tiny_unimr_factory):
    pytest.importorskip("psutil")
    pools = {"en": [f"word{i}" for i in range(30)], "de": [f"wort{i}" for i in range(30)]}
    texts = corpus_scale.synthetic_texts(40, pools, seed=1)
    assert texts == corpus_scale.synthetic_texts(40, pools, seed=1)
    model = tiny_unimr_factory()
    reference = model.encode_document(texts[:20], batch_size=8, convert_to_numpy=True)
    result = corpus_scale.run(model, texts, processes=1, windows=2, compare_windows=1, chunk_size=10, batch_size=8)
    figures = result["figures"]
    headline, compared = figures["windows"]["fixed-mmap-threshold"], figures["windows"]["glibc-default"]
    assert [w["texts"] for w in headline] == [20, 20] and [w["texts"] for w in compared] == [20]
    for window in headline + compared:
        assert window["embedding_shape"] == (20, reference.shape[1])
        # the workers were sampled: private memory is part of RSS, PSS counts shared pages only partly
        workers = window["workers_after_mb"]
        assert 0 < workers["uss"] <= workers["pss"] <= workers["rss"]
        assert window["peak_rss_mb"] >= window["main_after_mb"]["rss"] > 0
    assert figures["comparison"]["texts"] == 20 and figures["comparison"]["speed_ratio_fixed_vs_default"] > 0
    _assert_table_shapes(result)


def test_start_pool_sets_the_environment_of_the_workers_only(tiny_unimr_factory, monkeypatch):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    model = tiny_unimr_factory()
    pool = corpus_scale.start_pool(model, 1, {"MALLOC_MMAP_THRESHOLD_": "65536"})
    try:
        import psutil

        # A worker read while it is still being exec'd reports an empty environment (seen on fresh machines); one
        # that has answered an encode request is fully started.
        assert model.encode(["a red square"], pool=pool).shape[0] == 1
        environ = psutil.Process(pool["processes"][0].pid).environ()
        assert environ.get("MALLOC_MMAP_THRESHOLD_") == "65536"
        assert "MALLOC_MMAP_THRESHOLD_" not in os.environ
    finally:
        model.stop_multi_process_pool(pool)


def test_helpers_and_report():
    calls = []
    timings = interleaved_timings({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]
    assert all(len(values) == 3 for values in timings.values())
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert target("x", 2.0, 2.5, True)["met"] is False
    assert target("y", 0.3, 0.5, False)["met"] is True
    assert target("z", None, 1.0, True)["met"] is None
    text = render_markdown(
        {
            "fusion_overhead": {
                "command": "python benchmarks/fusion_overhead.py",
                "machine": {"cpu": "Test CPU", "cores": 2},
                "settings": {"n_texts": 8},
                "tables": [{"title": "T", "columns": ["a", "b"], "rows": [["x|y", 1]]}],
                "targets": [target("fusion overhead", 1.2, 3.0, False, "%")],
            }
        }
    )
    assert "| fusion overhead | <= 3% | 1.2% | met | fusion_overhead |" in text
    assert "x\\|y" in text and "Test CPU" in text
