"""``data.plain_train_rows``: plain texts beside the requests, tagged as all content, for the slot tagger only."""

from __future__ import annotations

from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.nlu.token_alignment import IGNORE_INDEX
from st_unimr.training.config import DataConfig
from st_unimr.training.stage_data import image_text_train, nlu_train, plain_texts, text_pairs_train
from tests.training.conftest import INTENTS as BUNDLE_INTENTS


def test_plain_texts_come_from_both_train_splits(fixture_home, monkeypatch):
    monkeypatch.setenv("ST_UNIMR_HOME", str(fixture_home))
    config = DataConfig(image_text_train_concepts=None, text_pairs_train_rows=None)
    texts = plain_texts(config, 20)
    captions, pairs = set(image_text_train(config)["query"]), text_pairs_train(config)
    sentences = set(pairs["query"]) | set(pairs["document"])
    assert len(texts) == len(set(texts)) == 20
    assert set(texts) <= captions | sentences
    # The fixture's pairs are its captions (English and German), so captions fill the sentences' half.
    assert sentences <= captions
    assert plain_texts(config, 20) == texts  # the same rows on every run


def test_plain_rows_tag_every_word_as_content_and_train_no_intent(fixture_home, monkeypatch, tiny_unimr_factory):
    monkeypatch.setenv("ST_UNIMR_HOME", str(fixture_home))
    model = tiny_unimr_factory(slot_tagging=True, intents=BUNDLE_INTENTS)
    tags = find_nlu_module(model).slot_tags
    without = nlu_train(DataConfig(), model)
    rows = nlu_train(DataConfig(plain_train_rows=6), model)
    assert len(rows) == len(without) + 6
    plain = set(plain_texts(DataConfig(), 6))
    labelled = [(text, label) for text, label in zip(rows["text"], rows["label"]) if text in plain]
    assert len(labelled) == 6
    prompt_tokens = len(model.tokenize(["query: "])["input_ids"][0]) - 1  # [CLS] query : (the final [SEP] is not)
    for text, (intent, *token_tags) in labelled:
        assert intent == IGNORE_INDEX
        length = len(model.tokenize([f"query: {text}"])["input_ids"][0])
        names = [tags[tag] for tag in token_tags[:length]]
        # [CLS], the prompt and [SEP] are O; the text's tokens are one content span (the fixture has no punctuation).
        assert names[:prompt_tokens] == ["O"] * prompt_tokens and names[-1] == "O"
        assert names[prompt_tokens] == "B-content" and set(names[prompt_tokens + 1 : -1]) <= {"I-content"}
        assert set(token_tags[length:]) == {IGNORE_INDEX}


def test_the_intent_head_fit_leaves_plain_rows_out(fixture_home, monkeypatch, tiny_unimr_factory):
    from st_unimr.training.config import TrainConfig
    from st_unimr.training.train import fit_stage2_intent_head

    monkeypatch.setenv("ST_UNIMR_HOME", str(fixture_home))
    model = tiny_unimr_factory(slot_tagging=True, intents=BUNDLE_INTENTS)
    config = TrainConfig(data=DataConfig(plain_train_rows=6))
    config.stage2.intent_head_epochs = 1
    fit = fit_stage2_intent_head(model, config)
    assert fit["rows"] == len(nlu_train(DataConfig(), model))
