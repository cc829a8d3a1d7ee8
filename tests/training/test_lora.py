from __future__ import annotations

import pytest
import torch

from st_unimr.training.lora import ADAPTER_FILE, add_lora, load_lora_state, merge_lora, save_lora_state
from st_unimr.training.trainable import _text_transformer, set_trainable

TEXTS = ["a red square", "ein hund am strand"]


def _randomise_adapters(peft_model, seed: int) -> None:
    # lora_B starts at zero, so an untouched adapter is a no-op and a lost one would go unnoticed.
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_" in name:
                parameter.copy_(0.1 * torch.randn_like(parameter))


def test_lora_trains_only_adapters_and_merges_into_a_plain_encoder(tiny_unimr_factory):
    model = tiny_unimr_factory()
    before = model.encode_query(TEXTS, convert_to_tensor=True)
    peft_model = add_lora(model, r=4, alpha=8)
    counts = set_trainable(model, stage=1, lora=True)
    trainable = [name for name, p in _text_transformer(model).named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name for name in trainable)
    assert counts["text_encoder"] == sum(p.numel() for _, p in peft_model.named_parameters() if p.requires_grad)
    _randomise_adapters(peft_model, seed=0)
    adapted = model.encode_query(TEXTS, convert_to_tensor=True)
    assert not torch.allclose(adapted, before, atol=1e-4)

    merge_lora(model, peft_model)
    encoder = _text_transformer(model).model
    assert type(encoder).__name__ == "BertModel"
    assert not any("lora_" in name or "base_layer" in name for name, _ in encoder.named_parameters())
    torch.testing.assert_close(model.encode_query(TEXTS, convert_to_tensor=True), adapted, atol=1e-5, rtol=1e-4)


def test_lora_adapter_state_survives_a_checkpoint_round_trip(tiny_unimr_factory, tmp_path):
    model = tiny_unimr_factory()
    peft_model = add_lora(model, r=4, alpha=8)
    _randomise_adapters(peft_model, seed=0)
    expected = model.encode_query(TEXTS, convert_to_tensor=True)
    save_lora_state(peft_model, tmp_path)
    assert (tmp_path / ADAPTER_FILE).is_file()

    resumed = tiny_unimr_factory()  # as on --resume: the stage's base model rebuilt, fresh adapters attached
    resumed_peft = add_lora(resumed, r=4, alpha=8)
    assert not torch.allclose(resumed.encode_query(TEXTS, convert_to_tensor=True), expected, atol=1e-4)
    load_lora_state(resumed_peft, tmp_path)
    torch.testing.assert_close(resumed.encode_query(TEXTS, convert_to_tensor=True), expected)

    with pytest.raises(FileNotFoundError, match="no adapter weights"):
        load_lora_state(resumed_peft, tmp_path / "missing")
