"""Slot-tagger ablation (issue 13): context-free MLP vs BiGRU context, per-token argmax vs constrained BIO decoding.

The encoder is frozen in stage 2, so its token embeddings of the ``requests`` train and dev splits are computed once
(at the training length, 32 tokens) and only :class:`~st_unimr.modules.NLUFeatureFusion`'s slot tagger trains on
them, as stage 2 trains it (AdamW, linear decay, batch 64, slot cross-entropy). Dev slot exact-span F1 is scored as
:class:`~st_unimr.evaluation.slot_evaluator.SlotEvaluator` scores it (same span decoding and trimming), for several
seeds::

    python -m st_unimr.evaluation.studies.slot_tagger_ablation --model outputs/default/stage1/model --seeds 0 1 2

Writes ``slot_tagger_ablation.json`` and a markdown table to ``--output``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch
import torch.nn.functional as F

import st_unimr
from st_unimr.data import load as load_data
from st_unimr.evaluation.slot_evaluator import _span_scores
from st_unimr.modules import NLUFeatureFusion
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.nlu.bio_decoding import bio_viterbi
from st_unimr.nlu.slot_labels import SLOT_TAGS
from st_unimr.nlu.token_alignment import (
    IGNORE_INDEX,
    as_span_list,
    decode_slot_spans,
    slot_intent_labels,
    token_offsets,
)

__all__ = ["main"]

TRAIN_LENGTH = 32


def encode_split(model, split: str) -> dict:
    data = load_data("requests", split)
    texts, spans = data["text"], [as_span_list(row) for row in data["spans"]]
    prompt = model.prompts.get("query", "") or ""
    labels = slot_intent_labels(model.tokenizer, texts, [0] * len(texts), spans, length=TRAIN_LENGTH, prompt=prompt)
    outputs = model.encode_query(texts, output_value=None, batch_size=64)
    tokens = [out["token_embeddings"][: int(out["attention_mask"].sum())].float() for out in outputs]
    return {
        "texts": texts,
        "langs": data["lang"],
        "gold": [[(s["label"], s["start"], s["end"]) for s in row] for row in spans],
        "tokens": tokens,
        "tags": [row[1 : 1 + len(t)] for row, t in zip(labels, tokens)],
        "offsets": token_offsets(model.tokenizer, texts, prompt=prompt, max_length=TRAIN_LENGTH),
    }


def batch(split: dict, indices: list[int]) -> tuple[dict, torch.Tensor]:
    length = max(len(split["tokens"][i]) for i in indices)
    dim = split["tokens"][0].shape[1]
    tokens = torch.zeros(len(indices), length, dim)
    mask = torch.zeros(len(indices), length)
    tags = torch.full((len(indices), length), IGNORE_INDEX)
    for row, i in enumerate(indices):
        n = len(split["tokens"][i])
        tokens[row, :n], mask[row, :n] = split["tokens"][i], 1
        tags[row, :n] = torch.tensor(split["tags"][i])
    features = {"token_embeddings": tokens, "attention_mask": mask, "sentence_embedding": tokens.mean(dim=1)}
    return features, tags


def train_tagger(train: dict, labels: list[str], context: str, seed: int, epochs: int, lr: float) -> NLUFeatureFusion:
    torch.manual_seed(seed)
    dim = train["tokens"][0].shape[1]
    module = NLUFeatureFusion(dim, labels=labels, slot_tags=list(SLOT_TAGS), slot_context=context, fusion="none")
    parameters = [p for name, p in module.named_parameters() if name.startswith("slot_")]
    optimizer = torch.optim.AdamW(parameters, lr=lr)
    steps_per_epoch = len(train["texts"]) // 64
    total = epochs * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / total))
    generator = torch.Generator().manual_seed(seed)
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(train["texts"]), generator=generator).tolist()
        for start in range(0, steps_per_epoch * 64, 64):
            features, tags = batch(train, order[start : start + 64])
            logits = module(features)["slot_logits"]
            loss = F.cross_entropy(logits.reshape(-1, len(SLOT_TAGS)), tags.reshape(-1), ignore_index=IGNORE_INDEX)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
    return module.eval()


@torch.no_grad()
def score(module: NLUFeatureFusion, dev: dict, decoding: str) -> dict[str, float]:
    predicted = []
    for start in range(0, len(dev["texts"]), 128):
        indices = list(range(start, min(start + 128, len(dev["texts"]))))
        features, _ = batch(dev, indices)
        logits = module(features)["slot_logits"]
        for row, i in enumerate(indices):
            scores = logits[row, : len(dev["tokens"][i])].log_softmax(dim=-1)
            tag_ids = bio_viterbi(scores, SLOT_TAGS) if decoding == "viterbi" else scores.argmax(dim=-1).tolist()
            spans = decode_slot_spans(dev["texts"][i], dev["offsets"][i], tag_ids, SLOT_TAGS)
            predicted.append([(s["type"], s["start"], s["end"]) for s in spans])
    result = {"slot_f1": _span_scores(dev["gold"], predicted)["slot_f1"]}
    langs = sorted(set(dev["langs"]))
    per_lang = []
    for lang in langs:
        rows = [i for i, value in enumerate(dev["langs"]) if value == lang]
        per_lang.append(_span_scores([dev["gold"][i] for i in rows], [predicted[i] for i in rows])["slot_f1"])
    result["slot_f1_language_mean"] = sum(per_lang) / len(per_lang)
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="A stage-1 model folder (its encoder is what stage 2 sees)")
    parser.add_argument("--output", default="outputs/slot-tagger-ablation")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    args = parser.parse_args(argv)
    model = st_unimr.load(args.model)
    model.max_seq_length = TRAIN_LENGTH
    labels = find_nlu_module(model).labels
    train, dev = encode_split(model, "train"), encode_split(model, "dev")
    runs: dict[str, list[dict[str, float]]] = {}
    for context in ("none", "bigru"):
        for seed in args.seeds:
            module = train_tagger(train, labels, context, seed, args.epochs, args.learning_rate)
            for decoding in ("argmax", "viterbi"):
                runs.setdefault(f"{context}/{decoding}", []).append(score(module, dev, decoding))
    lines = [
        f"Dev slot exact-span F1, {len(args.seeds)} seeds (mean ± sd), {args.epochs} epochs, frozen `{args.model}`:",
        "",
        "| tagger input | decoding | slot F1 | mean over languages |",
        "|---|---|---|---|",
    ]
    summary = {}
    for key, results in runs.items():
        context, decoding = key.split("/")
        cells = []
        for metric in ("slot_f1", "slot_f1_language_mean"):
            values = [r[metric] for r in results]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            summary.setdefault(key, {})[metric] = {"mean": statistics.mean(values), "sd": sd, "runs": values}
            cells.append(f"{statistics.mean(values):.3f} ± {sd:.3f}")
        name = "token alone (MLP)" if context == "none" else "token + BiGRU context"
        lines.append(f"| {name} | {decoding} | {cells[0]} | {cells[1]} |")
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "slot_tagger_ablation.json").write_text(json.dumps(summary, indent=1))
    (output / "slot_tagger_ablation.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return summary


if __name__ == "__main__":
    main()
