from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from st_unimr.data.errors import DataSourceError
from st_unimr.data.images import finish_image, open_image, render_svg
from st_unimr.data.sources.tuxpaint import parse_caption_file, read_tuxpaint

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="red"/></svg>'


def test_unreadable_image_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "badger.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DataSourceError) as info:
        open_image(bad, "deb:tuxpaint-stamps-default==2022.06.04-1")
    assert "badger.png" in str(info.value) and "tuxpaint-stamps-default" in str(info.value)


def test_missing_image_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="nothing.png"):
        open_image(tmp_path / "nothing.png", "pkg")


def test_broken_svg_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "broken.svg"
    bad.write_text("<svg><g></svg")
    with pytest.raises(DataSourceError, match="broken.svg"):
        render_svg(bad, "npm:openmoji==17.0.0")


def test_render_svg_and_finish(tmp_path: Path) -> None:
    path = tmp_path / "ok.svg"
    path.write_text(SVG)
    image = render_svg(path, size=100)
    assert image.size == (100, 50) and image.mode == "RGBA"
    rgb = finish_image(Image.new("RGBA", (600, 300), (0, 0, 0, 0)), max_side=200)
    assert rgb.mode == "RGB" and rgb.size == (200, 100) and rgb.getpixel((5, 5)) == (255, 255, 255)


def _stamps(tmp_path: Path) -> Path:
    folder = tmp_path / "usr/share/tuxpaint/stamps/animals/mammals"
    folder.mkdir(parents=True)
    Image.new("RGBA", (300, 200), (10, 20, 30, 255)).save(folder / "badger.png")
    (folder / "badger.txt").write_text("A badger.\nde.utf8=Ein Dachs.\nca@valencia.utf8=Un teixó.\npt_BR.utf8=\n")
    (folder / "badger2.svg").write_text(SVG)
    (folder / "badger2.txt").write_text("A Badger\nfr.utf8=Un blaireau.\n")
    (folder / "orphan.txt").write_text("No image here.\n")
    alpha = tmp_path / "usr/share/tuxpaint/stamps/symbols/alphabets"
    alpha.mkdir(parents=True)
    Image.new("RGB", (10, 10)).save(alpha / "a.png")
    (alpha / "a.txt").write_text("The letter A.\n")
    return tmp_path


def test_read_tuxpaint_fixture(tmp_path: Path) -> None:
    concepts = read_tuxpaint(_stamps(tmp_path))
    assert [c.texts for c in concepts] == [
        {"en": "A badger.", "de": "Ein Dachs.", "ca-valencia": "Un teixó."},
        {"en": "A Badger", "fr": "Un blaireau."},
    ]
    assert {c.concept_id for c in concepts} == {"name:badger"}  # equal captions: one concept, two positives
    assert concepts[1].load_image().size == (256, 128)


def test_tuxpaint_unreadable_stamp_names_it(tmp_path: Path) -> None:
    root = _stamps(tmp_path)
    (root / "usr/share/tuxpaint/stamps/animals/mammals/badger.png").write_bytes(b"broken")
    concept = read_tuxpaint(root)[0]
    with pytest.raises(DataSourceError, match="badger.png"):
        concept.load_image()


def test_caption_file_without_english(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("de.utf8=Ein Dachs.\n")
    with pytest.raises(DataSourceError, match="x.txt:1"):
        parse_caption_file(path, "pkg")
