"""Bad inputs at the public boundary (encode, model.encode*, predict_intent, build_unimr): each one gets an error of
the st_unimr.errors family whose message names the input and says what was expected."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import st_unimr
from st_unimr.errors import ImageInputError, InvalidInputError, InvalidInputTypeError, UniMRError
from st_unimr.testing import TINY_EFFICIENTNET


@pytest.fixture(scope="module")
def model(tiny_unimr_factory):
    return tiny_unimr_factory()


@pytest.fixture()
def files(tmp_path):
    folder_named_like_an_image = tmp_path / "holiday.jpg"
    folder_named_like_an_image.mkdir()
    png = tmp_path / "blue.png"
    Image.new("RGB", (30, 50), (0, 0, 255)).save(png)
    tif = tmp_path / "scan.tif"
    Image.new("RGB", (30, 50), (0, 0, 255)).save(tif)
    return {"folder": str(folder_named_like_an_image), "png": str(png), "tif": str(tif)}


def _encoders(model):
    return {
        "st_unimr.encode": lambda inputs, **kw: st_unimr.encode(model, inputs, **kw),
        "model.encode": model.encode,
        "model.encode_query": model.encode_query,
        "model.encode_document": model.encode_document,
    }


ENCODERS = ["st_unimr.encode", "model.encode", "model.encode_query", "model.encode_document"]


def test_every_error_is_one_family_and_its_natural_builtin():
    assert issubclass(InvalidInputError, (UniMRError, ValueError))
    assert issubclass(InvalidInputTypeError, TypeError) and issubclass(InvalidInputTypeError, UniMRError)
    assert issubclass(st_unimr.ModelNotFoundError, FileNotFoundError)
    assert issubclass(st_unimr.MissingCheckpointFileError, FileNotFoundError)
    assert issubclass(st_unimr.InvalidCheckpointError, UniMRError)
    from st_unimr.data import DatasetNotBuiltError, DataSourceError, EmptyDatasetError
    from st_unimr.loading import UnsafeModelError
    from st_unimr.modules.image_loading import ImageInputError as ReExported
    from st_unimr.training.config import ConfigError

    for cls in (DataSourceError, DatasetNotBuiltError, EmptyDatasetError, UnsafeModelError, ConfigError, ReExported):
        assert issubclass(cls, UniMRError), cls
    assert UnsafeModelError is st_unimr.UnsafeModelError and ReExported is ImageInputError


@pytest.mark.parametrize("encoder", ENCODERS)
def test_lone_surrogate_names_the_input_and_position(model, encoder):
    with pytest.raises(InvalidInputError, match=r"input 2 .*lone surrogate '\\ud800' at character 3"):
        _encoders(model)[encoder](["ok", "fine", "abc\ud800def"])


@pytest.mark.parametrize("encoder", ["st_unimr.encode", "model.encode"])
def test_unknown_task_lists_the_tasks(model, encoder):
    with pytest.raises(InvalidInputError, match=r"Unknown task 'search'.*\['query', 'document'\]"):
        _encoders(model)[encoder](["a dog"], task="search")


@pytest.mark.parametrize("encoder", ENCODERS)
def test_a_folder_named_like_an_image_is_not_embedded_as_text(model, files, encoder):
    with pytest.raises(ImageInputError, match=r"holiday\.jpg' \(input 1\) is a folder, not an image file"):
        _encoders(model)[encoder]([files["png"], files["folder"]])


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("shape", [(10,), (2, 3, 8, 8), (1, 2, 3, 8, 8)])
def test_arrays_that_are_not_images_name_their_shape(model, encoder, shape):
    with pytest.raises(ImageInputError, match=rf"ndarray of shape \({', '.join(map(str, shape))},?\) \(input 0\)"):
        _encoders(model)[encoder]([np.zeros(shape, dtype=np.float32)])


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("shape", [(10,), (1, 2, 3, 8, 8)])
def test_a_single_array_that_is_not_an_image_names_its_shape(model, encoder, shape):
    with pytest.raises(ImageInputError, match=rf"ndarray of shape \({', '.join(map(str, shape))},?\):"):
        _encoders(model)[encoder](np.zeros(shape, dtype=np.float32))


@pytest.mark.parametrize("encoder", ENCODERS)
def test_a_2d_array_is_a_grayscale_image_not_audio(model, encoder):
    gray = np.full((24, 24), 0.5, dtype=np.float32)
    rgb = np.repeat(gray[..., None], 3, axis=-1)
    embedding = _encoders(model)[encoder]([gray])
    np.testing.assert_allclose(embedding, _encoders(model)[encoder]([rgb]), atol=1e-5)


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("bad", [None, 3, 2.5, b"bytes", object()])
def test_inputs_that_are_neither_text_nor_image_are_named(model, encoder, bad):
    with pytest.raises(InvalidInputTypeError, match=r"input 1"):
        _encoders(model)[encoder](["ok", bad])


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("bad", [{"audio": [0.0]}, {}, {"image": None}])
def test_bad_dicts_are_named(model, encoder, bad):
    with pytest.raises(InvalidInputError, match=r"input 0"):
        _encoders(model)[encoder]([bad])


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("truncate_dim", [0, -1, 33, 1000, 2.5, "16", True])
def test_truncate_dim_outside_the_dimension_is_refused(model, encoder, truncate_dim):
    with pytest.raises(InvalidInputError, match=rf"truncate_dim must be .*got {truncate_dim!r}"):
        _encoders(model)[encoder](["a dog"], truncate_dim=truncate_dim)


def test_a_bad_truncate_dim_set_on_the_model_is_refused_at_encode_time(tiny_unimr_factory):
    model = tiny_unimr_factory()
    model.truncate_dim = 0
    with pytest.raises(InvalidInputError, match="model.truncate_dim must be between 1 and 32, got 0"):
        model.encode_query(["a dog"])
    with pytest.raises(InvalidInputError, match="model.truncate_dim"):
        st_unimr.encode(model, ["a dog"])


def test_valid_truncate_dims_still_work(model):
    assert model.encode(["a dog"], truncate_dim=1).shape == (1, 1)
    assert model.encode(["a dog"], truncate_dim=32).shape == (1, 32)
    assert model.encode(["a dog"], truncate_dim=np.int64(8)).shape == (1, 8)


@pytest.mark.parametrize("encoder", ENCODERS)
def test_decompression_bomb_names_the_file(model, tmp_path, monkeypatch, encoder):
    path = tmp_path / "bomb.png"
    Image.new("RGB", (100, 100)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ImageInputError, match=r"bomb\.png' is too large to decode safely"):
        _encoders(model)[encoder]([str(path)])


@pytest.mark.parametrize("encoder", ["st_unimr.encode", "model.encode_document"])
def test_corrupt_and_empty_image_files_are_named(model, tmp_path, encoder):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ImageInputError, match=r"empty\.jpg"):
        _encoders(model)[encoder]([str(empty)])


def test_a_missing_image_path_is_an_error_for_st_unimr_encode_and_text_for_model_encode(model):
    with pytest.raises(ImageInputError, match=r"Image file not found: 'nowhere/cat\.jpg' \(input 0\)"):
        st_unimr.encode(model, ["nowhere/cat.jpg"])
    # sentence-transformers embeds a string that names no file as text; model.encode keeps that.
    assert model.encode(["nowhere/cat.jpg"]).shape == (1, 32)


def test_image_files_sentence_transformers_would_take_for_text_are_images(model, files):
    # ".tif" is not in sentence-transformers' list of image suffixes: it used to be embedded as the text of its path.
    as_image = model.encode_document([Image.open(files["tif"]).convert("RGB")])
    np.testing.assert_allclose(st_unimr.encode(model, [files["tif"]], task="document"), as_image, atol=1e-5)
    np.testing.assert_allclose(model.encode_document([files["tif"]]), as_image, atol=1e-5)


def test_model_encode_points_mixed_lists_at_st_unimr_encode(model, files):
    with pytest.raises(InvalidInputError, match=r"mix texts \(input 0\) and images \(input 1\).*st_unimr\.encode"):
        model.encode(["a dog", files["png"]])
    assert st_unimr.encode(model, ["a dog", files["png"]]).shape == (2, 32)


def test_valid_inputs_keep_their_results(model, files):
    red = Image.new("RGB", (40, 40), (255, 0, 0))
    tensor = torch.from_numpy(np.array(red)).permute(2, 0, 1).contiguous()
    np.testing.assert_allclose(model.encode([tensor]), model.encode([red]), atol=1e-5)
    np.testing.assert_allclose(model.encode({"text": "a dog"}), model.encode("a dog"), atol=1e-6)
    assert model.encode(sentences=["a dog"]).shape == (1, 32)  # sentence-transformers' deprecated name
    assert model.encode(np.array(["a dog", "a cat"])).shape == (2, 32)
    assert st_unimr.encode(model, np.array(["a dog", "a cat"])).shape == (2, 32)
    assert st_unimr.encode(model, np.zeros((2, 16, 16, 3), dtype=np.uint8)).shape == (2, 32)  # a batch of images
    assert model.encode([]).shape == (0,)
    assert st_unimr.encode(model, "\u00e9t\u00e9 \U0001f600").shape == (32,)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"top_k": 2.5}, InvalidInputTypeError, r"top_k must be an integer, got 2\.5 \(float\)"),
        ({"top_k": "2"}, InvalidInputTypeError, r"top_k must be an integer, got '2' \(str\)"),
        ({"top_k": True}, InvalidInputTypeError, r"top_k must be an integer, got True"),
        ({"top_k": 0}, InvalidInputError, r"top_k must be >= 1, got 0"),
        ({"batch_size": 0}, InvalidInputError, r"batch_size must be >= 1, got 0"),
        ({"texts": None}, InvalidInputTypeError, r"texts must be a string or a list of strings, got None"),
        ({"texts": 7}, InvalidInputTypeError, r"texts must be a string or a list of strings, got 7 \(int\)"),
        ({"texts": ["ok", None]}, InvalidInputTypeError, r"input 1 is None"),
        ({"texts": ["ok", "x\udfff"]}, InvalidInputError, r"input 1 .*lone surrogate"),
        ({"texts": {"a": 1}}, InvalidInputTypeError, r"texts must be a string or a list of strings"),
    ],
)
def test_predict_intent_names_the_bad_argument(model, kwargs, error, message):
    arguments = {"texts": ["find a photo"], **kwargs}
    with pytest.raises(error, match=message):
        st_unimr.predict_intent(model, **arguments)


def test_predict_intent_needs_an_intent_head(tiny_text_dir):
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(tiny_text_dir, device="cpu")
    with pytest.raises(InvalidInputError, match="has no NLUFeatureFusion module"):
        st_unimr.predict_intent(plain, "hello")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"nlu_hidden_features": -1}, r"nlu_hidden_features must be >= 1, got -1"),
        ({"nlu_hidden_features": 8.5}, r"nlu_hidden_features must be an integer, got 8\.5"),
        ({"truncate_dim": -4}, r"truncate_dim must be >= 1, got -4"),
        ({"truncate_dim": 0}, r"truncate_dim must be >= 1, got 0"),
        ({"truncate_dim": 64}, r"truncate_dim must be between 1 and 32, got 64"),
        ({"num_trainable_image_blocks": -1}, r"num_trainable_image_blocks must be >= 0, got -1"),
        ({"max_seq_length": 0}, r"max_seq_length must be >= 1, got 0"),
        ({"fusion": "concat"}, r"fusion must be one of \['gated', 'none'\], got 'concat'"),
        ({"intent_pooling": "max"}, r"intent_pooling must be one of \['mean', 'attention'\], got 'max'"),
        ({"image_projection": "mlp"}, r"image_projection must be one of .*got 'mlp'"),
        ({"intents": "weather"}, r"intents must be a list of names, got 'weather'"),
        ({"intents": []}, r"at least one intent label"),
        ({"intents": ["a", "a"]}, r"unique; duplicated: \['a'\]"),
        ({"intents": ["a", 3]}, r"Intent labels must be non-empty strings; got \[3\]"),
        ({"prompts": {"query": 1}}, r"prompts must map task names to prompt strings"),
        ({"image_model": 42}, r"image_model must be a model name or path, got 42"),
    ],
)
def test_build_unimr_names_the_bad_argument(tiny_unimr_factory, kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        tiny_unimr_factory(**kwargs)


@pytest.mark.parametrize("name", ["efficientnet-lite9", "efficientnet-b0", "EfficientNet_Lite"])
def test_unknown_builtin_image_model_lists_the_known_names_without_the_hub(tiny_text_dir, monkeypatch, name):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    expected = rf"Unknown image_model '{name}'.*efficientnet-lite0.*need the network"
    with pytest.raises(InvalidInputError, match=expected):
        st_unimr.build_unimr(text_model=tiny_text_dir, image_model=name, intents=["a", "b"], device="cpu")


def test_unreachable_hub_image_model_says_hub_ids_need_the_network(tiny_text_dir, hub_server):
    # The loopback test Hub has no such repo: the error names the argument and explains, not a raw HTTP error.
    with pytest.raises(InvalidInputError, match=r"image_model='nobody/no-such-clip' could not be loaded.*network"):
        st_unimr.build_unimr(
            text_model=tiny_text_dir, image_model="nobody/no-such-clip", intents=["a", "b"], device="cpu"
        )


def test_missing_text_model_folder_is_named(tmp_path):
    missing = tmp_path / "no" / "such" / "encoder"
    with pytest.raises(InvalidInputError, match=r"text_model=.*no/such/encoder' could not be loaded"):
        st_unimr.build_unimr(
            text_model=str(missing), image_backbone_kwargs=TINY_EFFICIENTNET, intents=["a", "b"], device="cpu"
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"in_features": 0}, "in_features must be >= 1, got 0"),
        ({"hidden_features": -1}, "hidden_features must be >= 1, got -1"),
        ({"labels": 5}, "labels must be a list of label names, got 5"),
        ({"dropout": 1.5}, r"dropout must be a number in \[0, 1\), got 1\.5"),
    ],
)
def test_nlu_module_arguments(kwargs, message):
    from st_unimr.modules import NLUFeatureFusion

    arguments = {"in_features": 8, "labels": ["a", "b"], **kwargs}
    with pytest.raises(InvalidInputError, match=message):
        NLUFeatureFusion(**arguments)
