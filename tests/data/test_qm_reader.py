from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from st_unimr.data.errors import DataSourceError
from st_unimr.data.qm_reader import QM_MAGIC, read_qm
from st_unimr.data.sources.gcompris_qm import read_gcompris

_spec = importlib.util.spec_from_file_location("qm_writer", Path(__file__).with_name("qm_writer.py"))
qm_writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(qm_writer)

MESSAGES = [
    ("ActivityInfo", "Count the animals on the board.", "Zähle die Tiere auf dem Brett."),
    ("Data", "Look at the badger and the horse.", "Schau dir den Dachs und das Pferd an. ✓"),
]


def test_round_trip(tmp_path: Path) -> None:
    path = qm_writer.write_qm(tmp_path / "gcompris_de.qm", MESSAGES)
    messages = read_qm(path, "pkg")
    assert [(m.context, m.source, m.translation) for m in messages] == MESSAGES


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda data: b"not a qm file" + data[16:],  # bad magic
        lambda data: data[:-7],  # truncated block
        lambda data: data[:26] + b"\x42" + data[27:],  # unknown record tag inside the messages block
    ],
)
def test_corrupted_qm_names_file(tmp_path: Path, corrupt) -> None:
    path = qm_writer.write_qm(tmp_path / "gcompris_xx.qm", MESSAGES)
    path.write_bytes(corrupt(path.read_bytes()))
    with pytest.raises(DataSourceError) as info:
        read_qm(path, "deb:gcompris-qt-data==3.1-2")
    assert "gcompris_xx.qm" in str(info.value)
    assert "deb:gcompris-qt-data==3.1-2" in str(info.value)


def test_magic_constant() -> None:
    assert QM_MAGIC.hex().upper() == "3CB86418CAEF9C95CD211CBF60A1BDDD"


def test_read_gcompris_fixture(tmp_path: Path) -> None:
    folder = tmp_path / "usr/share/gcompris-qt/translations"
    folder.mkdir(parents=True)
    qm_writer.write_qm(folder / "gcompris_de.qm", MESSAGES + [("X", "Hi", "Hallo"), ("X", "Use %1 here", "x %1")])
    qm_writer.write_qm(folder / "gcompris_pt_BR.qm", MESSAGES[:1])
    rows = read_gcompris(tmp_path)
    assert {(r["lang_positive"], r["anchor"]) for r in rows} == {
        ("de", MESSAGES[0][1]),
        ("de", MESSAGES[1][1]),
        ("pt-BR", MESSAGES[0][1]),
    }
    same = [r["concept_id"] for r in rows if r["anchor"] == MESSAGES[0][1]]
    assert len(set(same)) == 1  # one concept per English sentence, across languages


def test_read_gcompris_bad_file_names_it(tmp_path: Path) -> None:
    folder = tmp_path / "usr/share/gcompris-qt/translations"
    folder.mkdir(parents=True)
    (folder / "gcompris_fr.qm").write_bytes(b"\x00" * 40)
    with pytest.raises(DataSourceError, match="gcompris_fr.qm"):
        read_gcompris(tmp_path)
