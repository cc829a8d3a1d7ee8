from __future__ import annotations

import json

import mteb
import pytest

import st_unimr
from st_unimr.evaluation.suite.models import ModelSpec, parse_models
from st_unimr.evaluation.suite.report import write_report
from st_unimr.evaluation.suite.run import run_evaluation
from st_unimr.mteb import UniMREncoder, UniMRIntentClassification, UniMRTextToImageRetrieval
from st_unimr.mteb.intent_rich_templates import TEMPLATES, template_language, wrap_caption
from st_unimr.mteb.languages import mteb_language
from tests.evaluation import fixtures


def test_pushed_checkpoint_is_evaluated_by_hub_id(tiny_unimr, hub_server):
    st_unimr.push_to_hub(tiny_unimr, "org/tiny-unimr")
    encoder = UniMREncoder("org/tiny-unimr")
    meta = encoder.mteb_model_meta
    assert meta.name == "org/tiny-unimr"
    assert meta.modalities == ["text", "image"]
    assert encoder.model_prompts["query"] == "query: "
    task = UniMRTextToImageRetrieval(fixtures.image_text(), min_queries=2, langs=["en"])
    result = mteb.evaluate(encoder, task, cache=None, show_progress_bar=False)
    entry = result.task_results[0].scores["test"][0]
    assert entry["hf_subset"] == "en" and 0.0 <= entry["recall_at_10"] <= 1.0
    assert result.model_name == "org/tiny-unimr"


def test_local_checkpoint_and_plain_wrapper(tiny_unimr, tmp_path):
    tiny_unimr.save_pretrained(str(tmp_path / "ckpt"))
    assert UniMREncoder(str(tmp_path / "ckpt")).mteb_model_meta.modalities == ["text", "image"]
    # What the wrapper fixes: mteb's own wrapper gives a UniMR model the text modality only.
    assert mteb.models.SentenceTransformerEncoderWrapper(tiny_unimr).mteb_model_meta.modalities == ["text"]


def test_templates_are_complete():
    assert len(TEMPLATES) >= 10
    assert all(len(templates) >= 8 and all(t.count("{}") == 1 for t in templates) for templates in TEMPLATES.values())
    assert template_language("pt-BR") == "pt-BR" and template_language("zh-TW") == "zh-Hant"
    assert template_language("km") is None and wrap_caption("x", "km") is None
    wrapped = wrap_caption("A cuckoo.", "en")
    assert "a cuckoo" in wrapped and not wrapped.endswith(".")
    assert "eine Ente" in wrap_caption("Eine Ente.", "de")
    assert "Hose" in wrap_caption("Hose.", "de")  # German nouns keep their capital


def test_mteb_language_codes():
    assert mteb_language("de") == "deu-Latn"
    assert mteb_language("zh-CN") == "zho-Hans" and mteb_language("zh-TW") == "zho-Hant"
    assert mteb_language("sr-Latn") == "srp-Latn" and mteb_language("sr") == "srp-Cyrl"
    assert mteb_language("pt-BR") == "por-Latn"
    with pytest.raises(ValueError):
        mteb_language("xx-unknown")


def test_parse_models():
    specs = parse_models("org/unimr", "unimr", ["untrained", "use-multilingual", "t2i-only=outputs/t2i/final"])
    assert [s.label for s in specs] == ["unimr", "untrained", "use-multilingual", "t2i-only"]
    assert specs[0].mteb_name == "org/unimr" and specs[3].mteb_name == "st-unimr/t2i-only"
    assert specs[3].kind == "unimr" and specs[3].source == "outputs/t2i/final"
    with pytest.raises(ValueError):
        parse_models(None, "unimr", ["nonsense"])


def _synthetic_summary():
    langs = ["en", "de", "fr"]
    t2i = {
        lang: {"recall_at_1": 0.1, "recall_at_5": 0.3, "recall_at_10": 0.5 + i / 10, "ndcg_at_10": 0.4}
        for i, lang in enumerate(langs)
    }
    return {
        "run": {
            "command": "python evaluation/run.py --model x",
            "options": {"max_langs": 3},
            "models": [
                {"label": "unimr", "kind": "unimr", "source": "x"},
                {"label": "minilm", "kind": "all-minilm-l6-v2"},
            ],
            "notes": ["minilm: UniMRTextToImageRetrieval skipped"],
            "standard_tasks": {"MassiveIntentClassification": "NOT RUN: the Hugging Face Hub is unreachable"},
        },
        "tasks": {
            "UniMRTextToImageRetrieval": {
                "main_score": "recall_at_10",
                "type": "Any2AnyRetrieval",
                "modalities": ["text", "image"],
                "description": "t2i",
                "subsets": langs,
            },
            "UniMRIntentClassification": {
                "main_score": "accuracy",
                "type": "Classification",
                "modalities": ["text"],
                "description": "intents",
                "subsets": ["en"],
            },
        },
        "scores": {
            "unimr": {"UniMRTextToImageRetrieval": t2i, "UniMRIntentClassification": {"en": {"accuracy": 0.9}}},
            "minilm": {"UniMRTextToImageRetrieval": None, "UniMRIntentClassification": {"en": {"accuracy": 0.7}}},
        },
        "nlu_head": {
            "unimr": {
                "all": {"accuracy": 0.8, "macro_f1": 0.7, "n": 10},
                "en": {"accuracy": 0.85, "macro_f1": 0.75, "n": 5},
            }
        },
        "real_photos": {"unimr": {"real_photos_title_recall@10": 0.25, "real_photos_image_cosine": 0.19}},
    }


def test_report_writer(tmp_path):
    report = write_report(_synthetic_summary(), tmp_path)
    text = report.read_text()
    assert "| UniMRTextToImageRetrieval (recall_at_10, 3 langs) | 0.600 | n/a |" in text
    assert "| UniMRIntentClassification (accuracy, 1 langs) | 0.900 | 0.700 |" in text
    assert "| NLU head intent accuracy (all test rows) | 0.800 | n/a |" in text
    assert "Hugging Face Hub is unreachable" in text
    assert "## Real photographs and image domains" in text
    assert "| unimr | 0.250 | n/a | n/a | 0.190 |" in text
    for png in ("t2i_recall_at_10.png", "intent_accuracy.png", "nlu_head_accuracy.png"):
        assert (tmp_path / png).stat().st_size > 1000
    assert json.loads((tmp_path / "summary.json").read_text())["run"]["models"][0]["label"] == "unimr"


def test_run_evaluation_end_to_end(tiny_unimr, tmp_path, monkeypatch):
    """The run loop on a tiny checkpoint: mteb result files, NLU head scores and the report."""
    tiny_unimr.save_pretrained(str(tmp_path / "ckpt"))
    tasks = [
        UniMRTextToImageRetrieval(fixtures.image_text(), min_queries=2),
        UniMRIntentClassification(fixtures.intents(), min_queries=2, n_experiments=2),
    ]
    intents_test = fixtures.intents()["test"]
    summary = run_evaluation(
        [ModelSpec("tiny", "unimr", str(tmp_path / "ckpt"))], tasks, tmp_path / "out", nlu_data=intents_test
    )
    assert set(summary["scores"]["tiny"]) == {"UniMRTextToImageRetrieval", "UniMRIntentClassification"}
    assert 0.0 <= summary["nlu_head"]["tiny"]["all"]["accuracy"] <= 1.0
    results = list((tmp_path / "out" / "mteb" / "results").rglob("UniMRTextToImageRetrieval.json"))
    assert len(results) == 1 and json.loads(results[0].read_text())["scores"]["test"]
    assert (tmp_path / "out" / "report.md").exists()
