"""Guards on the private sentence-transformers / transformers APIs this plugin relies on.

When one fails, a new release changed an API that st-unimr uses; the message says where and what to do.
"""

from __future__ import annotations

import inspect

from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer

FIX_HINT = (
    "Adapt the code named here to the new signature, run the test suite, then raise the upper bound of the "
    "dependency in pyproject.toml and refresh the lock (see README: 'Refreshing the lock')."
)


def test_load_with_module_classes_hook_keeps_its_signature():
    hook = inspect.getattr_static(SentenceTransformer, "_load_with_module_classes", None)
    assert isinstance(hook, classmethod), (
        "sentence-transformers no longer has the classmethod SentenceTransformer._load_with_module_classes, which "
        f"st_unimr.load (st_unimr/loading.py) uses to resolve st_unimr module classes without trust_remote_code. "
        f"{FIX_HINT}"
    )
    parameters = list(inspect.signature(SentenceTransformer._load_with_module_classes).parameters.values())
    names = [parameter.name for parameter in parameters]
    takes_kwargs = parameters[-1].kind is inspect.Parameter.VAR_KEYWORD
    assert names[:2] == ["model_name_or_path", "module_classes"] and takes_kwargs, (
        f"SentenceTransformer._load_with_module_classes changed its signature to {names}; st_unimr.load "
        f"(st_unimr/loading.py) calls it as (name_or_path, module_classes=..., **SentenceTransformer kwargs). "
        f"{FIX_HINT}"
    )


def test_trainer_checkpoint_hooks_exist():
    for name in ("_save", "_load_from_checkpoint"):
        method = getattr(SentenceTransformerTrainer, name, None)
        assert callable(method), (
            f"SentenceTransformerTrainer.{name} is gone; training/stages.py overrides it (rank-0 saving and LoRA "
            f"adapter checkpoints). {FIX_HINT}"
        )
    save = list(inspect.signature(SentenceTransformerTrainer._save).parameters)
    load = list(inspect.signature(SentenceTransformerTrainer._load_from_checkpoint).parameters)
    assert save[:3] == ["self", "output_dir", "state_dict"], f"Trainer._save is now {save}. {FIX_HINT}"
    assert load[:2] == ["self", "checkpoint_path"], f"Trainer._load_from_checkpoint is now {load}. {FIX_HINT}"


def test_loaded_model_card_text_attribute_is_still_used():
    source = inspect.getsource(SentenceTransformer._create_model_card)
    assert "_model_card_text" in source, (
        "SentenceTransformer._create_model_card no longer reads _model_card_text (the card a model was loaded with, "
        "copied into its next save); st_unimr.model_card.update_model_card_data clears it so that recorded metrics "
        f"reach the next card. Check how a loaded model's card is reused now. {FIX_HINT}"
    )
