from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from st_unimr.data.errors import DataSourceError

__all__ = ["open_image", "render_svg", "finish_image"]


def render_svg(path: str | Path, package: str = "local", size: int = 256) -> Image.Image:
    """Rasterise an SVG file to an RGBA image whose longer side is ``size`` pixels.

    Uses `resvg <https://github.com/linebender/resvg>`_ through the ``resvg-py`` wheel: a self-contained Rust
    renderer with prebuilt wheels for Linux, macOS and Windows, no system libraries (unlike cairosvg, which
    needs libcairo, or rsvg-convert, which needs a Debian install), and a strict, well-tested SVG
    implementation. It is the one SVG rasteriser of this project.

    Raises:
        DataSourceError: The SVG cannot be parsed or rendered; the message names the package and file.

    Example:
        ::

            from st_unimr.data.images import render_svg

            image = render_svg("stamp.svg", size=224)
    """
    import resvg_py

    path = Path(path)
    try:
        svg = path.read_text(encoding="utf-8", errors="replace")
        probe = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg, dpi=96.0, skip_system_fonts=True))))
        w, h = probe.size
        scale = size / max(w, h, 1)
        png = resvg_py.svg_to_bytes(
            svg_string=svg,
            width=max(1, round(w * scale)),
            height=max(1, round(h * scale)),
            dpi=96.0,
            skip_system_fonts=True,
        )
        image = Image.open(io.BytesIO(bytes(png)))
        image.load()
    except (ValueError, OSError, UnidentifiedImageError) as exc:
        raise DataSourceError(package, str(path), f"cannot render SVG: {exc}") from exc
    return image.convert("RGBA")


def open_image(path: str | Path, package: str = "local") -> Image.Image:
    """Open a raster image (or an SVG, rendered with :func:`render_svg`) and fully decode it.

    Raises:
        DataSourceError: The image is missing or unreadable; the message names the package and file.

    Example:
        ::

            from st_unimr.data.images import open_image

            image = open_image("flags/de.png", package="deb:iso-flags-png-320x240==1.0.2-2")
    """
    path = Path(path)
    if path.suffix.lower() == ".svg":
        return render_svg(path, package)
    try:
        with Image.open(path) as image:
            image.load()
            return image.copy()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise DataSourceError(package, str(path), f"unreadable image: {exc}") from exc


def finish_image(image: Image.Image, max_side: int = 224) -> Image.Image:
    """Composite on white, convert to RGB and downscale so the longer side is at most ``max_side``."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    image = image.convert("RGB")
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image
