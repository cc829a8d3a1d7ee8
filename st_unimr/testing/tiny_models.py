"""Tiny random models for smoke tests and CI: built on the fly in seconds, offline. Not for any real use."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import (
    BertConfig,
    BertModel,
    CLIPImageProcessorPil,
    CLIPVisionConfig,
    CLIPVisionModelWithProjection,
    PreTrainedTokenizerFast,
)

__all__ = ["TINY_EFFICIENTNET", "save_tiny_clip_vision", "save_tiny_text_model", "tiny_tokenizer"]

WORDS = (
    "a the of and to in is photo picture image dog cat find show me please from last month red blue bicycle beach "
    "runs weather rain tomorrow wake up at alarm set music play volume loud ein hund der strand le chien photo de "
    "un una foto perro 我 的 狗 照片 find_photo query passage :"
).split()

#: EfficientNet-Lite overrides for a tiny random image tower working at 32x32 pixels.
TINY_EFFICIENTNET = {"width_coefficient": 0.25, "depth_coefficient": 0.25, "num_classes": 10, "image_size": 32}


def tiny_tokenizer(max_length: int = 64) -> PreTrainedTokenizerFast:
    """A WordPiece tokenizer over a few dozen words plus single letters (anything else is [UNK] or spelled out)."""
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


def save_tiny_text_model(path: str | Path, seed: int = 0) -> str:
    """Save a random 2-layer BERT (hidden 32) with :func:`tiny_tokenizer` as a transformers folder."""
    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer()
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


def save_tiny_clip_vision(path: str | Path, seed: int = 0) -> str:
    """Save a random 2-layer CLIP vision tower with projection (32x32 images) and its image processor."""
    torch.manual_seed(seed)
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
