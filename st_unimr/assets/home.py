from __future__ import annotations

import os
from pathlib import Path

__all__ = ["unimr_home"]


def unimr_home() -> Path:
    """The cache folder for fetched artifacts, converted models and built datasets.

    ``$ST_UNIMR_HOME`` if set, else ``~/.cache/st_unimr``. Read on every call so tests can point it elsewhere.
    """
    return Path(os.environ.get("ST_UNIMR_HOME") or Path.home() / ".cache" / "st_unimr").expanduser()
