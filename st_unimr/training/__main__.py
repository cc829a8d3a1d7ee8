"""``python -m st_unimr.training ...`` (``torchrun ... -m st_unimr.training ...``): the same as ``st-unimr train``."""

from __future__ import annotations

from st_unimr.training.train import cli

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(cli(prog="python -m st_unimr.training"))
