from __future__ import annotations

from collections.abc import Sequence

from sentence_transformers import SentenceTransformer

from st_unimr.modules.module_lookup import find_nlu_module

__all__ = ["predict_intent"]


def predict_intent(
    model: SentenceTransformer,
    texts: str | Sequence[str],
    top_k: int = 1,
    batch_size: int = 32,
) -> list[list[dict[str, float | str]]] | list[dict[str, float | str]]:
    """The top intents of each text, from the model's own intent head.

    Texts are encoded as queries (the prompt the intent head is trained with), in the same forward pass that gives
    their retrieval embedding.

    Args:
        model: A UniMR model.
        texts: One text or a list of texts.
        top_k: How many labels to return per text.
        batch_size: Encoding batch size.

    Returns:
        For each text, ``top_k`` dicts ``{"label": name, "score": probability}``, best first (for a single text,
        just its list).

    Example:
        ::

            import st_unimr

            model = st_unimr.load("org/unimr")
            st_unimr.predict_intent(model, "please help me find a photo of a dog from last month", top_k=2)
            # [{'label': 'photo_search', 'score': 0.91}, {'label': 'weather', 'score': 0.03}]
    """
    nlu = find_nlu_module(model)
    single = isinstance(texts, str)
    items = [texts] if single else list(texts)
    for index, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"predict_intent takes texts; input {index} is {type(text).__name__}")
    if not 1 <= top_k:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    top_k = min(top_k, nlu.num_labels)
    results = []
    if items:
        outputs = model.encode_query(items, output_value=None, batch_size=batch_size)
        for output in outputs:
            probabilities = output["intent_logits"].float().softmax(dim=-1)
            scores, ids = probabilities.topk(top_k)
            results.append([{"label": nlu.labels[i], "score": float(s)} for s, i in zip(scores, ids.tolist())])
    return results[0] if single else results
