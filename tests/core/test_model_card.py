"""The model card: sentence-transformers' own card, extended with the st-unimr sections, in every saved folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from datasets import Dataset, DatasetDict
from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
from sentence_transformers.losses import MultipleNegativesRankingLoss
from sentence_transformers.sentence_transformer.model_card import SentenceTransformerModelCardData

import st_unimr
from st_unimr.model_card import (
    _INSERTIONS,
    UniMRModelCardData,
    compose_template,
    render_model_card,
    update_model_card_data,
)
from tests.card_snippets import python_blocks, run_card_snippets

ST_SECTIONS = ["## Model Details", "### Full Model Architecture", "## Training Details", "### Framework Versions"]
UNIMR_SECTIONS = ["### UniMR Components", "### Direct Usage (st-unimr)", "pip install -U st-unimr", "- st-unimr: "]


def test_every_st_unimr_section_has_its_anchor_in_the_installed_sentence_transformers_template():
    # A changed sentence-transformers template still gives a complete card (sections go to the end), but in a worse
    # order: this names the anchor to update in st_unimr/model_card.py.
    template = Path(SentenceTransformerModelCardData.__dataclass_fields__["template_path"].default).read_text()
    missing = [anchor for anchor, _, _ in _INSERTIONS if anchor not in template]
    assert not missing, f"sentence-transformers' model card template changed; anchors not found: {missing}"
    composed = compose_template(template)
    assert "pip install -U sentence-transformers" not in composed and "{{ unimr_usage_snippet }}" in composed
    assert compose_template("# only this\n").startswith("# only this\n")  # no anchor: sections appended


def test_a_saved_model_has_sentence_transformers_card_with_the_st_unimr_sections(tiny_unimr, tmp_path):
    assert isinstance(tiny_unimr.model_card_data, UniMRModelCardData)
    folder = st_unimr.save(tiny_unimr, tmp_path / "model")
    card = (folder / "README.md").read_text()
    for section in ST_SECTIONS + UNIMR_SECTIONS:
        assert section in card, section
    metadata = card.split("---")[1]
    assert "- st-unimr" in metadata and "library_name: sentence-transformers" in metadata
    assert "{{" not in card and "{%" not in card
    assert "**Intent labels (4):** `find_photo`, `weather`, `alarm`, `music`" in card
    blocks = python_blocks(card)
    assert len(blocks) == 2
    assert 'SentenceTransformer("sentence_transformers_model_id", trust_remote_code=True)' in blocks[0]
    assert 'st_unimr.load("sentence_transformers_model_id")' in blocks[1]
    assert "predict_intent" in blocks[1] and "Image.new" in blocks[1] and "truncate_dim=16" in blocks[1]
    assert "parse_query" not in blocks[1]  # no slot tagger in this model


def test_the_card_snippets_run(tiny_unimr, tmp_path):
    tiny_unimr.save(str(tmp_path / "model"))
    assert len(run_card_snippets(tmp_path / "model")) == 2


def test_the_card_snippets_of_a_slot_tagging_model_run(tiny_unimr_factory, tmp_path, fake_time_normalization):
    model = tiny_unimr_factory(slot_tagging=True)
    folder = st_unimr.save(model, tmp_path / "model")
    blocks = run_card_snippets(folder)
    assert "parse_query" in blocks[1]
    assert "with slot tagging" in (folder / "README.md").read_text()


def test_a_model_loaded_by_sentence_transformers_alone_writes_the_unimr_card(tiny_unimr, tmp_path):
    st_unimr.save(tiny_unimr, tmp_path / "a")
    model = SentenceTransformer(str(tmp_path / "a"), trust_remote_code=True, model_card_data=None)
    assert type(model.model_card_data) is UniMRModelCardData  # adopted by the st_unimr modules' on_model_ready
    assert "st-unimr" in model.model_card_data.tags and "intent classification" in model.model_card_data.task_name
    model._model_card_text = None  # as after training: the card is generated, not copied from the loaded folder
    model.save(str(tmp_path / "b"))
    run_card_snippets(tmp_path / "b")
    # A user's own card data class is left alone.
    own = type("OwnCardData", (SentenceTransformerModelCardData,), {})
    kept = SentenceTransformer(str(tmp_path / "a"), trust_remote_code=True, model_card_data=own())
    assert type(kept.model_card_data) is own


def test_render_and_update_model_card_data(tiny_unimr, tmp_path):
    before = (tiny_unimr.model_card_data.unimr_metrics, list(tiny_unimr.model_card_data.tags))
    card = render_model_card(
        tiny_unimr, "org/tiny", metrics={"test": {"t2i_recall@10": 0.5}}, training="Two stages.", languages=["de"]
    )
    assert "| test | t2i_recall@10 | 0.5000 |" in card and "### Training Procedure\n\nTwo stages." in card
    assert "## Evaluation" in card and 'st_unimr.load("org/tiny")' in card and "- de" in card.split("---")[1]
    assert (tiny_unimr.model_card_data.unimr_metrics, tiny_unimr.model_card_data.tags) == before  # unchanged
    with pytest.raises(ValueError, match="local_path"):
        update_model_card_data(tiny_unimr, model_id=str(tmp_path / "model"))
    update_model_card_data(tiny_unimr, local_path=tmp_path / "model", metrics={"accuracy": 0.25})
    assert tiny_unimr.model_card_data.model_id is None
    folder = st_unimr.save(tiny_unimr, tmp_path / "model")
    card = (folder / "README.md").read_text()
    assert "|  | accuracy | 0.2500 |" in card and f'st_unimr.load("{folder}")' in card
    run_card_snippets(folder)


def _training_data() -> DatasetDict:
    pairs = Dataset.from_dict(
        {
            "anchor": ["a dog on the beach", "a red bicycle", "rain in paris", "a cat asleep"] * 2,
            "positive": ["ein Hund am Strand", "ein rotes Fahrrad", "Regen in Paris", "eine schlafende Katze"] * 2,
        }
    )
    intents = Dataset.from_dict(
        {
            "text": ["find a photo of a dog", "will it rain", "wake me up at 7", "play music"] * 2,
            "label": [0, 1, 2, 3] * 2,
        }
    )
    return DatasetDict({"text_pairs": pairs, "intents": intents})


class _Recorder(torch.nn.Module):
    """Like training's LossRecorder: observes a loss, marked transparent for the model card."""

    transparent_in_model_card = True

    def __init__(self, loss: torch.nn.Module) -> None:
        super().__init__()
        self.loss = loss
        self.model = loss.model

    def forward(self, sentence_features: list[dict[str, torch.Tensor]], labels: torch.Tensor) -> torch.Tensor:
        return self.loss(sentence_features, labels)


