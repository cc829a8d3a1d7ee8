"""Content-fusion scale sweep (issue 13): request vs plain-content retrieval as the scale ``β`` is set by hand.

On a model whose slot tagger is trained (a stage-2 model: the encoder and everything else as stage 2 left them), the
content fusion's scale is set to each value in turn and the request evaluators run on the ``requests`` dev split:
requests and their plain contents retrieving the same images and documents. No training happens, so the sweep shows
what the tagger's content pooling alone does to the embedding::

    python -m st_unimr.evaluation.studies.content_fusion_sweep --model outputs/default/stage2/model --scales 0 1

Prints one line of recall@10 per scale and writes ``content_fusion_sweep.json`` to ``--output``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import st_unimr
from st_unimr.data import load as load_data
from st_unimr.evaluation.retrieval_evaluators import request_evaluators
from st_unimr.modules.module_lookup import find_nlu_module

__all__ = ["main"]


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="A model with a trained slot tagger and a content fusion")
    parser.add_argument("--scales", type=float, nargs="+", default=[0.0, 0.5, 1.0, 1.5, 2.0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--output", default="outputs/content-fusion-sweep")
    args = parser.parse_args(argv)
    model = st_unimr.load(args.model)
    nlu = find_nlu_module(model)
    if not hasattr(nlu, "content_scale"):
        raise SystemExit(f"error: {args.model} has no content fusion (built without slot tagging, or fusion 'none')")
    evaluators = request_evaluators(load_data("requests", args.split), name=args.split)
    results: dict[str, dict[str, float]] = {}
    for scale in args.scales:
        with torch.no_grad():
            nlu.content_scale.fill_(scale)
        row: dict[str, float] = {}
        for evaluator in evaluators.values():
            scores = evaluator(model)
            row.update({key: value for key, value in scores.items() if key.endswith("cosine_recall@10")})
        results[str(scale)] = row
        print(scale, {key.removeprefix(f"{args.split}_"): round(value, 3) for key, value in row.items()}, flush=True)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "content_fusion_sweep.json").write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
