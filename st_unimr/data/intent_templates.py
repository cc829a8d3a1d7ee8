from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from st_unimr.data.errors import DataSourceError

__all__ = ["Template", "parse_template", "expand_template", "fill_slots", "FALLBACK_SLOT_VALUES"]

# A plausible value per common slot name, used when a skill ships no `.entity`/`.voc` file for a slot.
FALLBACK_SLOT_VALUES: dict[str, list[str]] = {
    "location": ["Paris", "London", "Tokyo", "Berlin", "Lisbon", "New York"],
    "city": ["Paris", "London", "Tokyo", "Berlin", "Lisbon"],
    "country": ["France", "Japan", "Brazil", "Germany", "Kenya"],
    "name": ["Anna", "Marco", "Lena", "Pedro"],
    "person": ["Anna", "Marco", "Lena", "Pedro"],
    "number": ["3", "7", "12", "42"],
    "num": ["3", "7", "12"],
    "level": ["3", "5", "8"],
    "time": ["7:30", "noon", "18:00"],
    "date": ["12/05", "tomorrow", "friday"],
    "day": ["monday", "friday", "sunday"],
    "duration": ["5 minutes", "1 hour", "30 seconds"],
    "query": ["python", "the moon", "tea"],
    "app": ["firefox", "terminal"],
    "color": ["red", "blue", "green"],
    "colour": ["red", "blue", "green"],
    "unit": ["km", "kg", "miles"],
}
_DEFAULT_FALLBACK = ["something"]

_TOKEN = re.compile(r"\(|\)|\[|\]|\||\{[^{}()\[\]|]*\}|[^()\[\]|{}]+|\{|\}")


@dataclass(frozen=True)
class Template:
    """A parsed intent template: a tree of text, slots, alternatives ``(a|b)`` and optional parts ``[x]``."""

    node: tuple
    source: str

    def count(self) -> int:
        """Number of distinct expansions (before slot filling)."""
        return _count(self.node)


def parse_template(line: str, package: str = "local", file: str = "<string>", line_no: int | None = None) -> Template:
    """Parse one OVOS/Padatious template line.

    Syntax: ``(a|b|c)`` alternatives (an empty alternative makes the group optional), ``[x]`` optional part,
    ``{slot}`` placeholder, ``|`` at top level separates whole alternatives. Groups nest.

    Raises:
        DataSourceError: Unbalanced ``()``/``[]``/``{}`` or an empty slot name; names package, file and line.

    Example:
        ::

            from st_unimr.data.intent_templates import parse_template, expand_template

            t = parse_template("(what|which) time is it [in {location}]")
            expand_template(t)  # ['what time is it', 'what time is it in {location}', ...]
    """

    def fail(reason: str) -> DataSourceError:
        return DataSourceError(package, file, f"broken template {line!r}: {reason}", line=line_no)

    tokens = _TOKEN.findall(line)
    pos = 0

    def parse_alternatives(closer: str | None) -> tuple:
        nonlocal pos
        options: list[tuple] = [("seq",)]
        while pos < len(tokens):
            tok = tokens[pos]
            pos += 1
            if tok == "(":
                options[-1] += (parse_alternatives(")"),)
            elif tok == "[":
                inner = parse_alternatives("]")
                options[-1] += (("alt", inner, ("seq",)),)
            elif tok == "|":
                options.append(("seq",))
            elif tok in (")", "]"):
                if tok != closer:
                    raise fail(f"unexpected {tok!r}")
                return ("alt", *options)
            elif tok in ("{", "}"):
                raise fail(f"unbalanced {tok!r}")
            elif tok.startswith("{"):
                name = tok[1:-1].strip()
                if not name:
                    raise fail("empty slot name {}")
                options[-1] += (("slot", name),)
            else:
                options[-1] += (("text", tok),)
        if closer is not None:
            raise fail(f"missing {closer!r}")
        return ("alt", *options)

    return Template(parse_alternatives(None), line)


def _count(node: tuple) -> int:
    kind = node[0]
    if kind == "alt":
        return sum(_count(n) for n in node[1:])
    if kind == "seq":
        total = 1
        for n in node[1:]:
            total *= _count(n)
        return total
    return 1


def _enumerate(node: tuple) -> list[str]:
    kind = node[0]
    if kind == "alt":
        return [s for n in node[1:] for s in _enumerate(n)]
    if kind == "seq":
        out = [""]
        for n in node[1:]:
            out = [a + b for a in out for b in _enumerate(n)]
        return out
    if kind == "slot":
        return ["{" + node[1] + "}"]
    return [node[1]]


def _sample(node: tuple, rng: random.Random) -> str:
    kind = node[0]
    if kind == "alt":
        options = node[1:]
        weights = [_count(n) for n in options]
        return _sample(rng.choices(options, weights=weights)[0], rng)
    if kind == "seq":
        return "".join(_sample(n, rng) for n in node[1:])
    if kind == "slot":
        return "{" + node[1] + "}"
    return node[1]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _rng(*parts: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256("\x00".join(parts).encode()).digest()[:8], "big"))


def expand_template(template: Template, cap: int = 20) -> list[str]:
    """Expand a template into at most ``cap`` distinct strings, deterministically.

    Small templates are enumerated fully; large ones are sampled uniformly with a random generator seeded by
    the template text, so the result is stable across runs and machines. Slots stay as ``{name}``.

    Example:
        ::

            expand_template(parse_template("[please] (stop|halt)"), cap=3)
    """
    total = template.count()
    if total <= 4 * cap:
        expansions = _enumerate(template.node)
        if len(set(map(_normalise, expansions))) > cap:
            rng = _rng("expand", template.source)
            expansions = sorted(set(map(_normalise, expansions)))
            rng.shuffle(expansions)
    else:
        rng = _rng("expand", template.source)
        expansions = [_sample(template.node, rng) for _ in range(8 * cap)]
    out: list[str] = []
    seen: set[str] = set()
    for text in map(_normalise, expansions):
        if text and text not in seen:
            seen.add(text)
            out.append(text)
        if len(out) >= cap:
            break
    return out


def fill_slots(
    text: str,
    values: Mapping[str, Sequence[str]] | Callable[[str], Sequence[str]],
    seed: str = "",
) -> str:
    """Replace each ``{slot}`` with a value chosen deterministically from ``values[slot]``.

    Falls back to :data:`FALLBACK_SLOT_VALUES` (matched on the slot name, or on a known word inside it), then
    to a neutral word, so every output is a plain utterance.

    Example:
        ::

            fill_slots("weather in {location}", {"location": ["Porto"]})  # 'weather in Porto'
    """
    rng = _rng("slots", seed, text)

    def lookup(name: str) -> Sequence[str]:
        found = values(name) if callable(values) else values.get(name, ())
        if found:
            return found
        key = name.lower()
        if key in FALLBACK_SLOT_VALUES:
            return FALLBACK_SLOT_VALUES[key]
        for word, options in FALLBACK_SLOT_VALUES.items():
            if word in key:
                return options
        return _DEFAULT_FALLBACK

    filled = re.sub(r"\{([^{}]+)\}", lambda m: rng.choice(sorted(lookup(m.group(1).strip()))), text)
    return _normalise(filled)
