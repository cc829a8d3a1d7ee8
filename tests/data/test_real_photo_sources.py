"""Readers of the evaluation-only real_photos check, on small package trees written here."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import pytest
from PIL import Image

from st_unimr.data.errors import DataSourceError
from st_unimr.data.sources import real_photos, stellarium
from st_unimr.data.sources.real_photos import clean_texts


def _jpg(path: Path, color=(10, 120, 200), size=(64, 48)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)


def test_clean_texts_drops_copies_and_pseudo_locales():
    texts = {"en": "Fresh Flower", "de": "Frische Blume", "en_GB": "Fresh Flower", "x-test": "xxFresh Flowerxx"}
    texts |= {"nl": "Fresh Flower", "pt_BR": "Flor  fresca ", "sr@latin": "Sveže cveće", "fr": ""}
    assert clean_texts(texts) == {
        "en": "Fresh Flower",
        "de": "Frische Blume",
        "pt-BR": "Flor fresca",
        "sr-Latn": "Sveže cveće",
    }


def test_mate_backgrounds(tmp_path: Path):
    _jpg(tmp_path / "usr/share/backgrounds/mate/nature/Aqua.jpg")
    xml = tmp_path / real_photos.MATE_NATURE_XML
    xml.parent.mkdir(parents=True)
    xml.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE wallpapers SYSTEM "mate-wp-list.dtd">\n<wallpapers>\n'
        '<wallpaper deleted="false"><name>Aqua</name><name xml:lang="de">Wasser</name>'
        '<name xml:lang="fr">Aqua</name><filename>/usr/share/backgrounds/mate/nature/Aqua.jpg</filename></wallpaper>'
        '<wallpaper deleted="false"><name>Gone</name><filename>/usr/share/backgrounds/none.jpg</filename></wallpaper>'
        "</wallpapers>",
        encoding="utf-8",
    )
    (photo,) = real_photos.read_mate_backgrounds(tmp_path)
    assert photo.titles == {"en": "Aqua", "de": "Wasser"}
    assert photo.concept_id == "photo:mate:Aqua" and photo.load_image().size == (64, 48)


def test_plasma_wallpapers_pick_a_photo_folder(tmp_path: Path):
    folder = tmp_path / real_photos.PLASMA_DIR / "Path"
    meta = {"KPlugin": {"Name": "Path", "Name[de]": "Pfad", "Name[x-test]": "xxPathxx", "License": "LGPLv3"}}
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    for size in ("800x600", "1280x1024", "1920x1080"):
        _jpg(folder / "contents/images" / f"{size}.jpg")
    (photo,) = real_photos.read_plasma_wallpapers(tmp_path, folders=("Path",))
    assert photo.titles == {"en": "Path", "de": "Pfad"} and photo.license == "LGPLv3"
    assert photo.file.endswith("1280x1024.jpg")  # the smallest image of at least 1024 px


def test_palapeli_titles_and_descriptions(tmp_path: Path):
    folder = tmp_path / real_photos.PALAPELI_DIR
    _jpg(folder / "bridge.jpg")
    (folder / "bridge.desktop").write_text(
        "[Desktop Entry]\nName=Suspension Bridge\nName[de]=Hängebrücke\nComment=in Cincinnati\n"
        "Comment[fr]=À Cincinnati\nIcon=bridge.jpg\nX-KDE-PluginInfo-License=Public Domain\n"
        "[Job]\nName=not this one\n",
        encoding="utf-8",
    )
    (photo,) = real_photos.read_palapeli(tmp_path)
    assert photo.titles == {"en": "Suspension Bridge", "de": "Hängebrücke"}
    assert photo.descriptions == {"en": "in Cincinnati", "fr": "À Cincinnati"}
    assert photo.license == "Public Domain"


def test_tuxpaint_templates(tmp_path: Path):
    _jpg(tmp_path / real_photos.TUXPAINT_TEMPLATES / "burnt_bark.jpg")
    starters = tmp_path / real_photos.TUXPAINT_STARTERS
    _jpg(starters / "reef-back.png")
    _jpg(starters / "skyline-sf-dusk-back.jpeg")
    (starters / "reef.txt").write_text("A coral reef.\n# Public domain.\n")
    (starters / "skyline-sf-dusk.txt").write_text("San Francisco at dusk.\n")
    photos = real_photos.read_tuxpaint_templates(tmp_path)
    assert [p.titles["en"] for p in photos] == ["burnt bark", "A coral reef.", "San Francisco at dusk."]


def _qstring(text: str) -> bytes:
    data = text.encode("utf-16-be")
    return struct.pack(">I", len(data)) + data


def _catalog(objects: list[dict]) -> bytes:
    out = _qstring("3.16") + _qstring("standard")
    for obj in objects:
        for name, kind in stellarium._DSO_FIELDS:
            value = obj.get(name, "" if kind == "S" else 0)
            out += _qstring(value) if kind == "S" else struct.pack(">d" if kind == "f" else ">I", value)
    return out


def test_dso_catalog_round_trip_and_names(tmp_path: Path, monkeypatch):
    folder = tmp_path / stellarium.DSO_DIR
    folder.mkdir(parents=True)
    objects = [{"id": 1, "M": 31, "NGC": 224, "mtype": "Sb", "CED": "2"}, {"id": 2, "NGC": 7000, "vmag": 4.0}]
    (folder / "catalog.dat").write_bytes(gzip.compress(_catalog(objects)))
    parsed = stellarium.read_dso_catalog(folder / "catalog.dat")
    assert [(o["id"], o["M"], o["NGC"], o["mtype"], o["CED"]) for o in parsed] == [
        (1, 31, 224, "Sb", "2"),
        (2, 0, 7000, "", ""),
    ]
    (folder / "names.dat").write_text(
        '# header\nNGC  224             _("Andromeda Galaxy") # WK\nNGC  7000            _("North America Nebula")\n',
        encoding="utf-8",
    )
    _jpg(folder / "m31.png")  # named by its Messier number, named in names.dat by its NGC number
    _jpg(folder / "n7000.png")
    monkeypatch.setattr(
        stellarium,
        "_qm_translations",
        lambda path, package: {"Andromeda Galaxy": {"de": "Andromedagalaxie", "fr": "Galaxie d'Andromède"}},
    )
    (photo,) = stellarium.read_stellarium_dsos(tmp_path, min_langs=2)
    assert photo.titles == {"en": "Andromeda Galaxy", "de": "Andromedagalaxie", "fr": "Galaxie d'Andromède"}
    assert photo.load_image().mode == "RGB"
    assert len(stellarium.read_stellarium_dsos(tmp_path, min_langs=0)) == 2


def test_dso_catalog_rejects_other_formats(tmp_path: Path):
    path = tmp_path / "catalog.dat"
    path.write_bytes(gzip.compress(_qstring("3.15") + _qstring("standard")))
    with pytest.raises(DataSourceError, match="3.15"):
        stellarium.read_dso_catalog(path)


def test_landscape_title_description_and_view(tmp_path: Path):
    folder = tmp_path / stellarium.LANDSCAPE_DIR / "moon"
    folder.mkdir(parents=True)
    image = Image.new("RGBA", (400, 100), (0, 0, 0, 0))
    image.paste(Image.new("RGBA", (400, 40), (120, 120, 120, 255)), (0, 60))
    image.save(folder / "pano.png")
    (folder / "landscape.ini").write_text("[landscape]\nname = Moon\ntype = spherical\nmaptex = pano.png\n")
    (folder / "description.en.utf8").write_text("<h2>Moon</h2>\n<p>Photo taken from Apollo 17 Mission</p>")
    (folder / "description.de.utf8").write_text("<h2>Mond</h2><p>Photo aufgenommen w&auml;hrend Apollo 17</p>")
    (photo,) = stellarium.read_stellarium_landscapes(tmp_path, names=("moon",))
    assert photo.titles == {"en": "Moon", "de": "Mond"}
    assert photo.descriptions == {
        "en": "Photo taken from Apollo 17 Mission",
        "de": "Photo aufgenommen während Apollo 17",
    }
    view = photo.load_image()
    assert view.size == (80, 40)  # the opaque band, cropped to 2:1
