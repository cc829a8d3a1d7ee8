"""LoRA adapters on the text encoder for stage 1, through peft's own API, merged back before the next stage.

transformers' adapter integration (``PreTrainedModel.add_adapter``) is not used on purpose: a transformers release
can refuse the installed peft there (transformers 5.24 refused peft 0.21.2, the newest published), which switched
LoRA off for every new install. ``get_peft_model`` / ``merge_and_unload`` only need peft itself.
"""

from __future__ import annotations

from pathlib import Path

from peft import LoraConfig, PeftModel, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict
from safetensors.torch import load_file, save_file
from sentence_transformers import SentenceTransformer

from st_unimr.training.trainable import _text_transformer

__all__ = ["ADAPTER_FILE", "add_lora", "load_lora_state", "merge_lora", "save_lora_state"]

# Written into every checkpoint of a LoRA stage, beside sentence-transformers' own files.
ADAPTER_FILE = "lora_adapters.safetensors"


def add_lora(model: SentenceTransformer, r: int, alpha: int) -> PeftModel:
    """Attach LoRA adapters to every attention and feed-forward projection of the text encoder.

    peft injects the adapter layers into the encoder in place, so the sentence-transformers ``Transformer`` module
    keeps calling the same encoder object; the returned ``PeftModel`` is the handle for saving and merging.
    """
    config = LoraConfig(
        r=r, lora_alpha=alpha, lora_dropout=0.05, target_modules=["query", "key", "value", "dense"], bias="none"
    )
    return get_peft_model(_text_transformer(model).model, config)


def merge_lora(model: SentenceTransformer, peft_model: PeftModel) -> None:
    """Fold the adapters into the base weights and drop them (peft's ``merge_and_unload``).

    The merged encoder is a plain transformers model again, so the saved checkpoint needs neither peft nor the base
    model to load.
    """
    _text_transformer(model).model = peft_model.merge_and_unload()


def save_lora_state(peft_model: PeftModel, folder: str | Path) -> None:
    """Write the adapter weights into a checkpoint folder, so a killed LoRA stage resumes with its adapters.

    sentence-transformers' own checkpoint holds the encoder with the adapter layers injected; its key names
    (``base_layer``, ``lora_A``) do not load back into a plain encoder, so resuming restores from this file instead.
    """
    save_file(get_peft_model_state_dict(peft_model), str(Path(folder) / ADAPTER_FILE))


def load_lora_state(peft_model: PeftModel, folder: str | Path) -> None:
    """Restore the adapter weights saved by :func:`save_lora_state`; every adapter key must be present."""
    path = Path(folder) / ADAPTER_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the checkpoint of a LoRA stage has no adapter weights")
    result = set_peft_model_state_dict(peft_model, load_file(str(path)))
    missing = [key for key in result.missing_keys if "lora_" in key]
    if missing:
        raise ValueError(f"{path}: adapter weights missing for {missing[:5]} (of {len(missing)})")
