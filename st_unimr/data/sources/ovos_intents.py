from __future__ import annotations

import hashlib
import re
from pathlib import Path

from st_unimr.data.errors import DataSourceError
from st_unimr.data.intent_templates import Template, expand_template, fill_slots, parse_template
from st_unimr.data.langs import normalise_lang

__all__ = ["read_skill_intents", "skill_name", "template_families"]

_LOCALE = re.compile(r"(?:^|/)locale/([^/]+)/")


def skill_name(package_name: str) -> str:
    """``ovos-skill-date-time`` -> ``date-time``; ``neon-skill-personal`` -> ``personal``."""
    return re.sub(r"^(ovos|neon)-skill-", "", package_name.lower().replace("_", "-"))


def _skeleton(line: str) -> str:
    """The line without slots, optional parts and punctuation, lower-cased."""
    text = re.sub(r"\{[^{}]*\}|\[[^\[\]]*\]", " ", line.lower())
    return re.sub(r"[^\w]+", " ", text).strip()


def template_families(lines: list[str], max_span: int = 2) -> list[str]:
    """Group the template lines of one file into families; return a family key per line.

    Many skills ship pre-expanded files (one line per variant: ``I need to check the time``, ``I need to know
    the time``, ...). Two lines are put in one family when their skeletons (see :func:`_skeleton`) differ by one
    substitution, insertion or deletion of at most ``max_span`` consecutive words; families are the connected
    components. The split is done by family, so near-identical variants never straddle two splits.

    Example:
        ::

            template_families(["what time is it", "what time is it now", "tell me the date"])
            # ['<k1>', '<k1>', '<k2>']
    """
    tokens = [tuple(_skeleton(line).split()) for line in lines]
    parent = list(range(len(lines)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple, int] = {}
    for idx, words in enumerate(tokens):
        n = len(words)
        for i in range(n + 1):
            for j in range(i, min(n, i + max_span) + 1):
                if n - (j - i) < 1:
                    continue
                key = (words[:i], words[j:], i)
                if key in owner:
                    a, b = find(owner[key]), find(idx)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
                else:
                    owner[key] = idx
    members: dict[int, list[str]] = {}
    for idx in range(len(lines)):
        members.setdefault(find(idx), []).append(" ".join(tokens[idx]))
    keys = {root: hashlib.sha256(min(m).encode()).hexdigest()[:12] for root, m in members.items()}
    return [keys[find(idx)] for idx in range(len(lines))]


def _lines(path: Path, package: str, root: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8").replace("{{", "{").replace("}}", "}")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataSourceError(package, path.relative_to(root).as_posix(), f"unreadable file: {exc}") from exc
    return [(i, s.strip()) for i, s in enumerate(text.splitlines(), 1) if s.strip() and not s.strip().startswith("#")]


def _parse(line: str, package: str, rel: str, line_no: int, errors: list[DataSourceError] | None) -> Template | None:
    try:
        return parse_template(line, package, rel, line_no)
    except DataSourceError as err:
        if errors is None:
            raise
        errors.append(err)
        return None


def _slot_values(
    locale_dir: Path, package: str, root: Path, errors: list[DataSourceError] | None
) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for path in sorted([*locale_dir.rglob("*.entity"), *locale_dir.rglob("*.voc")]):
        rel = path.relative_to(root).as_posix()
        found = values.setdefault(path.stem, [])
        for line_no, line in _lines(path, package, root):
            template = _parse(line, package, rel, line_no, errors)
            for value in expand_template(template, cap=3) if template else ():
                if "{" not in value and value not in found and len(found) < 50:
                    found.append(value)
    return {k: v for k, v in values.items() if v}


def read_skill_intents(
    root: Path,
    package: str,
    package_name: str,
    cap: int = 20,
    min_langs: int = 1,
    errors: list[DataSourceError] | None = None,
    family_cap: int | None = 40,
) -> list[dict[str, str]]:
    """Expand the ``locale/<lang>/**/*.intent`` templates of one unpacked OVOS/Neon skill wheel.

    Each non-comment line is a template: ``(a|b)`` and ``[opt]`` are expanded (at most ``cap`` strings per
    line, deterministic), ``{slot}`` is filled from the skill's ``<slot>.entity``/``<slot>.voc`` of the same
    language or a plausible fallback, and duplicates within an intent and language are dropped. The intent is
    ``<skill>:<file stem>``; the language is the primary subtag (``en-us`` -> ``en``).
    ``template_id`` is ``<intent>/<lang>/<family>``: lines differing by slots, optional parts or a short
    span of words share a family (see :func:`template_families`); it is the split key.

    Args:
        root: The unpacked wheel.
        package: The artifact key, used in error messages and as ``source``.
        package_name: The distribution name, e.g. ``ovos-skill-date-time``.
        cap: Expansions per template line.
        family_cap: Rows kept per template family (the sha256-smallest texts), so that pre-expanded files with
            thousands of near-identical lines do not swamp the data; ``None`` keeps all.
        min_langs: Keep only intents with templates in at least this many languages.
        errors: If given, broken lines are skipped and their errors appended here (the build reports them in
            the datasheet); if ``None`` the first broken line raises.

    Raises:
        DataSourceError: A broken template (when ``errors`` is ``None``); names package, file and line.

    Example:
        ::

            from st_unimr.data.pins import SKILLS
            from st_unimr.data.sources import read_skill_intents

            art = SKILLS[0]
            rows = read_skill_intents(art.unpack(), art.key, art.name)
    """
    root = Path(root)
    skill = skill_name(package_name)
    per_intent: dict[str, set[str]] = {}
    files: list[tuple[str, str, Path, Path]] = []
    for path in sorted(root.rglob("*.intent")):
        rel = path.relative_to(root).as_posix()
        match = _LOCALE.search(rel)
        if not match:
            continue
        lang = normalise_lang(match.group(1)).split("-")[0]
        locale_dir = root / rel[: match.end()]
        intent = f"{skill}:{path.stem}"
        per_intent.setdefault(intent, set()).add(lang)
        files.append((intent, lang, path, locale_dir))
    slot_cache: dict[Path, dict[str, list[str]]] = {}
    rows: list[dict[str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    for intent, lang, path, locale_dir in files:
        if len(per_intent[intent]) < min_langs:
            continue
        if locale_dir not in slot_cache:
            slot_cache[locale_dir] = _slot_values(locale_dir, package, root, errors)
        slots = slot_cache[locale_dir]
        rel = path.relative_to(root).as_posix()
        lines = _lines(path, package, root)
        families = template_families([line for _, line in lines])
        for (line_no, line), family in zip(lines, families):
            template = _parse(line, package, rel, line_no, errors)
            if template is None:
                continue
            for text in expand_template(template, cap=cap):
                filled = fill_slots(text, slots, seed=f"{rel}:{line_no}")
                key = (intent, lang, filled.lower())
                if not filled or key in seen:
                    continue
                seen.add(key)
                rows.append(
                    {
                        "text": filled,
                        "intent": intent,
                        "lang": lang,
                        "template_id": f"{intent}/{lang}/{family}",
                        "source": package,
                    }
                )
    if family_cap is not None:
        by_family: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            by_family.setdefault(row["template_id"], []).append(row)
        keep = set()
        for members in by_family.values():
            ranked = sorted(members, key=lambda r: hashlib.sha256(r["text"].encode()).digest())
            keep.update(id(r) for r in ranked[:family_cap])
        rows = [r for r in rows if id(r) in keep]
    return rows
