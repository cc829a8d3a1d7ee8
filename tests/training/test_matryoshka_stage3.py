"""Stage 3 trains its contrastive losses at every matryoshka_dims; the test evaluation reports recall@10 per size."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator
from sentence_transformers.sentence_transformer.losses import MatryoshkaLoss, MultipleNegativesRankingLoss

from st_unimr.evaluation import MatryoshkaRecallEvaluator
from st_unimr.losses import ImageTextLoss, IntentClassificationLoss
from st_unimr.modules.module_lookup import find_image_encoder
from st_unimr.training.config import StageConfig
from st_unimr.training.stages import _losses

CAPTIONS = ["a red square", "a blue circle", "ein hund", "le chien"]
COLOURS = [(200, 30, 30), (30, 30, 200), (30, 200, 30), (240, 240, 20)]


def _features(model):
    images = [Image.new("RGB", (32, 32), colour) for colour in COLOURS]
    return [model.preprocess(CAPTIONS, prompt="query: "), model.preprocess(images)]


def test_stage3_wraps_the_contrastive_losses_and_not_the_intent_loss(tiny_unimr_factory):
    model = tiny_unimr_factory()
    dimension = model.get_embedding_dimension()
    config = StageConfig(matryoshka_dims=[dimension, dimension // 2, 4 * dimension], image_prototype_anchor=1.0)
    losses = _losses(3, model, config, ["image_text", "text_pairs", "intents"])
    assert isinstance(losses["intents"], IntentClassificationLoss)
    for name, inner in (("image_text", ImageTextLoss), ("text_pairs", MultipleNegativesRankingLoss)):
        assert isinstance(losses[name], MatryoshkaLoss) and isinstance(losses[name].loss, inner)
        assert losses[name].matryoshka_dims == (dimension, dimension // 2)  # sizes above the model's are dropped
    # Only the full size: the plain losses, exactly as before Matryoshka reached stage 3.
    plain = _losses(3, model, StageConfig(matryoshka_dims=[dimension]), ["image_text", "text_pairs"])
    assert all(type(loss) is MultipleNegativesRankingLoss for loss in plain.values())
    assert isinstance(_losses(1, model, StageConfig(matryoshka_dims=[dimension]), ["text_pairs"])["text_pairs"],
                      MatryoshkaLoss)  # fmt: skip


@pytest.mark.parametrize("text_gradient", [True, False])
def test_matryoshka_loss_truncates_the_image_text_loss_embeddings(tiny_unimr_factory, text_gradient):
    model = tiny_unimr_factory()
    dimension = model.get_embedding_dimension()
    dims = [dimension, dimension // 4]
    features = _features(model)
    inner = ImageTextLoss(model, prototype_anchor_weight=10.0, text_gradient=text_gradient)
    with torch.no_grad():
        find_image_encoder(model).prototypes.mul_(2.0)  # a drift, so the anchor term is not 0
    loss = MatryoshkaLoss(model, inner, matryoshka_dims=dims)(_features(model), None)

    ranking = MultipleNegativesRankingLoss(model)
    embeddings = [model(f)["sentence_embedding"] for f in features]
    expected = 0.0
    for dim in dims:
        truncated = [F.normalize(e[:, :dim], dim=-1) for e in embeddings]
        expected = expected + ranking.compute_loss_from_embeddings(truncated, None) + 10.0  # anchor: relative drift 1
    torch.testing.assert_close(loss, expected, rtol=1e-4, atol=1e-4)


def test_matryoshka_recall_matches_the_retrieval_evaluator_at_full_size(tiny_unimr_factory):
    model = tiny_unimr_factory().eval()
    dimension = model.get_embedding_dimension()
    texts = ["find a photo of a dog", "le chien", "weather tomorrow", "set an alarm", "play music", "ein hund",
             "a red bicycle", "the beach", "rain tomorrow", "loud volume", "un perro", "my cat"]  # fmt: skip
    queries = {f"q{i}": text for i, text in enumerate(texts)}
    corpus = {f"d{i}": text.upper() + " please" for i, text in enumerate(texts)}
    relevant = {f"q{i}": {f"d{i}", f"d{(i + 1) % len(texts)}"} for i in range(len(texts))}
    base = InformationRetrievalEvaluator(
        queries, corpus, relevant, name="t2t", precision_recall_at_k=[10], query_prompt_name="query",
        corpus_prompt_name="document", write_csv=False,
    )  # fmt: skip
    metrics = MatryoshkaRecallEvaluator(base, dims=[384, 256, dimension // 2, 4])(model)
    assert list(metrics) == [f"t2t_dim{d}_recall@10" for d in (dimension, dimension // 2, 4)]
    assert metrics[f"t2t_dim{dimension}_recall@10"] == pytest.approx(base(model)["t2t_cosine_recall@10"], abs=1e-6)
    assert all(0.0 <= value <= 1.0 for value in metrics.values())
    with pytest.raises(ValueError, match="positive integers"):
        MatryoshkaRecallEvaluator(base, dims=[0])
