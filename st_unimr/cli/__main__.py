"""``python -m st_unimr.cli ...``: the ``st-unimr`` console script without installing it."""

from __future__ import annotations

import sys

from st_unimr.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
