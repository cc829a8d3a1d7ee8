from __future__ import annotations

from st_unimr.data.sources.emoji_cldr import read_cldr_annotations, read_emoji
from st_unimr.data.sources.flags import read_flags
from st_unimr.data.sources.gcompris_qm import read_gcompris
from st_unimr.data.sources.openmoji import read_openmoji
from st_unimr.data.sources.ovos_intents import read_skill_intents
from st_unimr.data.sources.real_photos import (
    Photo,
    read_mate_backgrounds,
    read_palapeli,
    read_plasma_wallpapers,
    read_tuxpaint_templates,
)
from st_unimr.data.sources.stellarium import read_stellarium_dsos, read_stellarium_landscapes
from st_unimr.data.sources.tuxpaint import read_tuxpaint

__all__ = [
    "Photo",
    "read_cldr_annotations",
    "read_emoji",
    "read_flags",
    "read_gcompris",
    "read_mate_backgrounds",
    "read_openmoji",
    "read_palapeli",
    "read_plasma_wallpapers",
    "read_skill_intents",
    "read_stellarium_dsos",
    "read_stellarium_landscapes",
    "read_tuxpaint",
    "read_tuxpaint_templates",
]
