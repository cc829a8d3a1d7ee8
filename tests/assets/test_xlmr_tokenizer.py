from __future__ import annotations

import random

import pytest
from tokenizers import normalizers

from st_unimr.assets.xlmr_tokenizer import build_precompiled_charsmap, build_unigram_tokenizer, save_tokenizer_files

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
PIECES = SPECIALS + ["▁", "▁hello", "▁world", "he", "llo", "▁wor", "ld", "▁h", "e", "l", "o", "w", "r", "d"]
PIECES += ["f", "i", "▁fi", "▁b", "b", "<mask>"]
SCORES = (
    [0.0] * 4 + [-2.0, -3.0, -3.5, -6.0, -6.0, -5.0, -5.0, -7.0] + [-8.0] * 6 + [-8.0, -8.0, -4.0, -5.0, -8.0, 0.0]
)
CHAR_MAP = {
    0x09: [0x20],  # tab -> space
    0x200D: [0x20],  # zero width joiner -> space
    0xAD: [],  # soft hyphen deleted
    0xFB01: [ord("f"), ord("i")],  # ligature fi
    0xFF48: [ord("h")],  # full-width h
    0x1D41B: [ord("b")],  # mathematical bold b (4-byte UTF-8)
}


@pytest.fixture(scope="module")
def tokenizer():
    return build_unigram_tokenizer(PIECES, SCORES, CHAR_MAP)


def _ids(*pieces: str) -> list[int]:
    return [PIECES.index(p) for p in pieces]


def test_charsmap_roundtrip_small():
    norm = normalizers.Precompiled(build_precompiled_charsmap(CHAR_MAP))
    for cp, out in CHAR_MAP.items():
        assert norm.normalize_str(chr(cp)) == "".join(map(chr, out)), hex(cp)
    assert norm.normalize_str("plain text ü") == "plain text ü"
    assert norm.normalize_str("a\u00adb\tc\U0001d41b") == "ab cb"


def test_charsmap_roundtrip_many_random_codepoints():
    rng = random.Random(0)
    pool = [cp for cp in range(0xA0, 0x30000) if not 0xD800 <= cp <= 0xDFFF]
    keys = rng.sample(pool, 3000)
    char_map = {cp: [rng.choice(pool) for _ in range(rng.randint(0, 3))] for cp in keys}
    # Outputs must not themselves be keys, or single-pass application would be ambiguous to check.
    char_map = {cp: [o for o in out if o not in char_map] for cp, out in char_map.items()}
    norm = normalizers.Precompiled(build_precompiled_charsmap(char_map))
    for cp, out in char_map.items():
        assert norm.normalize_str(chr(cp)) == "".join(map(chr, out)), hex(cp)
    untouched = [cp for cp in rng.sample(pool, 500) if cp not in char_map]
    text = "".join(map(chr, untouched))
    assert norm.normalize_str(text) == text


def test_charsmap_rejects_nul_output():
    with pytest.raises(ValueError):
        build_precompiled_charsmap({0x41: [0]})


def test_template_metaspace_and_viterbi(tokenizer):
    assert tokenizer.encode("hello world").ids == [0, *_ids("▁hello", "▁world"), 2]
    # Best path by score: "▁wor" + "ld" (-10) beats "▁" + "w" + "o" + ... .
    assert tokenizer.encode("world").ids == [0, *_ids("▁world"), 2]
    assert tokenizer.encode("hello").tokens == ["<s>", "▁hello", "</s>"]


def test_normaliser_and_space_collapse(tokenizer):
    assert tokenizer.encode("hello   \t world").ids == tokenizer.encode("hello world").ids
    assert tokenizer.encode("hello\u200dworld").ids == tokenizer.encode("hello world").ids
    assert tokenizer.encode("hel\u00adlo").ids == tokenizer.encode("hello").ids
    assert tokenizer.encode("\ufb01").ids == [0, *_ids("▁fi"), 2]
    assert tokenizer.encode("\uff48ello").ids == tokenizer.encode("hello").ids
    assert tokenizer.encode("\U0001d41b").ids == [0, *_ids("▁b"), 2]


def test_leading_space_is_not_doubled(tokenizer):
    assert tokenizer.encode(" hello").ids == tokenizer.encode("hello").ids


def test_unknown_characters_one_unk_each(tokenizer):
    # "x", "y" and "z" occur in no piece; the engine emits one <unk> per character, tokenizers' Unigram would fuse.
    assert tokenizer.encode("xyz").ids == [0, *_ids("▁"), 3, 3, 3, 2]
    assert tokenizer.encode("hexy").ids == [0, *_ids("▁", "he"), 3, 3, 2]
    fused = build_unigram_tokenizer(PIECES, SCORES, CHAR_MAP, isolate_unknown_chars=False)
    assert fused.encode("xyz").ids == [0, *_ids("▁"), 3, 2]


def test_specials_are_not_split(tokenizer):
    assert tokenizer.encode("hello <mask>").ids[-2] == PIECES.index("<mask>")


def test_mismatched_scores():
    with pytest.raises(ValueError):
        build_unigram_tokenizer(PIECES, SCORES[:-1], CHAR_MAP)


def test_saved_files_load_with_autotokenizer(tmp_path, tokenizer):
    from transformers import AutoTokenizer

    save_tokenizer_files(tokenizer, tmp_path, model_max_length=16)
    auto = AutoTokenizer.from_pretrained(str(tmp_path))
    for text in ["hello world", "hello   \t world", "xyz hello", "\ufb01 \uff48ello"]:
        assert auto(text)["input_ids"] == tokenizer.encode(text).ids
    assert auto.pad_token_id == 1 and auto.model_max_length == 16
    batch = auto(["hello", "hello world"], padding=True)
    assert batch["input_ids"][0][-1] == 1
