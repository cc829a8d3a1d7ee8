from __future__ import annotations

import torch

from st_unimr.training.sequence_length import full_max_seq_length, max_seq_length
from st_unimr.training.trainable import _text_transformer, set_trainable


def _trainable(module) -> bool:
    return any(parameter.requires_grad for parameter in module.parameters())


def test_stage3_image_options_choose_what_trains(tiny_unimr_factory):
    from st_unimr.modules.module_lookup import find_image_encoder

    model = tiny_unimr_factory()
    encoder = find_image_encoder(model)
    set_trainable(model, 3)
    assert encoder.prototypes.requires_grad and _trainable(encoder.linear)
    set_trainable(model, 3, train_prototypes=False)
    assert not encoder.prototypes.requires_grad and _trainable(encoder.linear)
    set_trainable(model, 3, train_prototypes=True, image_linear=False)
    assert encoder.prototypes.requires_grad and not _trainable(encoder.linear)
    # A linear head is the whole projection: it trains whatever the prototype options say.
    linear = tiny_unimr_factory(image_projection="linear")
    set_trainable(linear, 3, train_prototypes=False, image_linear=False)
    assert _trainable(find_image_encoder(linear).linear)


def test_sequence_length_is_restored_after_a_short_training_length(tiny_unimr_factory):
    model = tiny_unimr_factory(max_seq_length=8)
    transformer = _text_transformer(model)
    full = full_max_seq_length(model)
    assert full == transformer.model.config.max_position_embeddings == 64
    long_text = " ".join(["dog"] * 40)
    short = model.tokenize([long_text])["input_ids"].shape[1]
    with max_seq_length(model, full):
        assert model.tokenize([long_text])["input_ids"].shape[1] > short
    assert transformer.max_seq_length == 8


def test_content_fusion_opens_only_where_there_is_one(tiny_unimr_factory):
    from st_unimr.modules.module_lookup import find_nlu_module
    from st_unimr.training.train import open_content_fusion

    tagged = tiny_unimr_factory(slot_tagging=True)
    nlu = find_nlu_module(tagged)
    assert torch.count_nonzero(nlu.content_scale) == 0  # a fresh model is its encoder
    assert open_content_fusion(tagged, None) is False
    assert torch.count_nonzero(nlu.content_scale) == 0
    assert open_content_fusion(tagged, 1.0) is True
    assert torch.equal(nlu.content_scale, torch.ones_like(nlu.content_scale))
    # No tagger, or fusion "none": nothing to open.
    assert open_content_fusion(tiny_unimr_factory(), 1.0) is False
    assert open_content_fusion(tiny_unimr_factory(slot_tagging=True, fusion="none"), 1.0) is False
