"""Three-stage UniMR training: ``st-unimr train`` (or ``python -m st_unimr.training``).

One job per module:

- ``train``: the command line and the run (build or resume the model, stages, evaluation, final save and card);
- ``config``: the YAML config as validated dataclasses; the packaged configs live in ``configs/``;
- ``task_registry``: task name -> train builder, loss, evaluator; ``stage_data``: the datasets and evaluators;
- ``stages``: one stage as a ``SentenceTransformerTrainer`` run; ``trainable``, ``lora``: what a stage trains;
- ``domain_gate``, ``sequence_length``, ``loss_recorder``, ``curves``: helpers of the run.

Example:
    ::

        from st_unimr.training.train import main

        final_model_dir = main(["--config", "quick", "--output-dir", "outputs/quick"])

The modules import torch and transformers; this package itself imports nothing, so ``st-unimr --help`` stays fast.
"""

from __future__ import annotations

__all__: list[str] = []
