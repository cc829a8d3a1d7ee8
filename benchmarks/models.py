"""The contenders: parts of a UniMR model, and the multi-encoder pipeline of the same backbone sizes."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import Normalize, Router

from st_unimr.modules.nlu_feature_fusion import NLUFeatureFusion

__all__ = [
    "Pipeline",
    "build_pipeline",
    "image_route",
    "load_pipeline",
    "split_text_route",
    "text_route",
    "text_route_without_fusion",
    "unified_query",
]


def text_route(model: SentenceTransformer) -> list[torch.nn.Module]:
    """The modules of the UniMR text route: ``[Transformer, Pooling, NLUFeatureFusion, Normalize]``."""
    router = model[0]
    if not isinstance(router, Router):
        raise TypeError(f"Expected a UniMR model whose first module is a Router, got {type(router).__name__}")
    return list(router.sub_modules["text"])


def image_route(model: SentenceTransformer) -> list[torch.nn.Module]:
    """The modules of the UniMR image route: ``[ImageEncoder, Normalize]``."""
    return list(model[0].sub_modules["image"])


def split_text_route(model: SentenceTransformer) -> tuple[list[torch.nn.Module], NLUFeatureFusion]:
    """The text route's encoder modules (before the fusion, without Normalize) and its NLUFeatureFusion."""
    modules = text_route(model)
    nlu = next(module for module in modules if isinstance(module, NLUFeatureFusion))
    encoder = [module for module in modules if not isinstance(module, (NLUFeatureFusion, Normalize))]
    return encoder, nlu


def text_route_without_fusion(model: SentenceTransformer) -> SentenceTransformer:
    """The same encoder as the UniMR text route (the same module instances, so the same weights) without
    NLUFeatureFusion: ``Transformer → Pooling → Normalize``."""
    encoder, _ = split_text_route(model)
    return SentenceTransformer(modules=[*encoder, Normalize()], prompts=dict(model.prompts), device="cpu")


def unified_query(model: SentenceTransformer, texts: list[str], batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One UniMR forward per batch: the query embedding (shared by text→text and text→image) and the intent
    logits."""
    outputs = model.encode_query(texts, output_value=None, batch_size=batch_size, show_progress_bar=False)
    embeddings = torch.stack([output["sentence_embedding"] for output in outputs])
    logits = torch.stack([output["intent_logits"] for output in outputs])
    return embeddings, logits


@dataclass
class Pipeline:
    """The pipeline users run today: three separate encoders of the unified model's text backbone size.

    Attributes:
        retrieval: The text-retrieval encoder (text→text).
        image_text_tower: A separate text tower into the image space (as CLIP-style systems keep one).
        intent_classifier: A third encoder with an intent head (``NLUFeatureFusion(fusion="none")``).
        image_tower: The image encoder, the same in both systems; counted only for whole-system size.
    """

    retrieval: SentenceTransformer
    image_text_tower: SentenceTransformer
    intent_classifier: SentenceTransformer
    image_tower: SentenceTransformer | None = None

    @property
    def query_models(self) -> list[SentenceTransformer]:
        return [self.retrieval, self.image_text_tower, self.intent_classifier]

    def query(self, texts: list[str], batch_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Three forwards: text→text embedding, text→image embedding, intent logits."""
        kwargs = {"batch_size": batch_size, "show_progress_bar": False, "convert_to_tensor": True}
        text_embeddings = self.retrieval.encode_query(texts, **kwargs)
        image_space_embeddings = self.image_text_tower.encode_query(texts, **kwargs)
        outputs = self.intent_classifier.encode_query(
            texts, output_value=None, batch_size=batch_size, show_progress_bar=False
        )
        logits = torch.stack([output["intent_logits"] for output in outputs])
        return text_embeddings, image_space_embeddings, logits

    def save(self, path: str | Path) -> None:
        path = Path(path)
        for name in ("retrieval", "image_text_tower", "intent_classifier", "image_tower"):
            model = getattr(self, name)
            if model is not None:
                model.save(str(path / name))


def build_pipeline(model: SentenceTransformer, seed: int = 0) -> Pipeline:
    """Three separate encoders with the UniMR text backbone's architecture and size, each its own weights.

    Each is a deep copy of the UniMR text encoder (Transformer + Pooling), so each has its own parameters in memory
    and on disk, and each runs its own forward. The intent classifier gets a head of the same width as UniMR's.
    """
    encoder, nlu = split_text_route(model)
    prompts = dict(model.prompts)

    def encoder_copy() -> list[torch.nn.Module]:
        return [copy.deepcopy(module) for module in encoder]

    torch.manual_seed(seed)
    head = NLUFeatureFusion(
        nlu.in_features,
        labels=list(nlu.labels),
        hidden_features=nlu.hidden_features,
        fusion="none",
        intent_pooling=nlu.intent_pooling,
        dropout=nlu.dropout,
    )
    head.load_state_dict(nlu.state_dict(), strict=False)
    image_modules = [copy.deepcopy(module) for module in image_route(model)]
    return Pipeline(
        retrieval=SentenceTransformer(modules=[*encoder_copy(), Normalize()], prompts=prompts, device="cpu"),
        image_text_tower=SentenceTransformer(modules=[*encoder_copy(), Normalize()], prompts=prompts, device="cpu"),
        intent_classifier=SentenceTransformer(modules=[*encoder_copy(), head], prompts=prompts, device="cpu"),
        image_tower=SentenceTransformer(modules=image_modules, device="cpu"),
    )


def load_pipeline(path: str | Path) -> Pipeline:
    """Load a pipeline saved with :meth:`Pipeline.save` (its query encoders only)."""
    import st_unimr

    path = Path(path)
    return Pipeline(
        retrieval=st_unimr.load(str(path / "retrieval"), device="cpu"),
        image_text_tower=st_unimr.load(str(path / "image_text_tower"), device="cpu"),
        intent_classifier=st_unimr.load(str(path / "intent_classifier"), device="cpu"),
    )
