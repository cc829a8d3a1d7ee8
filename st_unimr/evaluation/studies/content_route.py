"""A trained run's final model evaluated again with another content route (issue 13), weights unchanged.

``content_route`` is how the content fusion finds a request's content: ``pool`` (one pass, the request's token
embeddings weighted by the slot tagger) or ``reencode`` (search requests with a frame encoded a second time from
their content tokens alone). The route changes no weight, so a run trained with one can be scored with the other::

    python -m st_unimr.evaluation.studies.content_route --run runs/default-s42 --route reencode \\
        --output runs/default-s42-reencode

runs the training's dev and test evaluations (the same evaluators, caps and real-photo check as ``st-unimr train``
with the given ``--config``) and writes only ``training_metrics.json`` to ``--output``, in the layout that
:mod:`st_unimr.evaluation.studies.seed_summary` reads; the model is not copied.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import st_unimr

__all__ = ["main"]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", required=True, help="A training output folder (with final/)")
    parser.add_argument("--route", required=True, choices=["pool", "reencode"])
    parser.add_argument("--output", required=True, help="Folder for the training_metrics.json of the new route")
    parser.add_argument("--config", default=None, help="The run's training config (default: the packaged default)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="As the run's --set")
    args = parser.parse_args(argv)
    from st_unimr.training.stages import write_json
    from st_unimr.training.train import build_config, evaluate, evaluation_tasks, parse_args, set_content_route

    train_args = ["--config", args.config] if args.config else []
    for override in args.set:
        train_args += ["--set", override]
    config = build_config(parse_args(train_args))
    model = st_unimr.load(str(Path(args.run) / "final"))
    if not set_content_route(model, args.route):
        raise SystemExit(f"error: {args.run}/final has no content fusion (no slot tagger, or fusion 'none')")
    tasks = evaluation_tasks(config)
    metrics = {
        "run": str(args.run),
        "content_route": args.route,
        "stages": {"stage3": {"dev": evaluate(model, config, "dev", tasks)}},
        "test": evaluate(model, config, "test", tasks),
    }
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    write_json(output / "training_metrics.json", metrics)
    return metrics


if __name__ == "__main__":
    main()
