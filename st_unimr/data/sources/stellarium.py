"""Stellarium's deep-sky photographs and photo panoramas, for the ``real_photos`` check only.

Two readers over ``stellarium-data``:

- :func:`read_stellarium_dsos`: the nebula/galaxy/cluster photographs of ``nebulae/default`` (``textures.json``)
  whose object has a proper name (``names.dat``), that name translated through the Qt catalogues
  ``translations/stellarium-skycultures/<lang>.qm``. Textures are named by designation (``m31.png``,
  ``n7000.png``, ``ic434.png``); the binary object catalogue ``catalog.dat`` links designations across
  catalogues (M 31 = NGC 224), since ``names.dat`` lists most names under one designation only.
- :func:`read_stellarium_landscapes`: the landscapes that are photographs (Garching, Grossmugl, Guéreins,
  Hurricane Ridge, Mars by the Spirit rover, the Moon from Apollo 17, Trees), with the translated heading of
  ``description.<lang>.utf8`` as title and the rest of it as description.
"""

from __future__ import annotations

import configparser
import gzip
import hashlib
import html
import re
import struct
from collections import defaultdict
from pathlib import Path

from PIL import Image

from st_unimr.data.errors import DataSourceError
from st_unimr.data.images import open_image
from st_unimr.data.pins import STELLARIUM
from st_unimr.data.qm_reader import read_qm
from st_unimr.data.sources.real_photos import Photo, clean_texts

__all__ = ["read_dso_catalog", "read_stellarium_dsos", "read_stellarium_landscapes", "LANDSCAPE_PHOTOS"]

BASE = "usr/share/stellarium"
DSO_DIR = f"{BASE}/nebulae/default"
SKYCULTURE_QM = f"{BASE}/translations/stellarium-skycultures"
LANDSCAPE_DIR = f"{BASE}/landscapes"

#: Landscapes that are photographs. Left out: ocean (made with Terragen), geneva and zero (horizon lines only),
#: jupiter, neptune, saturn, sun, uranus (renders).
LANDSCAPE_PHOTOS: tuple[str, ...] = ("garching", "grossmugl", "guereins", "hurricane", "mars", "moon", "trees")

# catalog.dat (Stellarium 0.22, format "3.16"), a big-endian Qt QDataStream: per object the fields below in this
# order; "f" float64, "I" uint32, "S" QString (uint32 byte length or 0xFFFFFFFF, then UTF-16-BE). Layout read off
# the file itself: every object id is its 1-based index and the parse ends exactly at the end of the file.
_DSO_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "I"), ("ra", "f"), ("dec", "f"), ("bmag", "f"), ("vmag", "f"), ("otype", "I"), ("mtype", "S"),
    ("major", "f"), ("minor", "f"), ("orientation", "I"), ("z", "f"), ("z_err", "f"), ("plx", "f"),
    ("plx_err", "f"), ("dist", "f"), ("dist_err", "f"),
    ("NGC", "I"), ("IC", "I"), ("M", "I"), ("C", "I"), ("B", "I"), ("SH2", "I"), ("VDB", "I"), ("RCW", "I"),
    ("LDN", "I"), ("LBN", "I"), ("CR", "I"), ("MEL", "I"), ("PGC", "I"), ("UGC", "I"), ("CED", "S"),
    ("ARP", "I"), ("VV", "I"), ("PK", "S"), ("PNG", "S"), ("SNRG", "S"), ("ACO", "S"), ("HCG", "S"),
    ("ESO", "S"), ("VDBH", "S"), ("DWB", "I"), ("TR", "I"), ("ST", "I"), ("RU", "I"), ("VDBHA", "I"),
)  # fmt: skip
#: Numbered catalogues whose designations name textures or appear in names.dat.
_CATALOGUES = ("M", "NGC", "IC", "C", "B", "SH2", "VDB", "RCW", "LDN", "LBN", "CR", "MEL", "PGC", "UGC")
#: Texture file name prefix -> catalogue.
_FILE_PREFIX = re.compile(r"^(m|ngc|n|ic|sh2-|sh|barnard|b|ldn|lbn|rcw|vdb)(\d+)", re.IGNORECASE)
_PREFIX_CATALOGUE = {
    "m": "M", "ngc": "NGC", "n": "NGC", "ic": "IC", "sh2-": "SH2", "sh": "SH2", "barnard": "B", "b": "B",
    "ldn": "LDN", "lbn": "LBN", "rcw": "RCW", "vdb": "VDB",
}  # fmt: skip


