from __future__ import annotations

from typing import Any

from mteb.models import SentenceTransformerEncoderWrapper
from sentence_transformers import SentenceTransformer

__all__ = ["UniMREncoder"]

_MTEB_MODALITIES = ("text", "image")


class UniMREncoder(SentenceTransformerEncoderWrapper):
    """A UniMR checkpoint as an mteb encoder that declares the image modality.

    mteb gives a plain ``SentenceTransformer`` ``modalities=["text"]`` and then refuses image tasks; from a Hub id it
    reads modalities only from a root ``sentence_bert_config.json``, which a Router checkpoint does not have. This
    wrapper loads the checkpoint with :func:`st_unimr.load` (local folder or Hub id, no remote code), reads the
    modalities from the model itself (its Router's routes) and writes them into ``mteb_model_meta``. Queries and
    documents go through ``encode_query`` / ``encode_document`` with the model's ``query`` / ``document`` prompts
    (mteb passes ``prompt_type``); images are encoded as documents or queries alike through the image route.
    Tasks without a prompt type (classification) use the ``query`` prompt, the prompt the intent head is trained with.

    Args:
        model: A loaded UniMR ``SentenceTransformer``, or a Hub id / local folder to load with :func:`st_unimr.load`.
        name: Model name in mteb's results (``"org/name"``); defaults to the Hub id or folder name.
        revision: Hub revision to load and to record.
        device: Device to load the model on.
        **kwargs: Passed to :func:`st_unimr.load`.

    Example:
        ::

            import mteb
            from st_unimr.mteb import UniMREncoder, UniMRTextToImageRetrieval

            encoder = UniMREncoder("org/unimr")
            encoder.mteb_model_meta.modalities  # ['text', 'image']
            mteb.evaluate(encoder, UniMRTextToImageRetrieval(max_langs=5), cache=None)
    """

    def __init__(
        self,
        model: str | SentenceTransformer,
        name: str | None = None,
        revision: str | None = None,
        device: str | None = None,
        **kwargs: Any,
    ) -> None:
        source = model if isinstance(model, str) else None
        if isinstance(model, str):
            from st_unimr.loading import load

            model = load(model, revision=revision, device=device, **kwargs)
        super().__init__(model)
        if self.model_prompts and "query" in self.model_prompts:
            # Classification tasks encode without a prompt type: give them the query prompt (the model is not changed).
            self.model_prompts = {"Classification": self.model_prompts["query"], **self.model_prompts}
        modalities = [modality for modality in _MTEB_MODALITIES if model.supports(modality)]
        self.mteb_model_meta = self.mteb_model_meta.model_copy(
            update={
                "name": name or _default_name(source, model),
                "revision": revision or self.mteb_model_meta.revision,
                "modalities": modalities,
            }
        )


def _default_name(source: str | None, model: SentenceTransformer) -> str:
    if source is None:
        return model.model_card_data.model_name or "st-unimr/unimr"
    cleaned = source.rstrip("/").replace("\\", "/")
    parts = [part for part in cleaned.split("/") if part]
    return "/".join(parts[-2:]) if len(parts) >= 2 else f"st-unimr/{parts[-1]}"
