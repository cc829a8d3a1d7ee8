from __future__ import annotations

import pytest
import torch
from datasets import Dataset, DatasetDict
from datasets import Image as ImageFeature
from PIL import Image
from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

from st_unimr import IntentClassificationLoss
from st_unimr.modules.module_lookup import find_image_encoder, find_nlu_module

COLOURS = {"red": (255, 0, 0), "blue": (0, 0, 255), "dog": (120, 80, 20), "cat": (10, 10, 10)}


def training_data() -> DatasetDict:
    images = Dataset.from_dict(
        {
            "image": [Image.new("RGB", (40, 40), rgb) for rgb in COLOURS.values()] * 2,
            "text": [f"a photo of a {name}" for name in COLOURS] * 2,
        }
    ).cast_column("image", ImageFeature())
    pairs = Dataset.from_dict(
        {
            "anchor": ["a dog", "a cat", "the beach", "red bicycle"] * 2,
            "positive": ["ein hund", "le chat", "der strand", "una bicicleta roja"] * 2,
        }
    )
    intents = Dataset.from_dict(
        {
            "text": ["find a photo of a dog", "will it rain tomorrow", "wake me up at 7", "play music loud"] * 2,
            "label": [0, 1, 2, 3] * 2,
        }
    )
    return DatasetDict({"image_text": images, "text_pairs": pairs, "intents": intents})


def test_intent_loss_trains_beside_mnrl_in_one_trainer(tiny_unimr, tmp_path):
    model = tiny_unimr
    nlu = find_nlu_module(model)
    encoder = find_image_encoder(model)
    before = {
        "head": nlu.head_out.weight.detach().clone(),
        "scale": nlu.fusion_scale.detach().clone(),
        "prototypes": encoder.prototypes.detach().clone(),
        "backbone": next(encoder.backbone.parameters()).detach().clone(),
    }
    mnrl = MultipleNegativesRankingLoss(model)
    losses = {"image_text": mnrl, "text_pairs": mnrl, "intents": IntentClassificationLoss(model)}
    args = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path / "out"),
        max_steps=6,
        per_device_train_batch_size=4,
        learning_rate=1e-2,
        multi_dataset_batch_sampler="round_robin",
        router_mapping={"anchor": "query", "positive": "document", "text": "query", "image": "document"},
        save_strategy="no",
        report_to=[],
        logging_steps=1,
        use_cpu=True,
    )
    data = training_data()
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=data, loss=losses)
    result = trainer.train()
    assert torch.isfinite(torch.tensor(result.training_loss))
    assert not torch.equal(nlu.head_out.weight, before["head"])
    assert not torch.equal(nlu.fusion_scale, before["scale"])
    assert not torch.equal(encoder.prototypes, before["prototypes"])
    assert torch.equal(next(encoder.backbone.parameters()), before["backbone"])


def test_intent_loss_learns(tiny_unimr):
    model = tiny_unimr
    model.train()
    loss = IntentClassificationLoss(model)
    data = training_data()["intents"]
    features = model.preprocess(data["text"])
    labels = torch.tensor(data["label"])
    optimizer = torch.optim.Adam(find_nlu_module(model).parameters(), lr=1e-2)
    first = loss([dict(features)], labels).item()
    for _ in range(30):
        optimizer.zero_grad()
        value = loss([dict(features)], labels)
        value.backward()
        optimizer.step()
    assert value.item() < first / 2


def test_out_of_range_labels_are_named(tiny_unimr):
    loss = IntentClassificationLoss(tiny_unimr)
    features = tiny_unimr.preprocess(["a", "b"])
    with pytest.raises(ValueError, match=r"\[7\]"):
        loss([features], torch.tensor([0, 7]))
    with pytest.raises(ValueError, match="one text column"):
        loss([features, features], torch.tensor([0, 1]))
