"""``python training/train.py ...``: kept for repository checkouts; the training lives in ``st_unimr.training``.

The same as ``st-unimr train ...`` (see ``st-unimr train --help``); ``torchrun --nproc_per_node 2 training/train.py``
works as before.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from a checkout: its st_unimr comes first, so the script trains this checkout's code even when the package is
# not installed (or another version is).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from st_unimr.training.train import cli  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(cli(prog="python training/train.py"))
