"""Intent head refitted on cached embeddings (issue 13): accuracy by epochs and learning rate, beside a linear probe.

On a stage-2 model (encoder frozen since stage 1, heads trained by stage 2), the intent head's inputs are computed
once for the rows stage 2 trained on (the default config's 8,000 intent utterances and all requests); copies of the
head then train for each learning rate and are scored after each listed epoch count on a split's intent utterances
and requests, beside the stage-2 head as it is and a logistic-regression probe on the same model's normalised query
embeddings (the ``request_nlu`` study's probe)::

    python -m st_unimr.evaluation.studies.intent_head_fit_sweep --model outputs/default/stage2/model --split dev

Prints one line per setting and writes ``intent_head_fit_sweep.json`` to ``--output``.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

__all__ = ["main"]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="A stage-2 model (stageN/model of a run)")
    parser.add_argument("--split", default="dev", help="Where the settings are scored (dev, or test for a report)")
    parser.add_argument("--learning-rates", type=float, nargs="+", default=[1e-3, 3e-3])
    parser.add_argument("--epochs", type=int, nargs="+", default=[5, 10, 20, 30, 40, 60])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--output", default="outputs/intent-head-fit-sweep")
    args = parser.parse_args(argv)

    import st_unimr
    from st_unimr.evaluation.studies.request_nlu import intent_rows
    from st_unimr.modules.module_lookup import find_nlu_module
    from st_unimr.training.intent_head_fit import head_inputs, train_intent_head

    model = st_unimr.load(args.model)
    model.eval()
    nlu = find_nlu_module(model)
    train_texts, train_ids, _ = intent_rows(nlu.labels, "train", 8000, None)
    eval_texts, eval_ids, _ = intent_rows(nlu.labels, args.split, None, None)
    # One pass per split gives the head's inputs and the final embeddings the probe reads.
    train_x, train_out = head_inputs(model, train_texts, args.batch_size)
    eval_x, eval_out = head_inputs(model, eval_texts, args.batch_size)
    gold = np.asarray(eval_ids)
    present = np.unique(gold)

    def scores(predicted: np.ndarray) -> dict[str, float]:
        return {
            "accuracy": round(float(np.mean(predicted == gold)), 4),
            "macro_f1": round(float(f1_score(gold, predicted, labels=present, average="macro", zero_division=0)), 4),
        }

    def normalised(outputs: list[dict]) -> np.ndarray:
        return F.normalize(torch.stack([o["sentence_embedding"].float() for o in outputs]), dim=-1).numpy()

    current = np.asarray([int(o["intent_logits"].argmax()) for o in eval_out])
    probe = (
        LogisticRegression(max_iter=1000, C=10.0).fit(normalised(train_out), train_ids).predict(normalised(eval_out))
    )
    results: dict[str, Any] = {"stage-2 head": scores(current), "probe": scores(probe)}
    print("stage-2 head", results["stage-2 head"], "probe", results["probe"], flush=True)
    targets = torch.as_tensor(train_ids)
    for rate in args.learning_rates:
        head = copy.deepcopy(nlu)
        torch.manual_seed(0)

        def score(epoch: int, head: torch.nn.Module = head, rate: float = rate) -> None:
            if epoch in args.epochs:
                with torch.no_grad():
                    predicted = head.head_out(F.gelu(head.head_hidden(eval_x))).argmax(-1).numpy()
                results[f"lr={rate} epochs={epoch}"] = scores(predicted)
                print(f"lr={rate} epochs={epoch}", results[f"lr={rate} epochs={epoch}"], flush=True)

        train_intent_head(head, train_x, targets, max(args.epochs), rate, args.batch_size, seed=0, after_epoch=score)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "intent_head_fit_sweep.json").write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
