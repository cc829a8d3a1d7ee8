from __future__ import annotations

import re

__all__ = ["normalise_lang"]

_SCRIPTS = {"latin": "Latn", "cyrillic": "Cyrl", "arabic": "Arab"}


def normalise_lang(code: str) -> str:
    """Normalise a locale code from Debian, Qt, CLDR or OVOS to a BCP-47-like tag.

    ``de.utf8`` -> ``de``, ``pt_BR`` -> ``pt-BR``, ``en-us`` -> ``en-US``, ``sr@latin`` -> ``sr-Latn``,
    ``ca@valencia`` -> ``ca-valencia``. English variants keep their region; callers decide whether to merge.

    Example:
        ::

            from st_unimr.data.langs import normalise_lang

            normalise_lang("zh_TW.utf8")  # 'zh-TW'
    """
    code = code.strip().split(".")[0]
    variant = ""
    if "@" in code:
        code, variant = code.split("@", 1)
    parts = [p for p in re.split(r"[_-]", code) if p]
    if not parts:
        return ""
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2:
            out.append(part.upper())
        elif len(part) == 4:
            out.append(part.title())
        else:
            out.append(part.lower())
    if variant:
        out.append(_SCRIPTS.get(variant.lower(), variant.lower()))
    return "-".join(out)
