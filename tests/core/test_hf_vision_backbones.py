"""CLIP and SigLIP checkpoints as users pass them: full multimodal checkpoints or vision-only towers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import (
    CLIPConfig,
    CLIPImageProcessorPil,
    CLIPModel,
    SiglipConfig,
    SiglipModel,
    SiglipVisionConfig,
    SiglipVisionModel,
)
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

from st_unimr.modules import ImageEncoder

VISION = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "image_size": 32,
    "patch_size": 8,
}
TEXT = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4}


def save_full_clip(path):
    config = CLIPConfig(text_config={**TEXT, "vocab_size": 99}, vision_config=VISION, projection_dim=24)
    CLIPModel(config).save_pretrained(path)
    CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(path)
    return CLIPModel.from_pretrained(path)


def save_full_siglip(path):
    config = SiglipConfig(text_config={**TEXT, "vocab_size": 99}, vision_config=VISION)
    SiglipModel(config).save_pretrained(path)
    SiglipImageProcessorPil(size={"height": 32, "width": 32}).save_pretrained(path)
    return SiglipModel.from_pretrained(path)


def save_siglip_tower(path):
    SiglipVisionModel(SiglipVisionConfig(**VISION)).save_pretrained(path)
    SiglipImageProcessorPil(size={"height": 32, "width": 32}).save_pretrained(path)
    return SiglipVisionModel.from_pretrained(path)


@pytest.mark.parametrize("kind", ["full_clip", "full_siglip", "siglip_tower"])
def test_pretrained_weights_reach_the_encoder(kind, tmp_path):
    torch.manual_seed(0)
    reference = {"full_clip": save_full_clip, "full_siglip": save_full_siglip, "siglip_tower": save_siglip_tower}[
        kind
    ](tmp_path / kind)
    encoder = ImageEncoder.from_backbone(str(tmp_path / kind), embedding_dimension=16).eval()
    image = Image.new("RGB", (48, 40), (30, 160, 90))
    features = encoder.preprocess([image])
    pooled = encoder(dict(features))["image_features"]
    with torch.no_grad():
        if kind == "full_clip":
            expected = reference.get_image_features(pixel_values=features["pixel_values"])
            expected = getattr(expected, "pooler_output", expected)
        else:
            tower = getattr(reference, "vision_model", reference)
            expected = tower(pixel_values=features["pixel_values"]).pooler_output
    np.testing.assert_allclose(pooled.detach().numpy(), expected.numpy(), atol=1e-5)
    assert encoder(dict(features))["sentence_embedding"].shape == (1, 16)

    encoder.save(str(tmp_path / "saved"))
    loaded = ImageEncoder.load(str(tmp_path / "saved")).eval()
    again = loaded(loaded.preprocess([image]))["sentence_embedding"]
    torch.testing.assert_close(again, encoder(dict(features))["sentence_embedding"])
