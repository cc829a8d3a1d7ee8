"""Run the Python code blocks of a saved model's card, as a user pasting them would."""

from __future__ import annotations

import json
import re
from pathlib import Path

from st_unimr.model_card import PLACEHOLDER_MODEL_ID

__all__ = ["python_blocks", "run_card_snippets"]

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(card: str) -> list[str]:
    """The card's ```python blocks, outside HTML comments (sentence-transformers comments out unused sections)."""
    visible = re.sub(r"<!--.*?-->", "", card, flags=re.DOTALL)
    return _BLOCK.findall(visible)


def run_card_snippets(folder: str | Path) -> list[str]:
    """Execute each Python block of ``folder/README.md``, each in a fresh namespace, loading ``folder`` itself.

    The Hub-id placeholder of folders saved without an id is replaced by the folder's path, as the card tells users.

    Returns:
        The blocks that ran (at least one; an assertion error names a card without any).
    """
    folder = Path(folder)
    card = (folder / "README.md").read_text(encoding="utf8")
    blocks = python_blocks(card)
    assert blocks, f"{folder}/README.md has no python code block"
    for index, block in enumerate(blocks):
        code = block.replace(json.dumps(PLACEHOLDER_MODEL_ID), json.dumps(str(folder)))
        exec(compile(code, f"{folder}/README.md[block {index}]", "exec"), {"__name__": "__card_snippet__"})
    return blocks
