from __future__ import annotations

import argparse
import logging
import sys
import time

from st_unimr.assets import ArtifactError
from st_unimr.data.build import build, data_dir
from st_unimr.data.errors import DataSourceError
from st_unimr.data.schemas import ALL_DATASET_NAMES

__all__ = ["main"]


def main(argv: list[str] | None = None, prog: str = "python -m st_unimr.data") -> int:
    """Command line: ``python -m st_unimr.data build [--only NAME ...] [--force]`` (``st-unimr build`` passes its
    ``prog``)."""
    parser = argparse.ArgumentParser(prog=prog, description="Build the st-unimr data bundle.")
    sub = parser.add_subparsers(dest="command", required=True)
    what = "fetch pinned packages and build all datasets into $ST_UNIMR_HOME/data"
    cmd = sub.add_parser(
        "build", help=what, description=f"{what[0].upper()}{what[1:]}; datasets already built are kept unless --force."
    )
    cmd.add_argument(
        "--only",
        nargs="+",
        choices=ALL_DATASET_NAMES,
        help="build only these datasets (the evaluation-only real_photos is built only when named here)",
    )
    cmd.add_argument("--force", action="store_true", help="rebuild datasets that already exist")
    sub.add_parser("datasheet", help="regenerate DATASHEET.md and the contact sheets")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    start = time.time()
    try:
        if args.command == "build":
            build(args.only, force=args.force)
        else:
            from st_unimr.data.datasheet import write_datasheet

            write_datasheet(data_dir())
    except (ArtifactError, DataSourceError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"done in {time.time() - start:.0f}s: {data_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
