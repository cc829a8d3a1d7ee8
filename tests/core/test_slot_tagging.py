"""The slot tagger and the content fusion of NLUFeatureFusion, SlotIntentLoss and st_unimr.parse_query."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pytest
import torch

import st_unimr
from st_unimr import NLUFeatureFusion, SlotIntentLoss
from st_unimr.errors import InvalidInputError
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.nlu.slot_labels import SEARCH_INTENTS, SLOT_TAGS
from st_unimr.nlu.token_alignment import (
    IGNORE_INDEX,
    decode_slot_spans,
    slot_intent_labels,
    token_offsets,
    token_tags,
)
from tests.core.test_nlu_feature_fusion import TEXTS, plain_encoder

REQUEST = "please find a photo of a dog from last month"
SPANS = [
    {"label": "content", "start": REQUEST.index("a dog"), "end": REQUEST.index("a dog") + 5},
    {"label": "time", "start": REQUEST.index("last month"), "end": len(REQUEST)},
]


def features(batch: int = 2, length: int = 5, dim: int = 8) -> dict[str, torch.Tensor]:
    mask = torch.ones(batch, length)
    mask[0, -2:] = 0
    return {
        "sentence_embedding": torch.randn(batch, dim),
        "token_embeddings": torch.randn(batch, length, dim),
        "attention_mask": mask,
    }


def test_tagger_emits_slot_logits_per_token():
    module = NLUFeatureFusion(8, labels=["a", "b"], hidden_features=4, slot_tags=list(SLOT_TAGS)).eval()
    out = module(features())
    assert out["slot_logits"].shape == (2, 5, len(SLOT_TAGS))
    assert out["intent_logits"].shape == (2, 2)
    assert module.content_tag_ids == [1, 2]
    assert "slot_logits" not in NLUFeatureFusion(8, labels=["a"])(features())


@pytest.mark.parametrize("fusion", ["gated", "none"])
def test_fresh_tagged_model_equals_plain_encoder(tiny_unimr_factory, tiny_text_dir, fusion):
    model = tiny_unimr_factory(fusion=fusion, slot_tagging=True)
    plain = plain_encoder(tiny_text_dir)
    texts = [*TEXTS, REQUEST]
    for encode in ("encode_query", "encode_document"):
        assert np.abs(getattr(model, encode)(texts) - getattr(plain, encode)(texts)).max() < 1e-6


def test_content_scale_moves_the_embedding_toward_content_tokens():
    torch.manual_seed(0)
    module = NLUFeatureFusion(8, labels=["a"], hidden_features=4, slot_tags=list(SLOT_TAGS)).eval()
    batch = features()
    sentence = batch["sentence_embedding"].clone()
    with torch.no_grad():
        module.content_scale.fill_(1.0)
        # A tagger certain that token 1 is content and nothing else is.
        module.slot_out.weight.zero_()
        module.slot_out.bias.copy_(torch.tensor([0.0, -50, -50, -50, -50, -50, -50]))
    tokens = batch["token_embeddings"]
    with torch.no_grad():
        module.slot_hidden.weight.zero_()
        module.slot_hidden.bias.zero_()
    out = module(dict(batch, sentence_embedding=sentence.clone()))
    # All O: the content pooling is the mean embedding itself, so nothing moves.
    assert torch.allclose(out["sentence_embedding"], sentence, atol=1e-5)
    with torch.no_grad():
        module.slot_out.bias.copy_(torch.tensor([-50.0, 50, -50, -50, -50, -50, -50]))
    out = module(dict(batch, sentence_embedding=sentence.clone()))
    masked = tokens * batch["attention_mask"].unsqueeze(-1)
    expected = (masked.sum(dim=1) + sentence) / (batch["attention_mask"].sum(dim=1, keepdim=True) + 1)
    assert torch.allclose(out["sentence_embedding"], expected, atol=1e-5)
    assert not hasattr(NLUFeatureFusion(8, labels=["a"], slot_tags=list(SLOT_TAGS), fusion="none"), "content_scale")


def _content_certain_module(content_gate: str) -> NLUFeatureFusion:
    """A module whose tagger is certain every token is content, with the content fusion fully open."""
    torch.manual_seed(0)
    module = NLUFeatureFusion(
        8, labels=["weather", "photo_search"], hidden_features=4, slot_tags=list(SLOT_TAGS), content_gate=content_gate
    ).eval()
    with torch.no_grad():
        module.content_scale.fill_(1.0)
        module.slot_hidden.weight.zero_()
        module.slot_hidden.bias.zero_()
        module.slot_out.weight.zero_()
        module.slot_out.bias.copy_(torch.tensor([-50.0, 50, -50, -50, -50, -50, -50]))
        module.head_hidden.weight.zero_()
        module.head_hidden.bias.zero_()
        module.head_out.weight.zero_()
    return module


@pytest.mark.parametrize("search_probability", [0.0, 0.25, 1.0])
def test_search_gate_weights_the_content_move_by_the_search_probability(search_probability):
    batch = features()
    sentence = batch["sentence_embedding"].clone()
    always = _content_certain_module("always")(dict(batch, sentence_embedding=sentence.clone()))
    module = _content_certain_module("search")
    with torch.no_grad():
        # intent logits [0, log(p / (1 - p))]: softmax gives photo_search the probability p
        logit = -50.0 if search_probability == 0 else 50.0 if search_probability == 1 else None
        if logit is None:
            logit = float(np.log(search_probability / (1 - search_probability)))
        module.head_out.bias.copy_(torch.tensor([0.0, logit]))
    gated = module(dict(batch, sentence_embedding=sentence.clone()))
    expected = sentence + search_probability * (always["sentence_embedding"] - sentence)
    assert torch.allclose(gated["sentence_embedding"], expected, atol=1e-5)
    assert not torch.allclose(always["sentence_embedding"], sentence, atol=1e-3)  # the move itself is not nothing


def test_search_gate_reads_the_intent_head_without_training_it():
    module = _content_certain_module("search").train()
    module.head_dropout.p = 0.0
    with torch.no_grad():
        module.head_out.bias.copy_(torch.tensor([0.0, 0.0]))
    out = module(features())
    out["sentence_embedding"].sum().backward()
    assert module.head_out.bias.grad is None or not module.head_out.bias.grad.any()
    assert module.content_scale.grad.abs().sum() > 0


def test_content_gate_round_trips_and_old_configs_move_every_text(tmp_path):
    with pytest.raises(InvalidInputError, match="content_gate"):
        NLUFeatureFusion(8, labels=["a"], slot_tags=list(SLOT_TAGS), content_gate="sometimes")
    module = NLUFeatureFusion(8, labels=["a"], slot_tags=list(SLOT_TAGS), content_gate="search")
    module.save(str(tmp_path / "m"))
    assert NLUFeatureFusion.load(str(tmp_path / "m")).content_gate == "search"
    config_path = tmp_path / "m" / NLUFeatureFusion.config_file_name
    config = json.loads(config_path.read_text())
    del config["content_gate"]
    config_path.write_text(json.dumps(config))
    assert NLUFeatureFusion.load(str(tmp_path / "m")).content_gate == "always"


def test_builder_passes_the_content_gate(tiny_unimr_factory):
    assert find_nlu_module(tiny_unimr_factory(slot_tagging=True)).content_gate == "always"
    assert find_nlu_module(tiny_unimr_factory(slot_tagging=True, content_gate="search")).content_gate == "search"
    with pytest.raises(InvalidInputError, match="content_gate"):
        tiny_unimr_factory(slot_tagging=True, content_gate="never")


def test_builder_appends_search_intents(tiny_unimr_factory):
    nlu = find_nlu_module(tiny_unimr_factory(slot_tagging=True))
    assert nlu.labels[-2:] == list(SEARCH_INTENTS) and nlu.slot_tags == list(SLOT_TAGS)
    assert find_nlu_module(tiny_unimr_factory()).slot_tags is None
    with pytest.raises(InvalidInputError, match="slot_tagging"):
        tiny_unimr_factory(slot_tagging="yes")


def test_tagged_module_round_trip_and_old_config_loads(tmp_path):
    torch.manual_seed(0)
    module = NLUFeatureFusion(8, labels=["weather", "photo_search"], hidden_features=4, slot_tags=list(SLOT_TAGS))
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.normal_()
    module.save(str(tmp_path / "new"))
    loaded = NLUFeatureFusion.load(str(tmp_path / "new"))
    assert loaded.get_config_dict() == module.get_config_dict()
    module.eval(), loaded.eval()
    batch = features()
    a, b = module(dict(batch)), loaded(dict(batch))
    for key in ("sentence_embedding", "intent_logits", "slot_logits"):
        assert torch.equal(a[key], b[key])

    # A folder saved before the tagger existed has no slot_tags key: it loads as a module without one.
    old = NLUFeatureFusion(8, labels=["weather"], hidden_features=4)
    old.save(str(tmp_path / "old"))
    config_path = tmp_path / "old" / NLUFeatureFusion.config_file_name
    config = json.loads(config_path.read_text())
    del config["slot_tags"]
    config_path.write_text(json.dumps(config))
    reloaded = NLUFeatureFusion.load(str(tmp_path / "old"))
    assert reloaded.slot_tags is None and not hasattr(reloaded, "slot_out")

    # A tagger saved before slot_context existed loads as a context-free tagger with its weights.
    config_path = tmp_path / "new" / NLUFeatureFusion.config_file_name
    config = json.loads(config_path.read_text())
    del config["slot_context"]
    config_path.write_text(json.dumps(config))
    tagger = NLUFeatureFusion.load(str(tmp_path / "new")).eval()
    assert tagger.slot_context == "none"
    assert torch.equal(tagger(dict(batch))["slot_logits"], a["slot_logits"])


def test_bigru_context_round_trips_and_ignores_padding(tmp_path):
    torch.manual_seed(0)
    module = NLUFeatureFusion(
        8, labels=["weather", "photo_search"], hidden_features=6, slot_tags=list(SLOT_TAGS), slot_context="bigru"
    ).eval()
    assert module.slot_gru.hidden_size == 3 and module.slot_hidden.in_features == 8 + 6
    batch = features()
    out = module(dict(batch))
    # Row 0 has two padding positions: what they hold must not change the real tokens' tags (packed sequences).
    changed = dict(batch)
    changed["token_embeddings"] = batch["token_embeddings"].clone()
    changed["token_embeddings"][0, -2:] = 100.0
    assert torch.allclose(module(changed)["slot_logits"][0, :3], out["slot_logits"][0, :3], atol=1e-6)
    # ... while a real token later in the text does change an earlier token's tag scores (the context).
    changed["token_embeddings"][1, -1] += 1.0
    assert not torch.allclose(module(changed)["slot_logits"][1, 0], out["slot_logits"][1, 0])
    module.save(str(tmp_path / "bigru"))
    loaded = NLUFeatureFusion.load(str(tmp_path / "bigru")).eval()
    assert loaded.slot_context == "bigru"
    assert torch.equal(loaded(dict(batch))["slot_logits"], out["slot_logits"])
    with pytest.raises(InvalidInputError, match="slot_context"):
        NLUFeatureFusion(8, labels=["a"], slot_tags=list(SLOT_TAGS), slot_context="lstm")


def test_builder_tagger_reads_context(tiny_unimr_factory):
    assert find_nlu_module(tiny_unimr_factory(slot_tagging=True)).slot_context == "bigru"


def test_token_tags_follow_char_spans_through_the_prompt(tiny_unimr_factory):
    tokenizer = tiny_unimr_factory().tokenizer
    [offsets] = token_offsets(tokenizer, [REQUEST], prompt="query: ", max_length=32)
    tags = [SLOT_TAGS[i] for i in token_tags(offsets, SPANS)]
    words = [REQUEST[o[0] : o[1]] if o else None for o in offsets]
    tagged = {word: tag for word, tag in zip(words, tags) if tag != "O"}
    assert tagged == {"a": "B-content", "dog": "I-content", "last": "B-time", "month": "I-time"}
    # [CLS], the prompt's tokens and [SEP] carry no offset into the text and are tagged O.
    assert words[0] is None and words[-1] is None and tags[0] == tags[-1] == "O"
    # The first "a" of "a photo" is outside the span: only the second one is content.
    assert tags[words.index("a")] == "O"


def test_sub_words_after_the_first_get_inside_tags():
    text = "find zebras now"
    # [CLS] find ze ##bra ##s now [SEP], as a sub-word tokenizer's offset mapping gives them.
    offsets = [None, (0, 4), (5, 7), (7, 10), (10, 11), (12, 15), None]
    ids = token_tags(offsets, [{"label": "content", "start": 5, "end": 11}])
    assert [SLOT_TAGS[i] for i in ids] == ["O", "O", "B-content", "I-content", "I-content", "O", "O"]
    assert decode_slot_spans(text, offsets, ids) == [{"type": "content", "text": "zebras", "start": 5, "end": 11}]
    # A later sub-word tagged O does not cut the word; whitespace is trimmed.
    ids[4] = 0
    assert decode_slot_spans(text, offsets, ids)[0]["text"] == "zebras"
    # In scripts without spaces nothing is widened: "我的狗照片" with only "狗" tagged gives just "狗".
    assert decode_slot_spans("我的狗照片", [None, (0, 1), (1, 2), (2, 3), (3, 5), None], [0, 0, 0, 1, 0, 0]) == [
        {"type": "content", "text": "狗", "start": 2, "end": 3}
    ]
    # "letzter" and "Woche" each tagged B-time: one slot.
    week = "von letzter Woche"
    assert decode_slot_spans(week, [None, (0, 3), (4, 11), (12, 17), None], [0, 0, 3, 3, 0]) == [
        {"type": "time", "text": "letzter Woche", "start": 4, "end": 17}
    ]
    # Edge punctuation is not part of a slot, on either side; a bracket pair inside it stays.
    quoted = "„modré oko“!"
    [slot] = decode_slot_spans(quoted, [None, (0, 6), (7, 10), (10, 12), None], [0, 1, 2, 0, 0])
    assert slot["text"] == "modré oko"
    plant = "Thaadi (druh)."
    assert decode_slot_spans(plant, [None, (0, 6), (7, 8), (8, 12), (12, 14), None], [0, 1, 2, 2, 2, 0]) == [
        {"type": "content", "text": "Thaadi (druh)", "start": 0, "end": 13}
    ]
    spaced = [None, (0, 4), (4, 10), None]  # a Metaspace token whose offsets start at the space
    assert decode_slot_spans("find zebras", spaced, [0, 0, 1, 0]) == [
        {"type": "content", "text": "zebras", "start": 5, "end": 11}
    ]


def test_packed_labels_ignore_padding_and_unannotated_rows(tiny_unimr_factory):
    tokenizer = tiny_unimr_factory().tokenizer
    rows = slot_intent_labels(tokenizer, [REQUEST, "will it rain"], [4, 1], [SPANS, None], length=20, prompt="query: ")
    assert [len(row) for row in rows] == [21, 21]
    assert rows[0][0] == 4 and rows[1][0] == 1
    assert set(rows[1][1:]) == {IGNORE_INDEX}
    assert rows[0][-1] == IGNORE_INDEX and SLOT_TAGS.index("B-content") in rows[0]


def test_slot_intent_loss_trains_both_heads(tiny_unimr_factory):
    model = tiny_unimr_factory(slot_tagging=True)
    nlu = find_nlu_module(model)
    loss = SlotIntentLoss(model)
    texts = [REQUEST, "will it rain"]
    labels = slot_intent_labels(
        model.tokenizer, texts, [nlu.labels.index("photo_search"), 1], [SPANS, None], length=32, prompt="query: "
    )
    batch = model.preprocess(texts, prompt="query: ")
    value = loss([batch], torch.tensor(labels))
    assert value.ndim == 0 and torch.isfinite(value)
    value.backward()
    assert nlu.slot_out.weight.grad.abs().sum() > 0 and nlu.head_out.weight.grad.abs().sum() > 0
    assert set(loss.last_terms) == {"intent", "slots"}
    with pytest.raises(ValueError, match="token positions"):
        loss([model.preprocess(texts, prompt="query: ")], torch.tensor(labels)[:, :3])
    bad = [list(row) for row in labels]
    bad[0][0] = 99
    with pytest.raises(ValueError, match="outside"):
        loss([model.preprocess(texts, prompt="query: ")], torch.tensor(bad))
    with pytest.raises(ValueError, match="slot tagger"):
        SlotIntentLoss(tiny_unimr_factory())


def test_parse_query_offsets_slice_back_into_the_text(tiny_unimr_factory, fake_time_normalization):
    model = tiny_unimr_factory(slot_tagging=True)
    nlu = find_nlu_module(model)
    # A random tagger tags anything: whatever it finds must slice back into the input exactly.
    texts = [REQUEST, "  show me a dog on the beach ", "", "wake me up at 7"]
    results = st_unimr.parse_query(model, texts, reference_date="2026-11-27", return_embedding=True)
    assert len(results) == len(texts)
    for text, result in zip(texts, results):
        assert result["intent"]["label"] in nlu.labels and 0 <= result["intent"]["score"] <= 1
        for slot in result["slots"]:
            assert slot["type"] in ("content", "time", "place")
            assert text[slot["start"] : slot["end"]] == slot["text"] and slot["text"] == slot["text"].strip()
        assert result["embedding"].shape == (32,)
    single = st_unimr.parse_query(model, REQUEST, reference_date="2026-11-27")
    assert isinstance(single, dict) and set(single) == {"intent", "slots", "time_range"}


def test_parse_query_time_range_comes_from_the_time_slot(tiny_unimr_factory, monkeypatch):
    import st_unimr.nlu.time_normalization as time_normalization
    import st_unimr.query_parsing as query_parsing
    from st_unimr.nlu.date_range import DateRange

    model = tiny_unimr_factory(slot_tagging=True)
    # Tag exactly what the spans say: the tagger is checked above, this checks what parse_query builds from it.
    [offsets] = token_offsets(model.tokenizer, [REQUEST], prompt="query: ", max_length=model.max_seq_length)
    tags = token_tags(offsets, SPANS)
    monkeypatch.setattr(
        query_parsing, "decode_slot_spans", lambda text, o, ids, slot_tags: decode_slot_spans(text, o, tags)
    )
    calls = []

    def normalize_time(text, lang=None, reference_date=None):
        calls.append((text, lang, reference_date))
        return DateRange(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))

    monkeypatch.setattr(time_normalization, "normalize_time", normalize_time)
    result = st_unimr.parse_query(model, REQUEST, reference_date="2026-11-27")
    assert [(s["type"], s["text"]) for s in result["slots"]] == [("content", "a dog"), ("time", "last month")]
    assert calls == [("last month", None, datetime.date(2026, 11, 27))]
    assert result["time_range"] == {"start": "2026-10-01", "end": "2026-10-31"}
    st_unimr.parse_query(model, REQUEST, reference_date="2026-11-27", lang="en")
    assert calls[-1] == ("last month", "en", datetime.date(2026, 11, 27))


def test_parse_query_refuses_bad_input(tiny_unimr_factory):
    model = tiny_unimr_factory(slot_tagging=True)
    with pytest.raises(InvalidInputError, match="texts"):
        st_unimr.parse_query(model, 42)
    with pytest.raises(InvalidInputError, match="reference_date"):
        st_unimr.parse_query(model, "a dog", reference_date="last tuesday")
    with pytest.raises(InvalidInputError, match="reference_date"):
        st_unimr.parse_query(model, "a dog", reference_date=3)
    with pytest.raises(InvalidInputError, match="batch_size"):
        st_unimr.parse_query(model, "a dog", batch_size=0)
    with pytest.raises(InvalidInputError, match="lang"):
        st_unimr.parse_query(model, "a dog", lang=7)
    with pytest.raises(InvalidInputError, match="slot tagger"):
        st_unimr.parse_query(tiny_unimr_factory(), "a dog")
    assert st_unimr.parse_query(model, []) == []