def read_dso_catalog(path: Path, package: str = STELLARIUM.key) -> list[dict]:
    """Parse Stellarium's gzipped binary deep-sky catalogue ``catalog.dat`` (format 3.16).

    Returns:
        One dict per object with the fields of ``_DSO_FIELDS`` (catalogue numbers are 0 where absent).

    Raises:
        DataSourceError: Unknown format or a record that does not parse; names the package and file.
    """
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataSourceError(package, path.name, f"cannot read catalogue: {exc}") from exc
    pos = 0

    def qstring() -> str:
        nonlocal pos
        (n,) = struct.unpack_from(">I", data, pos)
        pos += 4
        if n == 0xFFFFFFFF:
            return ""
        text = data[pos : pos + n].decode("utf-16-be")
        pos += n
        return text

    try:
        version, edition = qstring(), qstring()
        if version != "3.16":
            raise DataSourceError(package, path.name, f"catalogue format {version!r} ({edition}); expected 3.16")
        objects: list[dict] = []
        while pos < len(data):
            obj: dict = {}
            for name, kind in _DSO_FIELDS:
                if kind == "S":
                    obj[name] = qstring()
                else:
                    (obj[name],) = struct.unpack_from(">d" if kind == "f" else ">I", data, pos)
                    pos += 8 if kind == "f" else 4
            objects.append(obj)
            if obj["id"] != len(objects):
                raise DataSourceError(package, path.name, f"record {len(objects)} misparsed (id {obj['id']})")
    except (struct.error, UnicodeDecodeError) as exc:
        raise DataSourceError(package, path.name, f"truncated or malformed record at byte {pos}: {exc}") from exc
    return objects


def _read_dso_names(path: Path, package: str) -> dict[tuple[str, str], list[str]]:
    """``{(catalogue, number): [English names in file order]}`` from ``names.dat`` (fixed-width columns)."""
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataSourceError(package, path.name, f"cannot read names: {exc}") from exc
    for line in lines:
        m = re.search(r'_\("(.*?)"\)', line)
        if line.startswith("#") or not m:
            continue
        names[(line[:5].strip().upper(), line[5:20].strip())].append(m.group(1))
    return names


def _qm_translations(folder: Path, package: str) -> dict[str, dict[str, str]]:
    """``{English source: {locale: translation}}`` over every ``.qm`` catalogue in ``folder``."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for qm in sorted(folder.glob("*.qm")):
        for msg in read_qm(qm, package):
            if msg.translation.strip():
                out[msg.source].setdefault(qm.stem, msg.translation)
    return out


def _on_black(image: Image.Image) -> Image.Image:
    """Astronomical images: transparent parts are sky, so composite them on black rather than white."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", image.size, (0, 0, 0, 255)), image)
    return image.convert("RGB")


def read_stellarium_dsos(root: Path | None = None, min_langs: int = 20, max_photos: int | None = 80) -> list[Photo]:
    """Named deep-sky photographs with their names in ``min_langs`` or more languages besides English.

    One texture per object. The selection keeps at most ``max_photos`` objects, chosen by the sha256 of their
    name (deterministic and blind to how well any model does on them), so that astronomy does not outweigh the
    everyday photographs of the check.

    Example:
        ::

            from st_unimr.data.sources.stellarium import read_stellarium_dsos

            photos = read_stellarium_dsos()  # Andromeda Galaxy, Horsehead Nebula, ...
    """
    package = STELLARIUM.key
    root = Path(root) if root is not None else STELLARIUM.unpack()
    folder = root / DSO_DIR
    objects = read_dso_catalog(folder / "catalog.dat", package)
    names = _read_dso_names(folder / "names.dat", package)
    translations = _qm_translations(root / SKYCULTURE_QM, package)
    by_designation = {(cat, str(obj[cat])): obj for obj in objects for cat in _CATALOGUES if obj[cat]}
    photos: dict[int, Photo] = {}
    for texture in sorted(folder.glob("*.png")):
        m = _FILE_PREFIX.match(texture.name)
        obj = by_designation.get((_PREFIX_CATALOGUE[m.group(1).lower()], m.group(2).lstrip("0"))) if m else None
        if obj is None or obj["id"] in photos:
            continue
        english = next((n for cat in _CATALOGUES if obj[cat] for n in names.get((cat, str(obj[cat])), [])), None)
        if english is None:
            continue
        titles = clean_texts({"en": english, **translations.get(english, {})})
        if len(titles) - 1 < min_langs:
            continue
        photos[obj["id"]] = Photo(
            concept_id=f"photo:stellarium-dso:{texture.stem}",
            source="stellarium-dso",
            package=package,
            file=texture.relative_to(root).as_posix(),
            license=STELLARIUM.license,
            titles=titles,
            load_image=lambda texture=texture: _on_black(open_image(texture, package)),
        )
    chosen = sorted(photos.values(), key=lambda p: hashlib.sha256(p.titles["en"].encode()).hexdigest())
    if not chosen:
        raise DataSourceError(package, DSO_DIR, "no named deep-sky textures found")
    return sorted(chosen[:max_photos] if max_photos else chosen, key=lambda p: p.concept_id)


