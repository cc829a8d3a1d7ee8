"""``st-unimr eval``: a UniMR checkpoint and its baselines on the st-unimr MTEB tasks, with a report.

- ``run``: the command line and :func:`~st_unimr.evaluation.suite.run.run_evaluation`;
- ``models``: the models of a run (the checkpoint under test, the baselines) as mteb encoders;
- ``nlu_head``: the model's own intent head on the intent test split;
- ``report``: ``report.md``, ``summary.json`` and the plots.

Example:
    ::

        from st_unimr.evaluation.suite.run import main

        main(["--model", "outputs/default/final", "--baselines", "untrained", "--output", "outputs/eval"])

From a repository checkout, ``python evaluation/run.py ...`` is the same command.
"""

from __future__ import annotations

__all__: list[str] = []
