from __future__ import annotations

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import Normalize, Transformer
from sentence_transformers.sentence_transformer.modules import Pooling

from st_unimr import NLUFeatureFusion
from st_unimr.modules.module_lookup import find_nlu_module

TEXTS = ["find a photo of a dog from last month", "wake me up at 7", "", "le chien de la photo", "我 的 狗 照片"]


def plain_encoder(tiny_text_dir: str) -> SentenceTransformer:
    transformer = Transformer(tiny_text_dir)
    return SentenceTransformer(
        modules=[transformer, Pooling(transformer.get_embedding_dimension(), "mean"), Normalize()],
        prompts={"query": "query: ", "document": "passage: "},
        device="cpu",
    )


@pytest.mark.parametrize("fusion", ["gated", "none"])
def test_fresh_model_equals_plain_encoder(tiny_unimr_factory, tiny_text_dir, fusion):
    model = tiny_unimr_factory(fusion=fusion)
    plain = plain_encoder(tiny_text_dir)
    for encode in ("encode_query", "encode_document"):
        ours = getattr(model, encode)(TEXTS)
        reference = getattr(plain, encode)(TEXTS)
        assert np.abs(ours - reference).max() < 1e-6


def test_gate_changes_embedding_only_when_gated(tiny_unimr_factory, tiny_text_dir):
    reference = plain_encoder(tiny_text_dir).encode_query(TEXTS)
    gated = tiny_unimr_factory(fusion="gated")
    with torch.no_grad():
        find_nlu_module(gated).fusion_scale.fill_(1.0)
    assert np.abs(gated.encode_query(TEXTS) - reference).max() > 1e-3

    head_only = tiny_unimr_factory(fusion="none")
    nlu = find_nlu_module(head_only)
    assert not hasattr(nlu, "fusion_scale")
    with torch.no_grad():
        for parameter in nlu.parameters():
            parameter.add_(1.0)
    assert np.abs(head_only.encode_query(TEXTS) - reference).max() < 1e-6


@pytest.mark.parametrize("intent_pooling", ["mean", "attention"])
def test_outputs_keep_intent_logits_and_nlu_features(tiny_unimr_factory, intent_pooling):
    model = tiny_unimr_factory(intent_pooling=intent_pooling)
    nlu = find_nlu_module(model)
    outputs = model.encode_query(TEXTS, output_value=None)
    assert len(outputs) == len(TEXTS)
    for output in outputs:
        assert output["intent_logits"].shape == (nlu.num_labels,)
        assert output["nlu_features"].shape == (2 * nlu.hidden_features,)
        assert torch.isfinite(output["intent_logits"]).all()


def test_attention_pooling_ignores_padding():
    torch.manual_seed(0)
    module = NLUFeatureFusion(8, labels=["a", "b"], hidden_features=4, intent_pooling="attention").eval()
    with torch.no_grad():
        module.attention_query.normal_()
    tokens = torch.randn(1, 3, 8)
    mask = torch.tensor([[1, 1, 0]])
    padded = tokens.clone()
    padded[0, 2] = 100.0
    first = module({"sentence_embedding": torch.randn(1, 8), "token_embeddings": tokens, "attention_mask": mask})
    second = module({"sentence_embedding": torch.randn(1, 8), "token_embeddings": padded, "attention_mask": mask})
    assert torch.allclose(first["intent_logits"], second["intent_logits"], atol=1e-6)


def test_invalid_configurations_are_refused():
    with pytest.raises(ValueError, match="fusion"):
        NLUFeatureFusion(8, labels=["a"], fusion="concat")
    with pytest.raises(ValueError, match="unique"):
        NLUFeatureFusion(8, labels=["a", "b", "a"])
    with pytest.raises(ValueError, match="at least one"):
        NLUFeatureFusion(8, labels=[])
    with pytest.raises(ValueError, match="intent_pooling"):
        NLUFeatureFusion(8, labels=["a"], intent_pooling="max")


def test_module_save_load_round_trip(tmp_path):
    torch.manual_seed(0)
    module = NLUFeatureFusion(8, labels=["weather", "alarm"], hidden_features=4, intent_pooling="attention")
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.normal_()
    module.save(str(tmp_path))
    loaded = NLUFeatureFusion.load(str(tmp_path))
    assert loaded.get_config_dict() == module.get_config_dict()
    features = {"sentence_embedding": torch.randn(2, 8), "token_embeddings": torch.randn(2, 5, 8)}
    features["attention_mask"] = torch.ones(2, 5)
    module.eval(), loaded.eval()
    a = module(dict(features))
    b = loaded(dict(features))
    assert torch.equal(a["sentence_embedding"], b["sentence_embedding"])
    assert torch.equal(a["intent_logits"], b["intent_logits"])
