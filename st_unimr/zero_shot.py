from __future__ import annotations

from collections.abc import Sequence

import torch
from sentence_transformers import SentenceTransformer

from st_unimr.modules.module_lookup import find_image_encoder

__all__ = ["DEFAULT_TEMPLATES", "init_zero_shot_head"]

# One template keeps every build fast (the prompts are encoded at each build); pass more for a richer head.
DEFAULT_TEMPLATES: tuple[str, ...] = ("a photo of a {}.",)


@torch.no_grad()
def init_zero_shot_head(
    model: SentenceTransformer,
    class_names: Sequence[str],
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    batch_size: int = 64,
) -> None:
    """Fill the image route's class prototypes so that, untrained, images land in the text space.

    Each class prototype is the text route's document embedding of prompts such as "a photo of a {class}",
    averaged over the templates, then centred by subtracting the mean over all classes. The image embedding is the
    class-probability-weighted sum of these prototypes. Without the centring every image inherits the large
    component all prompts share and ends up nearest the same few captions.

    Args:
        model: A UniMR model whose ImageEncoder uses ``projection="prototypes"``.
        class_names: One name per output of the backbone's classifier, in index order.
        templates: Prompt templates with one ``{}`` for the class name.
        batch_size: Encoding batch size.

    Example:
        ::

            from st_unimr import build_unimr
            from st_unimr.assets import imagenet_classnames
            from st_unimr.zero_shot import init_zero_shot_head

            model = build_unimr()  # already does this for the default EfficientNet-Lite tower
            init_zero_shot_head(model, imagenet_classnames())
    """
    encoder = find_image_encoder(model)
    if encoder is None or encoder.projection != "prototypes":
        raise ValueError("init_zero_shot_head needs an ImageEncoder with projection='prototypes'")
    if len(class_names) != encoder.prototypes.shape[0]:
        raise ValueError(
            f"Got {len(class_names)} class names for a classifier with {encoder.prototypes.shape[0]} classes"
        )
    prompts = [template.format(name) for name in class_names for template in templates]
    # Prototypes live at the full dimension even when the model truncates its outputs (Matryoshka).
    truncate_dim, model.truncate_dim = model.truncate_dim, None
    try:
        embeddings = model.encode_document(prompts, batch_size=batch_size, convert_to_tensor=True)
    finally:
        model.truncate_dim = truncate_dim
    embeddings = embeddings.reshape(len(class_names), len(templates), -1).mean(dim=1)
    centred = embeddings - embeddings.mean(dim=0, keepdim=True)
    encoder.prototypes.data.copy_(centred.to(encoder.prototypes.dtype))
