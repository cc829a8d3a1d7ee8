from __future__ import annotations

from st_unimr.assets.artifact import Artifact, ArtifactError
from st_unimr.assets.home import unimr_home

__all__ = ["Artifact", "ArtifactError", "unimr_home"]