def test_trainer_checkpoints_and_the_trained_model_keep_sentence_transformers_training_sections(tiny_unimr, tmp_path):
    model = tiny_unimr
    args = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path / "run"),
        max_steps=4,
        per_device_train_batch_size=4,
        learning_rate=1e-3,
        save_strategy="steps",
        save_steps=2,
        report_to=[],
        logging_steps=1,
        use_cpu=True,
        router_mapping={"anchor": "query", "positive": "document", "text": "query"},
    )
    from st_unimr.losses.intent_classification_loss import IntentClassificationLoss

    losses = {
        "text_pairs": _Recorder(MultipleNegativesRankingLoss(model)),
        "intents": _Recorder(IntentClassificationLoss(model)),
    }
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=_training_data(), loss=losses)
    assert torch.isfinite(torch.tensor(trainer.train().training_loss))
    checkpoint = tmp_path / "run" / "checkpoint-4"
    final = st_unimr.save(model, tmp_path / "final")
    for folder in (checkpoint, final):
        card = (folder / "README.md").read_text()
        for section in (
            ST_SECTIONS
            + UNIMR_SECTIONS
            + [
                "### Training Datasets",
                "#### text_pairs",
                "MultipleNegativesRankingLoss",
                "IntentClassificationLoss",
                "### Training Hyperparameters",
                "### Training Logs",
            ]
        ):
            assert section in card, f"{folder.name}: {section}"
        assert "generated_from_trainer" in card.split("---")[1]
        run_card_snippets(folder)


def test_values_recorded_on_a_loaded_model_reach_its_next_card(tiny_unimr, tmp_path):
    st_unimr.save(tiny_unimr, tmp_path / "a")
    model = st_unimr.load(str(tmp_path / "a"))
    update_model_card_data(model, metrics={"test": {"t2t_recall@10": 0.75}}, training="Loaded, then described.")
    card = (st_unimr.save(model, tmp_path / "b") / "README.md").read_text()
    assert "| test | t2t_recall@10 | 0.7500 |" in card and "Loaded, then described." in card


@pytest.mark.parametrize("loader", ["st_unimr", "sentence_transformers"])
def test_resaving_a_loaded_model_keeps_a_card_whose_snippets_run(tiny_unimr, tmp_path, loader):
    st_unimr.save(tiny_unimr, tmp_path / "a")
    if loader == "st_unimr":
        model = st_unimr.load(str(tmp_path / "a"))
    else:
        model = SentenceTransformer(str(tmp_path / "a"), trust_remote_code=True)
    model.save(str(tmp_path / "b"))
    run_card_snippets(tmp_path / "b")
