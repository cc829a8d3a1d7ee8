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
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import (
    BertConfig,
    BertModel,
    CLIPVisionConfig,
    CLIPVisionModelWithProjection,
    PreTrainedTokenizerFast,
)
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

WORDS = (
    "a the of and to in is photo picture image dog cat find show me please from last month red blue bicycle beach "
    "runs weather rain tomorrow wake up at alarm set music play volume loud ein hund der strand le chien photo de "
    "un una foto perro 我 的 狗 照片 find_photo query passage :"
).split()
INTENTS = ["find_photo", "weather", "alarm", "music"]


def _tiny_tokenizer(max_length: int = 64) -> PreTrainedTokenizerFast:
    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(WORDS)])}
    vocab.update({ch: len(vocab) + i for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz") if ch not in vocab})
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_length,
    )


@pytest.fixture(scope="session")
def tiny_text_dir(tmp_path_factory) -> str:
    """A random 2-layer BERT (hidden 32) with a tiny WordPiece tokenizer, saved as a transformers folder."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = _tiny_tokenizer()
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory) -> str:
    """A random 2-layer CLIP vision tower with projection (32x32 images), saved with its image processor."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-clip")
    config = CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        image_size=32,
        patch_size=8,
        projection_dim=24,
    )
    CLIPVisionModelWithProjection(config).save_pretrained(path)
    CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(path)
    return str(path)


TINY_EFFICIENTNET = {"width_coefficient": 0.25, "depth_coefficient": 0.25, "num_classes": 10, "image_size": 32}
CLASSNAMES = ["dog", "cat", "bicycle", "beach", "photo", "music", "rain", "alarm", "red", "blue"]


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
