"""NLUFeatureFusion(content_route="reencode"): a request embeds as its content tokens encoded on their own."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer

import st_unimr
from st_unimr import NLUFeatureFusion
from st_unimr.errors import InvalidInputError
from st_unimr.modules.module_lookup import find_nlu_module
from st_unimr.nlu.slot_labels import SLOT_TAGS
from tests.conftest import INTENTS
from tests.core.test_nlu_feature_fusion import TEXTS, plain_encoder

REQUEST = "please find the photo of a dog from last month"
CONTENT = "a dog"


def tag_words_as_content(
    nlu: NLUFeatureFusion, words: str, monkeypatch: pytest.MonkeyPatch, pieces: tuple[str, ...] = ()
) -> None:
    """A tagger that marks exactly the tokens of ``words`` (and the vocabulary ``pieces``) as content (B/I-content)
    and every other token O."""
    tokenizer = nlu._upstream_modules()[0].tokenizer
    content_ids = set(tokenizer(words, add_special_tokens=False)["input_ids"])
    content_ids |= set(tokenizer.convert_tokens_to_ids(list(pieces)))

    def slot_logits(features: dict[str, torch.Tensor]) -> torch.Tensor:
        is_content = torch.isin(features["input_ids"], torch.tensor(sorted(content_ids)))
        logits = torch.full((*features["input_ids"].shape, len(SLOT_TAGS)), -20.0)
        logits[..., SLOT_TAGS.index("O")] = torch.where(is_content, -20.0, 20.0)
        logits[..., SLOT_TAGS.index("B-content")] = torch.where(is_content, 20.0, -20.0)
        return logits

    monkeypatch.setattr(nlu, "_slot_logits", slot_logits)


def predict_intent(nlu: NLUFeatureFusion, label: str) -> None:
    """An intent head that predicts ``label`` for every text."""
    with torch.no_grad():
        nlu.head_out.weight.zero_()
        nlu.head_out.bias.fill_(-10.0)
        nlu.head_out.bias[nlu.labels.index(label)] = 10.0


@pytest.fixture
def reencoding(tiny_unimr_factory, monkeypatch) -> SentenceTransformer:
    model = tiny_unimr_factory(slot_tagging=True, content_route="reencode")
    nlu = find_nlu_module(model)
    with torch.no_grad():
        nlu.content_scale.fill_(1.0)
    tag_words_as_content(nlu, CONTENT, monkeypatch)
    predict_intent(nlu, "photo_search")
    return model


def pooled(model: SentenceTransformer, encode: str, texts: list[str]) -> np.ndarray:
    """The same model's embeddings with the one-pass content pooling (``content_route="pool"``)."""
    nlu = find_nlu_module(model)
    nlu.content_route = "pool"
    try:
        return getattr(model, encode)(texts)
    finally:
        nlu.content_route = "reencode"


def test_request_lands_where_its_content_lands(reencoding):
    request, content = reencoding.encode_query([REQUEST, CONTENT])
    assert np.abs(request - content).max() < 1e-5
    # The content has no frame: it embeds as with one pass; the request does not.
    pooled_request, pooled_content = pooled(reencoding, "encode_query", [REQUEST, CONTENT])
    assert np.abs(content - pooled_content).max() < 1e-6
    assert np.abs(request - pooled_request).max() > 1e-2
    # batched with texts of other lengths, and in any position, the same
    batch = reencoding.encode_query([*TEXTS, REQUEST])
    assert np.abs(batch[-1] - content).max() < 1e-5


def test_only_search_requests_are_encoded_again(reencoding):
    """A text whose intent is not a search (a sentence of a text-pair query, a command) keeps its one-pass embedding,
    whatever the tagger marks in it."""
    predict_intent(find_nlu_module(reencoding), INTENTS[0])
    texts = [REQUEST, *TEXTS]
    assert np.abs(reencoding.encode_query(texts) - pooled(reencoding, "encode_query", texts)).max() < 1e-6


def test_documents_are_never_encoded_again(reencoding):
    texts = [REQUEST, *TEXTS]
    assert np.abs(reencoding.encode_document(texts) - pooled(reencoding, "encode_document", texts)).max() < 1e-6


def test_fresh_reencoding_model_equals_plain_encoder(tiny_unimr_factory, tiny_text_dir):
    model = tiny_unimr_factory(slot_tagging=True, content_route="reencode")
    plain = plain_encoder(tiny_text_dir)
    texts = [*TEXTS, REQUEST]
    for encode in ("encode_query", "encode_document"):
        assert np.abs(getattr(model, encode)(texts) - getattr(plain, encode)(texts)).max() < 1e-6


def test_training_reaches_the_encoder_through_the_second_pass(reencoding):
    model = reencoding.train()
    features = model.preprocess([REQUEST], prompt=model.prompts["query"])
    out = model(features, task="query")
    out["sentence_embedding"].sum().backward()
    word_embeddings = model[0].sub_modules["text"][0].auto_model.get_input_embeddings().weight
    tokenizer = model.tokenizer
    frame_ids = tokenizer("please find photo", add_special_tokens=False)["input_ids"]
    content_ids = tokenizer(CONTENT, add_special_tokens=False)["input_ids"]
    # The request's embedding is its content's: the frame words no longer reach it, the content words do.
    assert word_embeddings.grad[content_ids].abs().sum() > 0
    assert word_embeddings.grad[frame_ids].abs().sum() == 0