def _split_description(text: str) -> tuple[str, str]:
    """(heading, body) of a landscape's HTML description, tags removed and whitespace collapsed."""
    m = re.search(r"<h2[^>]*>(.*?)</h2>", text, re.IGNORECASE | re.DOTALL)
    heading = m.group(1) if m else ""
    body = text[m.end() :] if m else text

    def plain(s: str) -> str:
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", s))).strip()

    return plain(heading), plain(body)


def _panorama(folder: Path, ini: configparser.SectionProxy, package: str) -> Image.Image:
    """A view of a landscape: the single panorama texture, or the first four side textures (about 180°) in a row.

    The sky of these textures is transparent; it is left to :func:`~st_unimr.data.images.finish_image`, which puts
    it on white. The result is cropped to the non-transparent part, then to a centred window of at most 2:1, since
    a thin 360° strip squeezed into a square input would show nothing recognisable.
    """
    if ini.get("maptex"):
        image = open_image(folder / ini["maptex"].strip(), package).convert("RGBA")
        return _at_most_2_to_1(image.crop(image.getchannel("A").getbbox() or (0, 0, *image.size)))
    sides = [ini.get(f"tex{i}") for i in range(4)]
    if not all(sides):
        raise DataSourceError(package, str(folder.name), "landscape has no maptex and fewer than 4 side textures")
    tiles = [open_image(folder / s.strip(), package).convert("RGBA") for s in sides]
    height = min(t.height for t in tiles)
    tiles = [t.resize((round(t.width * height / t.height), height)) for t in tiles]
    strip = Image.new("RGBA", (sum(t.width for t in tiles), height), (0, 0, 0, 0))
    x = 0
    for tile in tiles:
        strip.paste(tile, (x, 0))
        x += tile.width
    return _at_most_2_to_1(strip.crop(strip.getchannel("A").getbbox() or (0, 0, *strip.size)))


def _at_most_2_to_1(image: Image.Image) -> Image.Image:
    if image.width <= 2 * image.height:
        return image
    left = (image.width - 2 * image.height) // 2
    return image.crop((left, 0, left + 2 * image.height, image.height))


def read_stellarium_landscapes(root: Path | None = None, names: tuple[str, ...] = LANDSCAPE_PHOTOS) -> list[Photo]:
    """Stellarium's photographic landscapes, with a title and a (long) description per language.

    Example:
        ::

            from st_unimr.data.sources.stellarium import read_stellarium_landscapes

            photos = read_stellarium_landscapes()
            photos[0].descriptions["de"]
    """
    package = STELLARIUM.key
    root = Path(root) if root is not None else STELLARIUM.unpack()
    photos: list[Photo] = []
    for name in names:
        folder = root / LANDSCAPE_DIR / name
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read(folder / "landscape.ini", encoding="utf-8")
            ini = parser["landscape"]
        except (configparser.Error, KeyError, OSError) as exc:
            raise DataSourceError(package, f"{LANDSCAPE_DIR}/{name}/landscape.ini", f"cannot read: {exc}") from exc
        titles, descriptions = {"en": ini.get("name", name).strip()}, {}
        for desc in sorted(folder.glob("description.*.utf8")):
            locale = desc.name[len("description.") : -len(".utf8")]
            heading, body = _split_description(desc.read_text(encoding="utf-8", errors="replace"))
            if locale == "en":
                titles["en"] = heading or titles["en"]
            elif heading:
                titles[locale] = heading
            if body:
                descriptions[locale] = body
        photos.append(
            Photo(
                concept_id=f"photo:stellarium-landscape:{name}",
                source="stellarium-landscapes",
                package=package,
                file=f"{LANDSCAPE_DIR}/{name}",
                license=STELLARIUM.license,
                titles=clean_texts(titles),
                descriptions=clean_texts(descriptions),
                load_image=lambda folder=folder, ini=ini: _panorama(folder, ini, package),
            )
        )
    return photos
