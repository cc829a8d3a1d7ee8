"""Search-request NLU of UniMR checkpoints: slots, intents vs a linear probe, and request vs plain-content retrieval.

::

    python -m st_unimr.evaluation.studies.request_nlu --model unimr=outputs/default/final \\
        --model fusion-none=outputs/fusion-none/final --output outputs/eval-requests.json

For each model, on the ``requests`` test split (frames held out from training) and the ``intents`` test split:

- slot exact-span F1 overall, per slot type and per language, and time-range accuracy (``SlotEvaluator``);
- intent accuracy and macro-F1 of the model's own head, per language, beside a logistic-regression probe fitted on
  the same model's (normalised) query embeddings of the training rows the head saw (intent utterances + requests);
- request→image recall@10 vs the plain caption→image recall@10 on the same images, and request→document vs plain
  content→document (``request_evaluators``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from sentence_transformers import SentenceTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

__all__ = ["evaluate_request_nlu", "intent_head_vs_probe", "intent_rows"]


def _first(keys: list[str], limit: int | None) -> list[int]:
    order = sorted(range(len(keys)), key=lambda i: hashlib.sha256(keys[i].encode("utf8")).hexdigest())
    return sorted(order if limit is None else order[:limit])


def _scores(gold: np.ndarray, predicted: np.ndarray, langs: list[str], min_per_lang: int) -> dict[str, Any]:
    def one(indices: np.ndarray) -> dict[str, float]:
        present = np.unique(gold[indices])
        return {
            "accuracy": float(np.mean(gold[indices] == predicted[indices])),
            "macro_f1": float(
                f1_score(gold[indices], predicted[indices], labels=present, average="macro", zero_division=0)
            ),
            "n": int(len(indices)),
        }

    result = {"all": one(np.arange(len(gold)))}
    by_lang: dict[str, list[int]] = defaultdict(list)
    for index, lang in enumerate(langs):
        by_lang[lang].append(index)
    for lang, indices in sorted(by_lang.items()):
        if len(indices) >= min_per_lang:
            result[lang] = one(np.asarray(indices))
    return result


def intent_rows(
    labels: list[str], split: str, limit: int | None, request_limit: int | None
) -> tuple[list[str], list[int], list[str]]:
    """Intent utterances and search requests of ``split`` (the first ``limit`` / ``request_limit`` by hash, as
    training picks them): texts, label ids indexing ``labels``, languages. Requests whose intent is not a label
    (a model without search intents) are left out."""
    from st_unimr.data import load

    intents = load("intents", split)
    keys = [f"{t}|{i}" for t, i in zip(intents["text"], intents["template_id"])]
    chosen = _first(keys, limit)
    texts = [intents["text"][i] for i in chosen]
    ids = [int(intents["label"][i]) for i in chosen]
    langs = [intents["lang"][i] for i in chosen]
    requests = load("requests", split).select_columns(["text", "intent", "lang", "frame_id"])
    keys = [f"{t}|{f}|{i}" for i, (t, f) in enumerate(zip(requests["text"], requests["frame_id"]))]
    for i in _first(keys, request_limit):
        if requests["intent"][i] in labels:
            texts.append(requests["text"][i])
            ids.append(labels.index(requests["intent"][i]))
            langs.append(requests["lang"][i])
    return texts, ids, langs


def intent_head_vs_probe(
    model: SentenceTransformer,
    intent_train_rows: int | None = 8000,
    request_train_rows: int | None = None,
    test_rows: int | None = None,
    min_per_lang: int = 20,
    batch_size: int = 64,
) -> dict[str, Any]:
    """The intent head against a logistic-regression probe on the same model's embeddings, per language.

    Train: the first ``intent_train_rows`` intent utterances and the first ``request_train_rows`` requests (by hash,
    as training picks them; the defaults are the default config's ``intents_train_rows`` and ``requests_train_rows``,
    so the probe sees the rows the head saw); test: the intent test split plus the requests test split (held-out
    frames). Labels are the model's.
    """
    from st_unimr.modules.module_lookup import find_nlu_module

    labels = find_nlu_module(model).labels

    train_texts, train_ids, _ = intent_rows(labels, "train", intent_train_rows, request_train_rows)
    test_texts, test_ids, test_langs = intent_rows(labels, "test", test_rows, test_rows)
    start = time.perf_counter()
    train_out = model.encode_query(train_texts, output_value=None, batch_size=batch_size)
    test_out = model.encode_query(test_texts, output_value=None, batch_size=batch_size)
    train_x = np.stack([_normalised(o["sentence_embedding"]) for o in train_out])
    test_x = np.stack([_normalised(o["sentence_embedding"]) for o in test_out])
    head = np.asarray([int(o["intent_logits"].argmax()) for o in test_out])
    probe = LogisticRegression(max_iter=1000, C=10.0)
    probe.fit(train_x, np.asarray(train_ids))
    probe_predictions = probe.predict(test_x)
    gold = np.asarray(test_ids)
    is_request = np.asarray([labels[i] in ("photo_search", "document_search") for i in test_ids])
    return {
        "head": _scores(gold, head, test_langs, min_per_lang),
        "probe": _scores(gold, probe_predictions, test_langs, min_per_lang),
        "head_requests_accuracy": float(np.mean(head[is_request] == gold[is_request])) if is_request.any() else None,
        "probe_requests_accuracy": float(np.mean(probe_predictions[is_request] == gold[is_request]))
        if is_request.any()
        else None,
        "train_rows": len(train_texts),
        "test_rows": len(test_texts),
        "seconds": round(time.perf_counter() - start, 1),
    }


def _normalised(vector: Any) -> np.ndarray:
    array = vector.float().cpu().numpy()
    return array / max(float(np.linalg.norm(array)), 1e-12)


def evaluate_request_nlu(model: SentenceTransformer, max_queries: int | None = 1000) -> dict[str, Any]:
    """Slots, intents vs probe and request retrieval of one model (see the module docstring)."""
    from st_unimr.data import load
    from st_unimr.evaluation import SlotEvaluator, request_evaluators
    from st_unimr.modules.module_lookup import find_nlu_module

    test = load("requests", "test")
    result: dict[str, Any] = {}
    if find_nlu_module(model).slot_tags is not None:
        slots = SlotEvaluator.from_requests(test, name="requests")
        result["slots"] = slots(model)
    result["intents"] = intent_head_vs_probe(model)
    retrieval = {}
    for key, evaluator in request_evaluators(test, name="requests", max_queries=max_queries).items():
        metrics = evaluator(model)
        retrieval[key] = {
            name.split("cosine_")[-1]: value for name, value in metrics.items() if name.endswith(("@1", "@10"))
        }
    result["retrieval"] = retrieval
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, metavar="LABEL=PATH", help="A UniMR checkpoint")
    parser.add_argument("--output", required=True, help="Where the JSON results go")
    parser.add_argument("--max-queries", type=int, default=1000, help="Cap on request queries of each kind")
    args = parser.parse_args(argv)
    import st_unimr

    results = {}
    for spec in args.model:
        label, _, path = spec.rpartition("=")
        label = label or Path(path).name
        model = st_unimr.load(path)
        start = time.perf_counter()
        results[label] = evaluate_request_nlu(model, max_queries=args.max_queries)
        results[label]["seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps({label: _headline(results[label])}, indent=2))
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2))
    return results


def _headline(result: dict[str, Any]) -> dict[str, Any]:
    slots = result.get("slots", {})
    return {
        "slot_f1": slots.get("requests_slot_f1"),
        "time_range_accuracy": slots.get("requests_time_range_accuracy"),
        "head_accuracy": result["intents"]["head"]["all"]["accuracy"],
        "probe_accuracy": result["intents"]["probe"]["all"]["accuracy"],
        "head_macro_f1": result["intents"]["head"]["all"]["macro_f1"],
        "probe_macro_f1": result["intents"]["probe"]["all"]["macro_f1"],
        **{f"{key}_recall@10": value.get("recall@10") for key, value in result["retrieval"].items()},
    }


if __name__ == "__main__":
    main()
