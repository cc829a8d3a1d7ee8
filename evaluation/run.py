"""``python evaluation/run.py ...``: kept for repository checkouts; the code is ``st_unimr.evaluation.suite``.

The same as ``st-unimr eval ...`` (see ``st-unimr eval --help``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Run from a checkout: its st_unimr comes first, so the script evaluates with this checkout's code even when the
# package is not installed (or another version is).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from st_unimr.evaluation.suite.run import main  # noqa: E402

if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    raise SystemExit(main(prog="python evaluation/run.py"))
