"""Fit the image route's domain gate on the stage-3 training images before stage 3 trains the linear path."""

from __future__ import annotations

import torch
from sentence_transformers import SentenceTransformer

from st_unimr.modules.module_lookup import find_image_encoder
from st_unimr.training.config import TrainConfig
from st_unimr.training.stage_data import image_text_train

__all__ = ["fit_domain_gate"]


def fit_domain_gate(model: SentenceTransformer, config: TrainConfig, batch_size: int = 64) -> dict | None:
    """Fit the gate to the pooled backbone features of the distinct images stage 3 trains on.

    Returns what :meth:`~st_unimr.modules.ImageEncoder.fit_domain_gate` reports, or None when the config asks for no
    gate or the model has no prototype image head whose linear path trains.
    """
    stage = config.stage3
    encoder = find_image_encoder(model)
    if not stage.image_domain_gate or encoder is None or encoder.projection != "prototypes" or not stage.image_linear:
        return None
    images = image_text_train(config.data)["document"]
    device = next(encoder.parameters()).device
    pooled = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            features = encoder.preprocess(images[start : start + batch_size])
            # Through the encoder's feature cache when it is on, so training reuses these backbone passes.
            pooled.append(encoder({"pixel_values": features["pixel_values"].to(device)})["image_features"].cpu())
    # An image captioned in several languages appears once per caption; the frozen backbone gives it one feature.
    return encoder.fit_domain_gate(
        torch.unique(torch.cat(pooled), dim=0),
        quantile=stage.image_domain_gate_quantile,
        softness=stage.image_domain_gate_softness,
    )
