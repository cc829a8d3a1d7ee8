"""The ``st-unimr`` console script: ``st-unimr {train,eval,fetch,build,export} ...``.

Each command is the command line of the module that does the work, run with ``prog="st-unimr COMMAND"``; this module
only dispatches, so every option is defined once, next to its code:

=========  ==================================================  =============================================
command    does                                                the same as
=========  ==================================================  =============================================
train      three-stage training (``--config quick``, ...)      ``python -m st_unimr.training``
eval       MTEB tasks, baselines and ``report.md``             ``python -m st_unimr.evaluation.suite.run``
fetch      fetch and verify the pinned offline weights         ``python -m st_unimr.assets fetch``
build      build the embedded data bundle                      ``python -m st_unimr.data build``
export     ONNX export (fp32 or int8) of a saved model         ``st_unimr.export_onnx``
=========  ==================================================  =============================================

A command's module is imported only when it runs, so ``st-unimr --help`` does not pay for torch and transformers.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from st_unimr import __version__

__all__ = ["COMMANDS", "Command", "build_parser", "main"]

PROG = "st-unimr"


@dataclass(frozen=True)
class Command:
    """One ``st-unimr`` command: its one-line help and the function that runs it.

    Attributes:
        help: The line ``st-unimr --help`` shows.
        run: ``run(argv, prog)`` parses ``argv`` (the options after the command's name) with the command's own parser,
            named ``prog`` in its usage and help, runs it and returns the exit status.

    Example:
        ::

            hello = Command("say hello", lambda argv, prog: print(prog, *argv) or 0)
            hello.run(["world"], "st-unimr hello")  # prints "st-unimr hello world"
    """

    help: str
    run: Callable[[list[str], str], int]


def _train(argv: list[str], prog: str) -> int:
    from st_unimr.training.train import cli

    return cli(argv, prog=prog)


def _eval(argv: list[str], prog: str) -> int:
    # Evaluation encodes in DataLoader workers after the tokenizer ran in this process: without this, every fork warns.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from st_unimr.evaluation.suite.run import main

    return main(argv, prog=prog)


def _fetch(argv: list[str], prog: str) -> int:
    from st_unimr.assets.__main__ import main

    # The assets command line has one subcommand, "fetch": named here, its usage reads "st-unimr fetch ...".
    return main(["fetch", *argv], prog=PROG)


def _build(argv: list[str], prog: str) -> int:
    from st_unimr.data.__main__ import main

    return main(["build", *argv], prog=PROG)


def _export(argv: list[str], prog: str) -> int:
    from st_unimr.cli.export import main

    return main(argv, prog=prog)


#: The commands, in the order ``st-unimr --help`` lists them.
COMMANDS: dict[str, Command] = {
    "train": Command("train UniMR in three stages (the embedded data, or yours with --dataset)", _train),
    "eval": Command("evaluate a checkpoint and baselines on the MTEB tasks; writes report.md", _eval),
    "fetch": Command("fetch and verify the pinned offline weights into $ST_UNIMR_HOME", _fetch),
    "build": Command("build the embedded data bundle into $ST_UNIMR_HOME/data", _build),
    "export": Command("export a saved model's text encoder to ONNX (fp32 or int8)", _export),
}


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser: the command list, ``--help`` and ``--version``.

    It parses the command's name only; the options after it go to the command's own parser (see :data:`COMMANDS`).

    Example:
        ::

            build_parser().print_help()
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="st-unimr: one multilingual encoder for text-text and text-image retrieval and query intents.",
        epilog=f"'{PROG} COMMAND --help' shows a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        sub.add_parser(name, help=command.help, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``st-unimr COMMAND [OPTIONS]``; returns the exit status (the console script's entry point).

    Args:
        argv: The arguments after ``st-unimr`` (``None``: ``sys.argv[1:]``).

    Example:
        ::

            from st_unimr.cli import main

            main(["train", "--config", "quick", "--output-dir", "outputs/quick"])
            main(["export", "outputs/quick/final", "unimr-int8", "--quantize", "int8"])
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        # --help, --version, no command or an unknown one: argparse prints and exits.
        build_parser().parse_args(argv)
        return 2  # only for odd input argparse accepts, such as "-- train": the command must come first

    name, *options = argv
    return COMMANDS[name].run(options, f"{PROG} {name}")
