"""Titled real photographs from desktop and educational registry packages, for the ``real_photos`` check only.

Every reader returns :class:`Photo` items: one photograph with its title per language and, where the package
has one, a description per language. Which images are photographs (and not drawings or renders) was decided
by looking at each image once; the allow-lists below record that decision. Nothing here is ever used for
training: the data feed the evaluation-only dataset ``real_photos``
(:mod:`st_unimr.evaluation.real_photo_check`).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from st_unimr.data.errors import DataSourceError
from st_unimr.data.images import open_image
from st_unimr.data.langs import normalise_lang
from st_unimr.data.pins import MATE_BACKGROUNDS, PALAPELI, PLASMA_WALLPAPERS, TUXPAINT_DATA

__all__ = [
    "Photo",
    "clean_texts",
    "read_mate_backgrounds",
    "read_palapeli",
    "read_plasma_wallpapers",
    "read_tuxpaint_templates",
]

MATE_NATURE_XML = "usr/share/mate-background-properties/mate-nature.xml"
PLASMA_DIR = "usr/share/wallpapers"
PALAPELI_DIR = "usr/share/palapeli/collection"
TUXPAINT_TEMPLATES = "usr/share/tuxpaint/templates"
TUXPAINT_STARTERS = "usr/share/tuxpaint/starters"

#: Plasma wallpapers that are photographs. The other 19 folders of the package are renders or drawings
#: (Altai, Autumn, Canopee, Cascade, Cluster, Elarun, Flow, FlyingKonqui, Honeywave, IceCold, Kay, Kite,
#: Kokkini, MilkyWay, Opal, PastelHills, Patak, SafeLanding, Shell) or unclear (Volna: maybe a render).
PLASMA_PHOTOS: tuple[str, ...] = (
    "BytheWater",
    "ColdRipple",
    "ColorfulCups",
    "DarkestHour",
    "EveningGlow",
    "FallenLeaf",
    "Grey",
    "OneStandsOut",
    "Path",
    "summer_1am",
)
#: Tux Paint starters whose background layer is a photograph, with the caption file that names it.
TUXPAINT_PHOTO_STARTERS: dict[str, str] = {
    "reef-back.png": "reef.txt",
    "skyline-sf-dusk-back.jpeg": "skyline-sf-dusk.txt",
}

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass
class Photo:
    """One real photograph with its title (and optional description) per language.

    Attributes:
        concept_id: ``photo:<source>:<name>``; unique per photograph.
        source: Short source name (``mate-backgrounds``, ``plasma-wallpapers``, ...).
        package: The pinned artifact key it came from.
        file: Path of the image inside the package.
        license: Licence of the image as the package states it.
        titles: ``{lang: title}``; always has ``en``.
        descriptions: ``{lang: description}``; may be empty.
        load_image: Returns the image as a PIL image (RGB, or RGBA/LA where the package has transparency).
    """

    concept_id: str
    source: str
    package: str
    file: str
    license: str
    titles: dict[str, str]
    descriptions: dict[str, str] = field(default_factory=dict)
    load_image: Callable[[], Image.Image] | None = None


def clean_texts(texts: dict[str, str]) -> dict[str, str]:
    """Normalise language codes and keep only real translations.

    Drops pseudo-locales (``x-test``), English regional variants, empty strings and translations identical to the
    English text: an untranslated copy says nothing about that language and would only repeat the English query.
    """
    english = (texts.get("en") or "").strip()
    out: dict[str, str] = {"en": english} if english else {}
    for code, text in texts.items():
        lang = normalise_lang(code)
        text = re.sub(r"\s+", " ", text or "").strip()
        if not lang or lang.startswith(("x-", "en")) or not text or text == english:
            continue
        out.setdefault(lang, text)
    return out


def _desktop_entry(path: Path, package: str) -> dict[str, str]:
    """Key/value pairs of the ``[Desktop Entry]`` group of a ``.desktop`` file (``Name[de]`` keys kept as is)."""
    entry: dict[str, str] = {}
    group = None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataSourceError(package, path.name, f"cannot read desktop file: {exc}") from exc
    for line in lines:
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
        elif group == "Desktop Entry" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            entry[key.strip()] = value.strip()
    return entry


def _localised(entry: dict[str, str], key: str) -> dict[str, str]:
    """``{"en": entry[key], lang: entry[f"{key}[lang]"], ...}`` from a desktop entry or Plasma metadata."""
    out = {"en": entry.get(key, "")}
    for k, v in entry.items():
        m = re.fullmatch(re.escape(key) + r"\[([^\]]+)\]", k)
        if m and isinstance(v, str):
            out[m.group(1)] = v
    return out


def read_mate_backgrounds(root: Path | None = None) -> list[Photo]:
    """The twelve MATE "nature" backgrounds (all photographs), names in about 90 languages from the XML list.

    Example:
        ::

            from st_unimr.data.sources.real_photos import read_mate_backgrounds

            photos = read_mate_backgrounds()
            photos[0].titles["de"]
    """
    package = MATE_BACKGROUNDS.key
    root = Path(root) if root is not None else MATE_BACKGROUNDS.unpack()
    try:
        tree = ET.parse(root / MATE_NATURE_XML)
    except (OSError, ET.ParseError) as exc:
        raise DataSourceError(package, MATE_NATURE_XML, f"cannot parse background list: {exc}") from exc
    photos: list[Photo] = []
    for wallpaper in tree.getroot().iter("wallpaper"):
        filename = (wallpaper.findtext("filename") or "").strip().lstrip("/")
        names = {"en": ""}
        for name in wallpaper.findall("name"):
            lang = name.get(_XML_LANG)
            names["en" if lang is None else lang] = name.text or ""
        path = root / filename
        if not filename or not path.exists() or not names["en"]:
            continue
        photos.append(
            Photo(
                concept_id=f"photo:mate:{path.stem}",
                source="mate-backgrounds",
                package=package,
                file=filename,
                license=MATE_BACKGROUNDS.license,
                titles=clean_texts(names),
                load_image=lambda path=path: open_image(path, package),
            )
        )
    if not photos:
        raise DataSourceError(package, MATE_NATURE_XML, "no backgrounds found")
    return photos


def _smallest_large_image(folder: Path, min_side: int = 1024) -> Path | None:
    """The smallest raster image in ``folder`` whose longer side is at least ``min_side`` (decodes fastest)."""
    best: tuple[int, Path] | None = None
    for path in sorted(folder.glob("*")):
        m = re.fullmatch(r"(\d+)x(\d+)\.(jpg|jpeg|png)", path.name, re.IGNORECASE)
        if not m:
            continue
        w, h = int(m.group(1)), int(m.group(2))
        if max(w, h) >= min_side and (best is None or w * h < best[0]):
            best = (w * h, path)
    return best[1] if best else None


def read_plasma_wallpapers(root: Path | None = None, folders: tuple[str, ...] = PLASMA_PHOTOS) -> list[Photo]:
    """Plasma wallpapers that are photographs (:data:`PLASMA_PHOTOS`), titles from ``metadata.json`` ``Name[xx]``.

    Example:
        ::

            from st_unimr.data.sources.real_photos import read_plasma_wallpapers

            photos = read_plasma_wallpapers()
    """
    package = PLASMA_WALLPAPERS.key
    root = Path(root) if root is not None else PLASMA_WALLPAPERS.unpack()
    photos: list[Photo] = []
    for name in folders:
        meta_file = f"{PLASMA_DIR}/{name}/metadata.json"
        try:
            plugin = json.loads((root / meta_file).read_text(encoding="utf-8"))["KPlugin"]
        except (OSError, ValueError, KeyError) as exc:
            raise DataSourceError(package, meta_file, f"cannot read wallpaper metadata: {exc}") from exc
        image = _smallest_large_image(root / PLASMA_DIR / name / "contents" / "images")
        if image is None:
            raise DataSourceError(package, f"{PLASMA_DIR}/{name}", "no image of at least 1024 px")
        photos.append(
            Photo(
                concept_id=f"photo:plasma:{name}",
                source="plasma-wallpapers",
                package=package,
                file=image.relative_to(root).as_posix(),
                license=str(plugin.get("License", PLASMA_WALLPAPERS.license)),
                titles=clean_texts(_localised(plugin, "Name")),
                load_image=lambda image=image: open_image(image, package),
            )
        )
    return photos


def read_palapeli(root: Path | None = None) -> list[Photo]:
    """Palapeli's default puzzle photographs: ``Name[xx]`` titles and, for three of them, ``Comment[xx]``.

    Example:
        ::

            from st_unimr.data.sources.real_photos import read_palapeli

            photos = read_palapeli()
    """
    package = PALAPELI.key
    root = Path(root) if root is not None else PALAPELI.unpack()
    folder = root / PALAPELI_DIR
    photos: list[Photo] = []
    for desktop in sorted(folder.glob("*.desktop")):
        entry = _desktop_entry(desktop, package)
        image = folder / entry.get("Icon", desktop.stem + ".jpg")
        if not image.exists():
            raise DataSourceError(package, f"{PALAPELI_DIR}/{desktop.name}", f"image {image.name} not found")
        photos.append(
            Photo(
                concept_id=f"photo:palapeli:{desktop.stem}",
                source="palapeli",
                package=package,
                file=image.relative_to(root).as_posix(),
                license=entry.get("X-KDE-PluginInfo-License", PALAPELI.license),
                titles=clean_texts(_localised(entry, "Name")),
                descriptions=clean_texts(_localised(entry, "Comment")),
                load_image=lambda image=image: open_image(image, package),
            )
        )
    if not photos:
        raise DataSourceError(package, PALAPELI_DIR, "no puzzles found")
    return photos


def read_tuxpaint_templates(root: Path | None = None) -> list[Photo]:
    """Tux Paint's photo templates (titles from the file names, English only) and two photo starters.

    These are ``tuxpaint-data`` backgrounds, not the ``tuxpaint-stamps-default`` stamps the project trains on.

    Example:
        ::

            from st_unimr.data.sources.real_photos import read_tuxpaint_templates

            photos = read_tuxpaint_templates()  # "burnt bark", "lighthouse", "sheep", ...
    """
    package = TUXPAINT_DATA.key
    root = Path(root) if root is not None else TUXPAINT_DATA.unpack()
    photos: list[Photo] = []

    def photo(image: Path, name: str, title: str) -> Photo:
        return Photo(
            concept_id=f"photo:tuxpaint-templates:{name}",
            source="tuxpaint-templates",
            package=package,
            file=image.relative_to(root).as_posix(),
            license=TUXPAINT_DATA.license,
            titles={"en": title},
            load_image=lambda: open_image(image, package),
        )

    for image in sorted((root / TUXPAINT_TEMPLATES).glob("*.jpg")):
        photos.append(photo(image, image.stem, image.stem.replace("_", " ")))
    for image_name, caption_name in TUXPAINT_PHOTO_STARTERS.items():
        image, caption = root / TUXPAINT_STARTERS / image_name, root / TUXPAINT_STARTERS / caption_name
        try:
            title = caption.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, IndexError) as exc:
            raise DataSourceError(package, f"{TUXPAINT_STARTERS}/{caption_name}", f"no caption: {exc}") from exc
        photos.append(photo(image, caption.stem, title))
    if not photos:
        raise DataSourceError(package, TUXPAINT_TEMPLATES, "no templates found")
    return photos