def test_saved_route_survives_both_loaders(reencoding, tmp_path):
    reencoding.save(str(tmp_path / "model"))
    for loaded in (
        st_unimr.load(str(tmp_path / "model")),
        SentenceTransformer(str(tmp_path / "model"), trust_remote_code=True, device="cpu"),
    ):
        nlu = find_nlu_module(loaded)
        assert nlu.content_route == "reencode"
        assert nlu._upstream_modules()[0] is loaded[0].sub_modules["text"][0]


def test_route_needs_a_model_and_a_known_name():
    with pytest.raises(InvalidInputError, match="content_route"):
        NLUFeatureFusion(8, labels=["a"], slot_tags=list(SLOT_TAGS), content_route="twice")
    module = NLUFeatureFusion(8, labels=["a"], slot_tags=list(SLOT_TAGS), content_route="reencode").eval()
    with torch.no_grad():
        module.content_scale.fill_(1.0)
    features = {
        "sentence_embedding": torch.randn(1, 8),
        "token_embeddings": torch.randn(1, 4, 8),
        "attention_mask": torch.ones(1, 4),
        "input_ids": torch.arange(4).unsqueeze(0),
    }
    with pytest.raises(RuntimeError, match="needs the model holding it"):
        module(features)


def sentencepiece_like_tokenizer():
    """A Metaspace/Unigram tokenizer like e5's: a space joins the next word ("▁paard"), a prompt's trailing space
    alone is a bare "▁", and a word after punctuation has no "▁" ("«", "paard")."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    pieces = ["<s>", "</s>", "<pad>", "<unk>", "▁query", ":", "▁", "▁toon", "▁paard", "paard", "▁«", "»"]
    pieces += list("abcdefghijklmnopqrstuvwxyz")
    vocab = [(piece, 0.0 if i < 4 else -1.0 if len(piece) > 1 else -5.0) for i, piece in enumerate(pieces)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=3))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.post_processor = TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 1)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )


def test_content_is_tokenized_again_and_the_prompt_keeps_the_first_word_out(reencoding):
    # Reusing the request's own ids for the content, and the prompt's token count as its extent, put "«"-split pieces
    # and the request's first word into the content pass: real requests then missed their photos (nlu report).
    from types import SimpleNamespace

    tokenizer = sentencepiece_like_tokenizer()
    assert tokenizer.tokenize("query: ") == ["▁query", ":", "▁"]
    assert tokenizer.tokenize("query: toon «paard»") == ["▁query", ":", "▁toon", "▁«", "paard", "»"]
    nlu = find_nlu_module(reencoding)
    nlu._owner = [SimpleNamespace(prompts={"query": "query: ", "document": "passage: "})]
    prompt_length = len(tokenizer("query: ")["input_ids"]) - 1  # as sentence-transformers counts it: 4
    assert nlu._prompts_of_length(tokenizer, prompt_length) == [
        ("query: ", tokenizer.convert_tokens_to_ids(["▁query", ":"]))
    ]
    ids = torch.tensor(tokenizer("query: toon «paard»")["input_ids"])
    is_content = torch.tensor([token == "paard" for token in tokenizer.convert_ids_to_tokens(ids.tolist())])
    content = nlu._content_text(tokenizer, ids, is_content)
    assert content == "paard" and tokenizer.tokenize("query: " + content) == ["▁query", ":", "▁paard"]


def test_a_request_whose_only_frame_word_comes_first_is_encoded_again(reencoding, monkeypatch):
    # Counted as prompt tokens, "query: " (4 ids and a bare "▁") swallowed a request's first word: "toon paard" then
    # showed no frame and was never encoded again.
    transformer = find_nlu_module(reencoding)._upstream_modules()[0]
    monkeypatch.setattr(transformer, "processor", sentencepiece_like_tokenizer())
    reencoding.prompts = {"query": "query: ", "document": "passage: "}
    tag_words_as_content(find_nlu_module(reencoding), "paard", monkeypatch)
    request, content = reencoding.encode_query(["toon paard", "paard"])
    assert np.abs(request - content).max() < 1e-5


def test_punctuation_around_the_content_is_no_frame(reencoding, monkeypatch):
    # Gold content spans leave edge punctuation out, so a plain "«paard»" tags its guillemets O; encoding it again
    # without them would move every quoted or full-stopped sentence.
    transformer = find_nlu_module(reencoding)._upstream_modules()[0]
    monkeypatch.setattr(transformer, "processor", sentencepiece_like_tokenizer())
    reencoding.prompts = {"query": "query: ", "document": "passage: "}
    tag_words_as_content(find_nlu_module(reencoding), "paard", monkeypatch, pieces=("paard",))
    texts = ["«paard»", "toon «paard»"]
    encoded, one_pass = reencoding.encode_query(texts), pooled(reencoding, "encode_query", texts)
    assert np.abs(encoded[0] - one_pass[0]).max() < 1e-6
    assert np.abs(encoded[1] - one_pass[1]).max() > 1e-2  # a word beside it is a frame: encoded again
