"""Stage 3's last step: the image route's linear path fitted on cached caption and image embeddings.

Stage 3 runs the text encoder at every step, so it sees 50 batches of captions (1,600 of the bundle's 22k image_text
rows) and the linear path over the backbone's pooled feature stays far from what those rows can teach. Once stage 3
is done the text encoder no longer changes, and the image backbone is frozen throughout: the captions' embeddings and
the images' backbone outputs are computed once, and the linear path trains on them for many epochs in seconds. The
domain gate, fitted on the same images, closes the path for images unlike them (photographs), which keep the
zero-shot prototype embedding.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from sentence_transformers import SentenceTransformer
from torch import Tensor

from st_unimr.modules.module_lookup import find_image_encoder

__all__ = ["fit_image_head", "image_head_inputs", "train_image_head"]

logger = logging.getLogger(__name__)


def fit_image_head(
    model: SentenceTransformer,
    captions: Sequence[str],
    images: Sequence[Any],
    groups: Sequence[str] | None = None,
    epochs: int = 10,
    learning_rate: float = 1e-3,
    batch_size: int = 64,
    seed: int = 42,
    scale: float = 20.0,
    domain_gate: bool = True,
    gate_quantile: float = 0.05,
    gate_softness: float = 0.01,
    encode_batch_size: int = 64,
) -> dict[str, Any]:
    """Train the image encoder's linear path (caption → image ranking loss) on the frozen encoders' cached outputs.

    The captions are embedded once with the query prompt and the images' backbone outputs once; the image
    embedding is ``gate ⊙ linear(pooled) + softmax(logits / T) @ prototypes`` with the prototypes and the gate held
    as they are, so only the linear layer trains. The loss is the in-batch ranking loss of
    :class:`~sentence_transformers.sentence_transformer.losses.MultipleNegativesRankingLoss` (cosine similarity
    times ``scale``), except that rows of the same image or group are not counted as each other's negatives.

    Args:
        model: A UniMR model with an :class:`~st_unimr.modules.ImageEncoder`.
        captions: Caption texts.
        images: One image per caption (anything ``ImageEncoder.preprocess`` takes); repeats are encoded once.
        groups: Optional group (concept) per row: captions of one group are positives of each other's images.
        epochs: Passes over the cached rows.
        learning_rate: AdamW learning rate.
        batch_size: Rows per step (the in-batch negatives).
        seed: Seed of the shuffling.
        scale: Similarity scale of the ranking loss.
        domain_gate: Fit the encoder's domain gate on these images first (``projection="prototypes"`` only).
        gate_quantile: See :meth:`~st_unimr.modules.ImageEncoder.fit_domain_gate`.
        gate_softness: See :meth:`~st_unimr.modules.ImageEncoder.fit_domain_gate`.
        encode_batch_size: Batch size of the encoding passes.

    Returns:
        What ran: rows, distinct images, epochs, steps, the last epoch's mean loss, the gate's fit, and the seconds
        spent encoding and training.

    Example:
        ::

            import st_unimr
            from st_unimr.data import load
            from st_unimr.training.image_head_fit import fit_image_head

            model = st_unimr.load("outputs/default/final")
            rows = load("image_text", "train")
            fit_image_head(model, rows["text"], rows["image"], groups=rows["concept_id"], epochs=10)
    """
    if len(captions) != len(images) or (groups is not None and len(groups) != len(captions)):
        raise ValueError(
            f"fit_image_head: {len(captions)} captions, {len(images)} images"
            + ("" if groups is None else f", {len(groups)} groups")
            + ": one of each per row"
        )
    if not captions:
        raise ValueError("fit_image_head: no rows to fit on")
    encoder = find_image_encoder(model)
    if encoder is None:
        raise ValueError("fit_image_head needs a model with an ImageEncoder")
    start = time.perf_counter()
    text, pooled, constant, image_of_row = image_head_inputs(model, captions, images, encode_batch_size)
    gate_fit = None
    if domain_gate and encoder.projection == "prototypes":
        gate_fit = encoder.fit_domain_gate(pooled, quantile=gate_quantile, softness=gate_softness)
    encoded = time.perf_counter()
    group_ids = None
    if groups is not None:
        index = {name: n for n, name in enumerate(dict.fromkeys(groups))}
        group_ids = torch.as_tensor([index[name] for name in groups], device=text.device)
    steps, epoch_loss = train_image_head(
        encoder, text, pooled, constant, image_of_row, group_ids, epochs, learning_rate, batch_size, seed, scale
    )
    result = {
        "rows": len(captions),
        "images": len(pooled),
        "epochs": epochs,
        "steps": steps,
        "final_epoch_loss": round(epoch_loss, 4),
        "domain_gate": gate_fit,
        "encode_seconds": round(encoded - start, 1),
        "train_seconds": round(time.perf_counter() - encoded, 1),
    }
    logger.info(f"Image head fitted on cached embeddings: {result}")
    return result


def image_head_inputs(
    model: SentenceTransformer, captions: Sequence[str], images: Sequence[Any], batch_size: int = 64
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The cached inputs of :func:`train_image_head`.

    Returns:
        ``(captions [N, d] normalised query embeddings at full dimension, pooled [M, f] backbone features of the M
        distinct images, constant [M, d] the prototype mix (zeros without prototypes), image_of_row [N] indices)``.
    """
    encoder = find_image_encoder(model)
    device = encoder.linear.weight.device
    # Prototypes live at the full dimension: Matryoshka truncation applies to outputs, not to what the head learns.
    truncate_dim, model.truncate_dim = model.truncate_dim, None
    try:
        with torch.no_grad():
            text = model.encode_query(
                list(captions), batch_size=batch_size, convert_to_tensor=True, show_progress_bar=False
            )
    finally:
        model.truncate_dim = truncate_dim
    text = F.normalize(text.float(), dim=-1).to(device)
    # A concept captioned in several languages repeats its image; the frozen backbone needs it once.
    distinct: dict[str, int] = {}
    unique: list[Any] = []
    rows: list[int] = []
    for image in images:
        key = _image_key(image)
        if key not in distinct:
            distinct[key] = len(unique)
            unique.append(image)
        rows.append(distinct[key])
    pooled_parts, constant_parts = [], []
    was_training = encoder.training
    encoder.eval()
    try:
        with torch.no_grad():
            for begin in range(0, len(unique), batch_size):
                pixel_values = encoder.preprocess(unique[begin : begin + batch_size])["pixel_values"].to(device)
                pooled, logits = encoder._backbone_outputs(pixel_values)
                pooled_parts.append(pooled.float())
                if encoder.projection == "prototypes":
                    constant_parts.append(encoder.prototype_mix(logits).float())
                else:
                    constant_parts.append(torch.zeros(len(pooled), encoder.embedding_dimension, device=device))
    finally:
        encoder.train(was_training)
    image_of_row = torch.as_tensor(rows, dtype=torch.long, device=device)
    return text, torch.cat(pooled_parts), torch.cat(constant_parts), image_of_row


