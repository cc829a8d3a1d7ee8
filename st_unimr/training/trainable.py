"""Which parameters each stage trains."""

from __future__ import annotations

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import Transformer

from st_unimr.modules.module_lookup import find_image_encoder, find_nlu_module

__all__ = ["set_trainable"]


def _text_transformer(model: SentenceTransformer) -> Transformer:
    for module in model.modules():
        if isinstance(module, Transformer):
            return module
    raise ValueError("The model has no Transformer text encoder")


def _encoder_layers(transformer: Transformer) -> list:
    """The transformer blocks of the text encoder, bottom to top (BERT's ``encoder.layer`` and similar)."""
    for name, module in transformer.model.named_modules():
        if name.endswith(("encoder.layer", "encoder.layers", "layers")) and isinstance(module, torch.nn.ModuleList):
            return list(module)
    raise ValueError(f"Cannot find the transformer blocks of {type(transformer.model).__name__}")


def set_trainable(
    model: SentenceTransformer,
    stage: int,
    lora: bool = False,
    trainable_layers: int | None = None,
    train_prototypes: bool = True,
    image_linear: bool = True,
) -> dict[str, int]:
    """Freeze everything, then unfreeze what ``stage`` trains; returns trainable parameter counts by part.

    - Stage 1 (text-encoder pre-training): the text encoder except its word-embedding matrix (96 M of e5-small's
      118 M parameters, too costly to update on CPU and the least useful to move); with LoRA, only the adapters.
      ``trainable_layers`` limits this to the top N transformer blocks: backpropagation then stops there, which
      is what makes a CPU run affordable.
    - Stage 2 (NLU module): the intent head (and the slot tagger) only; the fusion gate and the content fusion's
      scale stay frozen at identity.
    - Stage 3 (joint): the text encoder (as in stage 1), the whole NLU module with its gate, and the image route's
      projection (plus any backbone blocks the ImageEncoder was configured to train); ``train_prototypes`` and
      ``image_linear`` choose which parts of a prototype head train.
    """
    model.requires_grad_(False)
    transformer = _text_transformer(model)
    nlu = find_nlu_module(model)
    image_encoder = find_image_encoder(model)
    if stage in (1, 3):
        if lora:
            for name, parameter in transformer.named_parameters():
                parameter.requires_grad = "lora_" in name
        elif trainable_layers is not None:
            layers = _encoder_layers(transformer)
            for layer in layers[len(layers) - trainable_layers :] if trainable_layers else []:
                layer.requires_grad_(True)
        else:
            transformer.requires_grad_(True)
            transformer.model.get_input_embeddings().requires_grad_(False)
    if stage == 2:
        for name, parameter in nlu.named_parameters():
            parameter.requires_grad = not name.startswith(("fusion_", "content_scale"))
    if stage == 3:
        nlu.requires_grad_(True)
        if image_encoder is not None:
            image_encoder.set_trainable_blocks(image_encoder.num_trainable_blocks)
            # With a prototype head the linear path is the residual the training domain adds; a linear head is
            # the whole projection and always trains.
            image_encoder.linear.requires_grad_(image_linear or image_encoder.projection != "prototypes")
            if image_encoder.projection == "prototypes":
                image_encoder.prototypes.requires_grad_(train_prototypes)
    counts = {
        "text_encoder": sum(p.numel() for p in transformer.parameters() if p.requires_grad),
        "nlu": sum(p.numel() for p in nlu.parameters() if p.requires_grad),
        "image": sum(p.numel() for p in image_encoder.parameters() if p.requires_grad) if image_encoder else 0,
    }
    return counts
