from __future__ import annotations

from collections.abc import Sequence

from sentence_transformers import SentenceTransformer

from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.validation import check_int, check_texts

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
        top_k: How many labels to return per text (at most the number of labels).
        batch_size: Encoding batch size.

    Returns:
        For each text, ``top_k`` dicts ``{"label": name, "score": probability}``, best first (for a single text,
        just its list).

    Raises:
        InvalidInputError: ``texts`` is not a text or a list of texts, a text holds a lone surrogate, or ``top_k`` /
            ``batch_size`` is not a positive integer; the message names the input or the value.

    Example:
        ::

            import st_unimr

            model = st_unimr.load("org/unimr")
            st_unimr.predict_intent(model, "please help me find a photo of a dog from last month", top_k=2)
            # [{'label': 'photo_search', 'score': 0.91}, {'label': 'weather', 'score': 0.03}]
    """
    check_int(top_k, "top_k")
    check_int(batch_size, "batch_size")
    items, single = check_texts(texts)
    nlu = find_nlu_module(model)
    top_k = min(int(top_k), nlu.num_labels)
    results = []
    if items:
        outputs = model.encode_query(items, output_value=None, batch_size=batch_size)
        for output in outputs:
            probabilities = output["intent_logits"].float().softmax(dim=-1)
            scores, ids = probabilities.topk(top_k)
            results.append([{"label": nlu.labels[i], "score": float(s)} for s, i in zip(scores, ids.tolist())])
    return results[0] if single else results
