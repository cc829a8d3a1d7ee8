"""Tiny random models built on the fly (offline, seconds) and a loopback Hub server."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# huggingface_hub reads its endpoint and token once, at import: point them at the loopback test Hub before any
# test module imports it, exactly as a user would with HF_ENDPOINT. Nothing in the tests may reach the real Hub.
HUB_PORT = _free_port()
os.environ["HF_ENDPOINT"] = f"http://127.0.0.1:{HUB_PORT}"
os.environ["HF_TOKEN"] = "hf_test_token"
os.environ.pop("HF_HUB_OFFLINE", None)

import pytest
import torch
from sentence_transformers import SentenceTransformer

from st_unimr.testing import TINY_EFFICIENTNET, save_tiny_clip_vision, save_tiny_text_model

INTENTS = ["find_photo", "weather", "alarm", "music"]
CLASSNAMES = ["dog", "cat", "bicycle", "beach", "photo", "music", "rain", "alarm", "red", "blue"]


@pytest.fixture(scope="session")
def tiny_text_dir(tmp_path_factory) -> str:
    """A random 2-layer BERT (hidden 32) with a tiny WordPiece tokenizer, saved as a transformers folder."""
    return save_tiny_text_model(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory) -> str:
    """A random 2-layer CLIP vision tower with projection (32x32 images), saved with its image processor."""
    return save_tiny_clip_vision(tmp_path_factory.mktemp("tiny-clip"))


@pytest.fixture(scope="session")
def tiny_unimr_factory(tiny_text_dir):
    """Builds a tiny UniMR model: random BERT text route, random tiny EfficientNet-Lite with a zero-shot head."""

    def build(**kwargs) -> SentenceTransformer:
        from st_unimr import build_unimr

        torch.manual_seed(0)
        options = {
            "text_model": tiny_text_dir,
            "image_model": "efficientnet-lite0",
            "image_backbone_kwargs": TINY_EFFICIENTNET,
            "zero_shot_classnames": CLASSNAMES,
            "intents": INTENTS,
            "nlu_hidden_features": 16,
            "prompts": {"query": "query: ", "document": "passage: "},
            "device": "cpu",
        }
        if not str(kwargs.get("image_model", "efficientnet")).startswith("efficientnet"):
            options.pop("image_backbone_kwargs")
            options.pop("zero_shot_classnames")
        options.update(kwargs)
        return build_unimr(**options)

    return build


@pytest.fixture()
def tiny_unimr(tiny_unimr_factory) -> SentenceTransformer:
    return tiny_unimr_factory()


@pytest.fixture(scope="session")
def _hub_server_session():
    from tests.hub_server import HubServer

    server = HubServer(port=HUB_PORT).start()
    yield server
    server.stop()


@pytest.fixture()
def hub_server(_hub_server_session):
    """The loopback Hub server that HF_ENDPOINT points at, emptied for each test."""
    _hub_server_session.repos.clear()
    _hub_server_session.requests.clear()
    return _hub_server_session


@pytest.fixture(autouse=True)
def _isolated_home(request, tmp_path, monkeypatch):
    """Fast tests get their own empty ST_UNIMR_HOME, so none of them can lean on fetched assets or built data.

    Slow tests use the real cache (``ST_UNIMR_HOME`` or ``~/.cache/st_unimr``) filled by the fetch/build commands.
    """
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setenv("ST_UNIMR_HOME", str(Path(tmp_path, "unimr-home")))


@pytest.fixture()
def fake_time_normalization(monkeypatch):
    """A stand-in for st_unimr.nlu.time_normalization (built on another branch) where it is not there yet."""
    try:
        import st_unimr.nlu.time_normalization  # noqa: F401

        return
    except ImportError:
        pass
    import dataclasses
    import datetime
    import sys
    import types

    @dataclasses.dataclass(frozen=True)
    class DateRange:
        start: datetime.date
        end: datetime.date

    def normalize_time(text, lang=None, reference_date=None):
        return DateRange(reference_date.replace(day=1), reference_date) if "month" in text else None

    module = types.ModuleType("st_unimr.nlu.time_normalization")
    module.normalize_time = normalize_time
    monkeypatch.setitem(sys.modules, "st_unimr.nlu.time_normalization", module)
