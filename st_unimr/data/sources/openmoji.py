from __future__ import annotations

import json
from pathlib import Path

from st_unimr.data.concepts import Concept
from st_unimr.data.errors import DataSourceError
from st_unimr.data.images import render_svg
from st_unimr.data.pins import OPENMOJI

__all__ = ["read_openmoji"]

META = "package/data/openmoji.json"
SVG_DIR = "package/color/svg"


def read_openmoji(reference: list[Concept], root: Path | None = None) -> list[Concept]:
    """OpenMoji drawings of the emoji in ``reference`` (the Noto concepts), joined by code point.

    Each result keeps the reference's ``concept_id`` and CLDR names, with the OpenMoji SVG (rendered with
    resvg) as image: the same concepts in another drawing style, for evaluation only.

    Example:
        ::

            from st_unimr.data.sources import read_emoji, read_openmoji

            style_shift = read_openmoji(read_emoji())
    """
    package = OPENMOJI.key
    root = Path(root) if root is not None else OPENMOJI.unpack()
    try:
        entries = json.loads((root / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataSourceError(package, META, f"cannot read emoji metadata: {exc}") from exc
    by_key = {c.file.removeprefix("U+").lower(): c for c in reference}
    concepts: list[Concept] = []
    for entry in entries:
        hexcode = str(entry.get("hexcode", ""))
        key = "-".join(p for p in hexcode.lower().split("-") if p not in ("fe0f", "fe0e"))
        ref = by_key.get(key)
        svg = root / SVG_DIR / f"{hexcode}.svg"
        if ref is None or not svg.exists():
            continue
        concepts.append(
            Concept(
                concept_id=ref.concept_id,
                source="openmoji",
                package=package,
                file=svg.relative_to(root).as_posix(),
                texts=ref.texts,
                load_image=lambda svg=svg: render_svg(svg, package, size=160),
            )
        )
    return concepts
