from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import st_unimr
from st_unimr.modules.image_loading import ImageInputError


@pytest.fixture()
def images(tmp_path):
    red = Image.new("RGB", (40, 40), (255, 0, 0))
    path = tmp_path / "blue.png"
    Image.new("RGB", (30, 50), (0, 0, 255)).save(path)
    return red, str(path)


def test_mixed_list_keeps_input_order(tiny_unimr, images):
    red, blue_path = images
    inputs = ["a red bicycle", red, "le chien", blue_path, {"image": red}]
    mixed = st_unimr.encode(tiny_unimr, inputs, task="query")
    texts = tiny_unimr.encode_query(["a red bicycle", "le chien"])
    pictures = tiny_unimr.encode_query([red, blue_path, red])
    assert mixed.shape == (5, 32)
    np.testing.assert_allclose(mixed[[0, 2]], texts, atol=1e-6)
    np.testing.assert_allclose(mixed[[1, 3, 4]], pictures, atol=1e-6)
    assert st_unimr.encode(tiny_unimr, red).shape == (32,)
    assert st_unimr.encode(tiny_unimr, []).shape == (0, 32)


def test_plain_sentence_transformers_refuses_the_mixed_batch(tiny_unimr, images):
    with pytest.raises(Exception, match="(?i)modalit"):
        tiny_unimr.encode(["a red bicycle", images[0]])


def test_query_and_document_prompts_differ(tiny_unimr):
    query = st_unimr.encode(tiny_unimr, ["a dog"], task="query")
    document = st_unimr.encode(tiny_unimr, ["a dog"], task="document")
    assert not np.allclose(query, document)


@pytest.mark.parametrize("text", ["", "   \t\n ", "dog " * 25_000])
def test_odd_texts_give_unit_embeddings(tiny_unimr, text):
    embedding = st_unimr.encode(tiny_unimr, [text])
    assert embedding.shape == (1, 32) and np.isfinite(embedding).all()
    assert abs(np.linalg.norm(embedding) - 1) < 1e-5


def test_long_text_is_truncated_to_max_seq_length(tiny_unimr):
    long_text = "dog " * 25_000
    assert len(long_text) == 100_000
    features = tiny_unimr.preprocess([long_text])
    assert features["input_ids"].shape[1] == tiny_unimr.max_seq_length
    np.testing.assert_allclose(tiny_unimr.encode([long_text]), tiny_unimr.encode(["dog " * 200]), atol=1e-6)


@pytest.mark.parametrize("bad, index", [([None], 0), (["ok", object()], 1), (["a", 3], 1)])
def test_non_text_non_image_inputs_are_named(tiny_unimr, bad, index):
    with pytest.raises(TypeError, match=f"input {index}"):
        st_unimr.encode(tiny_unimr, bad)


def test_missing_and_corrupt_image_paths(tiny_unimr, tmp_path):
    with pytest.raises(ImageInputError, match="holiday/beach.jpg"):
        st_unimr.encode(tiny_unimr, ["a dog", "holiday/beach.jpg"])
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(ImageInputError, match="corrupt.png"):
        st_unimr.encode(tiny_unimr, [str(corrupt)])
    # A text that merely mentions a file name is still a text.
    assert st_unimr.encode(tiny_unimr, ["show me beach.jpg please"]).shape == (1, 32)


@pytest.mark.parametrize("dim", [8, 16])
def test_truncate_dim_on_every_route(tiny_unimr_factory, images, dim):
    model = tiny_unimr_factory()
    red, _ = images
    full = st_unimr.encode(model, ["a dog", red])
    short = st_unimr.encode(model, ["a dog", red], truncate_dim=dim)
    assert short.shape == (2, dim)
    np.testing.assert_allclose(short, full[:, :dim], atol=1e-6)
    model.truncate_dim = dim
    assert model.encode_query(["a dog"]).shape == (1, dim)
    assert model.encode_document([red]).shape == (1, dim)
    built = tiny_unimr_factory(truncate_dim=dim)
    assert st_unimr.encode(built, ["a dog", red]).shape == (2, dim)


def test_predict_intent(tiny_unimr):
    results = st_unimr.predict_intent(tiny_unimr, ["find a photo of a dog", "set an alarm"], top_k=3)
    assert len(results) == 2
    for top in results:
        assert len(top) == 3
        assert {item["label"] for item in top} <= {"find_photo", "weather", "alarm", "music"}
        scores = [item["score"] for item in top]
        assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1 + 1e-6
    single = st_unimr.predict_intent(tiny_unimr, "set an alarm", top_k=10)
    assert len(single) == 4 and abs(sum(item["score"] for item in single) - 1) < 1e-5
    with pytest.raises(TypeError, match="input 1"):
        st_unimr.predict_intent(tiny_unimr, ["ok", None])
