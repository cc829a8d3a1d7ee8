"""``st-unimr export MODEL OUTPUT [--quantize int8]``: a saved model with its text encoder as an ONNX graph.

The output folder loads with ``st_unimr.load(OUTPUT, backend="onnx")`` (and with the torch backend); see
:func:`st_unimr.export_onnx` for what int8 quantises. After writing, the command loads the folder back with ONNX
Runtime and prints the cosine between its query embeddings and the torch model's, so a broken export shows at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["build_parser", "main"]

#: Queries for the check after the export: short, multilingual, with the query prompt the model applies itself.
CHECK_QUERIES = ("a photo of my dog at the beach", "ein Hund am Strand", "set an alarm for seven", "東京の天気")


def build_parser(prog: str = "st-unimr export") -> argparse.ArgumentParser:
    """The export command's parser.

    Example:
        ::

            args = build_parser().parse_args(["outputs/default/final", "unimr-int8", "--quantize", "int8"])
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Save a UniMR model with its text encoder as an ONNX graph, for st_unimr.load(OUTPUT, "
        "backend='onnx'); then load it back with ONNX Runtime and print its cosine to the torch model's embeddings.",
    )
    parser.add_argument("model", help="the UniMR model to export: a saved folder or a Hub id (st_unimr.load)")
    parser.add_argument("output", help="the folder to write (replaced as a whole if it holds a saved model)")
    parser.add_argument(
        "--quantize",
        choices=["none", "int8"],
        default="none",
        help="'int8': int8 weights and word embeddings, dynamically quantised MatMuls (default: %(default)s, fp32)",
    )
    parser.add_argument("--opset", type=int, default=17, help="ONNX opset (default: %(default)s)")
    parser.add_argument(
        "--fp32-embeddings",
        action="store_true",
        help="with --quantize int8: keep the word-embedding matrix in fp32 (larger file, no embedding rounding)",
    )
    parser.add_argument("--no-check", action="store_true", help="skip loading the export back and comparing it")
    return parser


def main(argv: list[str] | None = None, prog: str = "st-unimr export") -> int:
    """Export ``MODEL`` to ``OUTPUT``; returns the exit status (1 with an ``error:`` line for a bad model or option).

    Args:
        argv: The options (``None``: ``sys.argv[1:]``).
        prog: The command's name in help and usage.

    Example:
        ::

            from st_unimr.cli.export import main

            main(["outputs/default/final", "unimr-int8", "--quantize", "int8"])
    """
    args = build_parser(prog).parse_args(argv)
    import st_unimr
    from st_unimr.errors import UniMRError

    quantize = None if args.quantize == "none" else args.quantize
    try:
        model = st_unimr.load(args.model)
        path = st_unimr.export_onnx(
            model, args.output, quantize=quantize, opset=args.opset, quantize_embeddings=not args.fp32_embeddings
        )
        print(f"ONNX export ({args.quantize}): {path}")
        if not args.no_check:
            min_cosine = _check(model, path)
            count = len(CHECK_QUERIES)
            print(f"check: cosine of ONNX vs torch query embeddings, minimum over {count}: {min_cosine:.4f}")
    except (UniMRError, ImportError) as exc:
        # Bad model folders and missing onnx / onnxruntime packages explain themselves: no traceback needed.
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _check(model: Any, path: Path) -> float:
    """The smallest cosine between the exported model's query embeddings (ONNX Runtime) and ``model``'s."""
    import st_unimr

    exported = st_unimr.load(path, backend="onnx")
    reference = model.encode_query(list(CHECK_QUERIES), convert_to_tensor=True, normalize_embeddings=True)
    onnx = exported.encode_query(list(CHECK_QUERIES), convert_to_tensor=True, normalize_embeddings=True)
    return float((reference * onnx).sum(dim=-1).min())
