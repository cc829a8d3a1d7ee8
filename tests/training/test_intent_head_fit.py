from __future__ import annotations

import pytest
import torch

from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.training.intent_head_fit import fit_intent_head, head_inputs

TEXTS = [
    "find my photo of a dog",
    "show pictures of the beach",
    "photo of a red bicycle please",
    "will it rain tomorrow",
    "is it cold today",
    "weather in paris",
    "wake me up at seven",
    "set an alarm for six",
    "play some music",
    "play the blue song",
]
LABELS = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize("intent_pooling", ["mean", "attention"])
def test_cached_inputs_are_the_heads_inputs_in_the_callers_order(tiny_unimr_factory, intent_pooling):
    model = tiny_unimr_factory(intent_pooling=intent_pooling)
    nlu = find_nlu_module(model)
    if intent_pooling == "attention":
        with torch.no_grad():
            nlu.attention_query.normal_()
    # Texts of very different lengths, so encode() reorders them into its batches.
    texts = ["a", *TEXTS, "a much longer text about a dog on the beach in the rain with music playing"]
    cached, outputs = head_inputs(model, texts, batch_size=4)
    captured = []
    handle = nlu.register_forward_pre_hook(
        lambda _m, args: captured.append(nlu._intent_input(args[0], args[0]["sentence_embedding"]).detach())
    )
    try:
        alone = [model.encode_query([text], convert_to_tensor=True)[0] for text in texts]
    finally:
        handle.remove()
    torch.testing.assert_close(cached, torch.cat(captured), atol=1e-5, rtol=1e-4)
    # The same pass's outputs, in the same order, without the captured key.
    embeddings = torch.stack([output["sentence_embedding"] for output in outputs])
    torch.testing.assert_close(embeddings, torch.stack(alone), atol=1e-5, rtol=1e-4)
    assert not any("_intent_head_input" in output for output in outputs)


def test_the_head_fits_its_rows_and_nothing_else_moves(tiny_unimr_factory):
    model = tiny_unimr_factory(slot_tagging=True)
    nlu = find_nlu_module(model)
    head = {name for name, _ in nlu.named_parameters() if name.startswith(("head_hidden", "head_out"))}
    before = {name: value.detach().clone() for name, value in model.named_parameters()}

    def accuracy() -> float:
        outputs = model.encode_query(TEXTS, output_value=None)
        return sum(int(o["intent_logits"].argmax()) == y for o, y in zip(outputs, LABELS)) / len(TEXTS)

    result = fit_intent_head(model, TEXTS, LABELS, epochs=150, learning_rate=1e-2, batch_size=4)
    assert result["rows"] == len(TEXTS) and result["epochs"] == 150 and result["steps"] == 150 * 3
    assert result["final_epoch_loss"] < 0.5
    assert accuracy() == 1.0
    moved = {name for name, value in model.named_parameters() if not torch.equal(value, before[name])}
    expected = {name for name in before if name.split(".")[-2] in ("head_hidden", "head_out")}
    assert len(expected) == 4 and moved == expected
    assert len(head) == 4


def test_bad_labels_are_refused_by_name(tiny_unimr):
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        fit_intent_head(tiny_unimr, TEXTS[:3], [0, 1], epochs=1)
    with pytest.raises(ValueError, match=r"label ids \[7\] outside the 4 labels"):
        fit_intent_head(tiny_unimr, TEXTS[:2], [0, 7], epochs=1)


def test_the_sweep_study_scores_each_setting_beside_the_probe(tiny_unimr_factory, fixture_home, tmp_path, monkeypatch):
    import st_unimr
    from st_unimr.evaluation.studies.intent_head_fit_sweep import main
    from tests.training.conftest import INTENTS as BUNDLE_INTENTS

    monkeypatch.setenv("ST_UNIMR_HOME", str(fixture_home))
    model = tiny_unimr_factory(intents=BUNDLE_INTENTS, slot_tagging=True)
    st_unimr.save(model, tmp_path / "stage2")
    results = main(
        [
            "--model",
            str(tmp_path / "stage2"),
            "--epochs",
            "1",
            "3",
            "--learning-rates",
            "0.01",
            "--output",
            str(tmp_path),
        ]
    )
    assert set(results) == {"stage-2 head", "probe", "lr=0.01 epochs=1", "lr=0.01 epochs=3"}
    for scores in results.values():
        assert 0 <= scores["accuracy"] <= 1 and 0 <= scores["macro_f1"] <= 1
    assert (tmp_path / "intent_head_fit_sweep.json").is_file()
