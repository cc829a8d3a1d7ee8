from __future__ import annotations

from pathlib import Path

import pytest

from st_unimr.data.errors import DataSourceError
from st_unimr.data.intent_templates import expand_template, fill_slots, parse_template
from st_unimr.data.sources.ovos_intents import read_skill_intents, template_families


def expand(line: str, cap: int = 50) -> list[str]:
    return expand_template(parse_template(line), cap=cap)


def test_alternatives_and_optional() -> None:
    assert sorted(expand("(what|which) time [is it]")) == sorted(
        ["what time is it", "what time", "which time is it", "which time"]
    )


def test_nested_and_empty_alternative() -> None:
    assert sorted(expand("a (b|(c|d) [e]|) f")) == sorted(["a b f", "a c e f", "a c f", "a d e f", "a d f", "a f"])


def test_top_level_alternatives() -> None:
    assert sorted(expand("stop|halt (now|)")) == ["halt", "halt now", "stop"]


def test_cap_dedupe_and_determinism() -> None:
    line = " ".join(["(a|b|c|d)"] * 8)  # 65,536 combinations
    first = expand(line, cap=20)
    assert len(first) == 20 and len(set(first)) == 20
    assert first == expand(line, cap=20)
    assert len(expand("(x|x|x) y", cap=20)) == 1  # duplicates removed


def test_slot_fill_from_values_and_fallback() -> None:
    (text,) = expand("weather in {location} on {day}")
    filled = fill_slots(text, {"location": ["Porto"]}, seed="t")
    assert filled.startswith("weather in Porto on ") and "{" not in filled
    assert fill_slots("call {zzz_unknown}", {}) == "call something"
    assert fill_slots(text, {"location": ["Porto", "Lyon"]}, seed="s") == fill_slots(
        text, {"location": ["Porto", "Lyon"]}, seed="s"
    )


@pytest.mark.parametrize("line", ["what (time|hour", "what time]", "in {location", "(a|b))", "x {} y"])
def test_broken_template_names_file_and_line(line: str) -> None:
    with pytest.raises(DataSourceError) as info:
        parse_template(line, "pypi:ovos-skill-x==1.0", "locale/en-us/time.intent", 7)
    assert "pypi:ovos-skill-x==1.0" in str(info.value)
    assert "locale/en-us/time.intent:7" in str(info.value)
    assert info.value.line == 7


def _skill(tmp_path: Path, broken: bool = False) -> Path:
    root = tmp_path / "wheel"
    for lang, lines, city in [
        ("en-us", ["(what|which) time is it [in {location}]", "# a comment", "", "time please"], "Oslo"),
        ("de-de", ["wie spät ist es [in {location}]"], "Bern"),
    ]:
        folder = root / "ovos_skill_clock" / "locale" / lang
        folder.mkdir(parents=True)
        (folder / "what.time.intent").write_text("\n".join(lines) + ("\nbroken (line" if broken else ""))
        (folder / "location.entity").write_text(city + "\n")
    (root / "ovos_skill_clock" / "locale" / "en-us" / "stop.intent").write_text("stop\n")
    return root


def test_read_skill_intents(tmp_path: Path) -> None:
    rows = read_skill_intents(_skill(tmp_path), "pypi:ovos-skill-clock==1", "ovos-skill-clock", min_langs=2)
    assert {r["intent"] for r in rows} == {"clock:what.time"}  # stop has one language only
    assert {r["lang"] for r in rows} == {"en", "de"}
    texts = {r["text"] for r in rows}
    assert "what time is it in Oslo" in texts and "wie spät ist es in Bern" in texts
    assert len(texts) == len(rows)
    # all expansions of a line (and lines differing only by slots/optional parts) share one template_id
    groups = {r["template_id"] for r in rows if r["lang"] == "en"}
    assert len(groups) == 2


def test_read_skill_intents_broken_line(tmp_path: Path) -> None:
    root = _skill(tmp_path, broken=True)
    with pytest.raises(DataSourceError, match=r"what\.time\.intent:\d+"):
        read_skill_intents(root, "pypi:ovos-skill-clock==1", "ovos-skill-clock")
    errors: list[DataSourceError] = []
    rows = read_skill_intents(root, "pypi:ovos-skill-clock==1", "ovos-skill-clock", errors=errors)
    assert rows and len(errors) == 2 and all("pypi:ovos-skill-clock==1" in str(e) for e in errors)


def test_template_families_group_near_variants() -> None:
    lines = [
        "I need to check the hour",
        "I need to know the hour",
        "I need to know the hour in {location}",
        "please set an alarm for tomorrow morning",
    ]
    keys = template_families(lines)
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert keys == template_families(lines)


def test_family_cap(tmp_path: Path) -> None:
    folder = tmp_path / "w" / "skill" / "locale" / "en-us"
    folder.mkdir(parents=True)
    (folder / "x.intent").write_text("\n".join(f"tell me the time number {i}" for i in range(100)))
    rows = read_skill_intents(tmp_path / "w", "p", "ovos-skill-t", family_cap=10)
    assert len(rows) == 10 and len({r["template_id"] for r in rows}) == 1
    assert rows == read_skill_intents(tmp_path / "w", "p", "ovos-skill-t", family_cap=10)
