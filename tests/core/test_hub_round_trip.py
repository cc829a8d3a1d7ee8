from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from sentence_transformers import SentenceTransformer

import st_unimr
from st_unimr.modules.module_lookup import find_nlu_module
from tests.card_snippets import python_blocks


def test_push_then_load_from_the_hub(tiny_unimr, hub_server, tmp_path, monkeypatch):
    with torch.no_grad():
        find_nlu_module(tiny_unimr).fusion_scale.fill_(0.5)
    texts = ["find a photo of a dog", "le chien de la photo"]
    images = [Image.new("RGB", (40, 40), (0, 128, 0)), Image.new("L", (20, 50), 30)]
    expected_text = tiny_unimr.encode_query(texts)
    expected_images = tiny_unimr.encode_document(images)
    expected_intents = st_unimr.predict_intent(tiny_unimr, texts, top_k=2)

    url = st_unimr.push_to_hub(tiny_unimr, "org/tiny-unimr", metrics={"test": {"t2i_recall@10": 0.5}})
    assert "org/tiny-unimr" in url
    stored = hub_server.repos["org/tiny-unimr"].files
    assert "router_config.json" in stored and "README.md" in stored
    assert not any(name.endswith(".bin") for name in stored)
    card = stored["README.md"].decode()
    assert "pip install -U st-unimr" in card and 'st_unimr.load("org/tiny-unimr")' in card
    assert 'SentenceTransformer("org/tiny-unimr", trust_remote_code=True)' in card
    assert "predict_intent" in card and "| test | t2i_recall@10 | 0.5000 |" in card
    assert "{{" not in card and "## Model Details" in card and "### Framework Versions" in card
    # The uploaded card's snippets run as they stand, against the Hub (downloading into this test's folder).
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path / "cache-snippets"))
    assert len(python_blocks(card)) == 2
    for block in python_blocks(card):
        exec(compile(block, "README.md", "exec"), {"__name__": "__card_snippet__"})

    for loaded in (
        st_unimr.load("org/tiny-unimr", cache_folder=str(tmp_path / "cache-a"), device="cpu"),
        SentenceTransformer(
            "org/tiny-unimr", trust_remote_code=True, cache_folder=str(tmp_path / "cache-b"), device="cpu"
        ),
    ):
        np.testing.assert_array_equal(loaded.encode_query(texts), expected_text)
        np.testing.assert_array_equal(loaded.encode_document(images), expected_images)
        assert st_unimr.predict_intent(loaded, texts, top_k=2) == expected_intents
    assert any(request.startswith("GET /org/tiny-unimr/resolve/") for request in hub_server.requests)