def train_image_head(
    encoder: torch.nn.Module,
    text: Tensor,
    pooled: Tensor,
    constant: Tensor,
    image_of_row: Tensor,
    group_ids: Tensor | None = None,
    epochs: int = 10,
    learning_rate: float = 1e-3,
    batch_size: int = 64,
    seed: int = 42,
    scale: float = 20.0,
) -> tuple[int, float]:
    """The training loop of :func:`fit_image_head` on cached inputs; returns (steps, last epoch's mean loss)."""
    with torch.no_grad():
        gate = encoder.domain_gate(pooled)
    owner = group_ids if group_ids is not None else image_of_row
    parameters = list(encoder.linear.parameters())
    # Stage 3 may have frozen the path (stage3.image_linear: false); the fit trains it whatever stage 3 did.
    requires_grad = [parameter.requires_grad for parameter in parameters]
    for parameter in parameters:
        parameter.requires_grad_(True)
    optimizer = torch.optim.AdamW(parameters, lr=learning_rate)
    generator = torch.Generator().manual_seed(seed)
    steps, epoch_loss = 0, float("nan")
    try:
        for _ in range(epochs):
            order = torch.randperm(len(text), generator=generator).to(text.device)
            total = 0.0
            for begin in range(0, len(order), batch_size):
                rows = order[begin : begin + batch_size]
                images = image_of_row[rows]
                embedding = gate[images].unsqueeze(-1) * encoder.linear(pooled[images]) + constant[images]
                scores = scale * text[rows] @ F.normalize(embedding, dim=-1).T
                # Another row of the same image or concept is a positive too, so it must not count as a negative.
                same = owner[rows].unsqueeze(1) == owner[rows].unsqueeze(0)
                same.fill_diagonal_(False)
                loss = F.cross_entropy(
                    scores.masked_fill(same, float("-inf")), torch.arange(len(rows), device=text.device)
                )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(rows)
                steps += 1
            epoch_loss = total / len(order)
    finally:
        optimizer.zero_grad(set_to_none=True)
        for parameter, flag in zip(parameters, requires_grad):
            parameter.requires_grad_(flag)
    return steps, epoch_loss


def _image_key(image: Any) -> str:
    """A content hash of an image as the encoder would read it (PIL pixels, or the path / bytes it names)."""
    if hasattr(image, "tobytes") and hasattr(image, "size"):
        payload = f"{image.mode}|{image.size}|".encode() + image.tobytes()
    elif isinstance(image, dict):
        payload = image.get("bytes") or str(image.get("path")).encode()
    else:
        payload = str(image).encode()
    return hashlib.sha1(payload).hexdigest()
