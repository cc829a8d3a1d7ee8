"""LoRA adapters on the text encoder for stage 1, merged back before the next stage."""

from __future__ import annotations

from peft import LoraConfig
from peft.tuners.tuners_utils import BaseTunerLayer
from sentence_transformers import SentenceTransformer

from training.trainable import _text_transformer

__all__ = ["add_lora", "merge_lora"]


def add_lora(model: SentenceTransformer, r: int, alpha: int) -> None:
    """Attach LoRA adapters to every attention and feed-forward projection of the text encoder."""
    config = LoraConfig(
        r=r, lora_alpha=alpha, lora_dropout=0.05, target_modules=["query", "key", "value", "dense"], bias="none"
    )
    _text_transformer(model).model.add_adapter(config)


def merge_lora(model: SentenceTransformer) -> int:
    """Fold the adapters into the base weights (peft's own merge) and drop them; returns how many were merged.

    The merged encoder is a plain transformers model again, so the saved checkpoint needs neither peft nor the base
    model to load.
    """
    encoder = _text_transformer(model).model
    merged = 0
    for name, module in list(encoder.named_modules()):
        if isinstance(module, BaseTunerLayer):
            module.merge()
            parent_name, _, child = name.rpartition(".")
            parent = encoder.get_submodule(parent_name) if parent_name else encoder
            setattr(parent, child, module.get_base_layer())
            merged += 1
    if hasattr(encoder, "peft_config"):
        del encoder.peft_config
    encoder._hf_peft_config_loaded = False
    return merged
