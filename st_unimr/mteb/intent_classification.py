from __future__ import annotations

from collections import Counter
from typing import Any

from datasets import Dataset, DatasetDict
from mteb.abstasks.classification import AbsTaskClassification

from st_unimr.mteb.task_data import _col, select_languages, subsample
from st_unimr.mteb.task_metadata import for_loaded_data, unimr_task_metadata

__all__ = ["UniMRIntentClassification"]


class UniMRIntentClassification(AbsTaskClassification):
    """Intent classification with MTEB's protocol on embeddings, one subset per language (``intents`` data).

    mteb fits a logistic regression on embeddings of ``samples_per_label`` training utterances per intent (sampled
    from the language's ``train`` rows, ``n_experiments`` times) and scores it on the language's ``test`` rows; this
    measures the embedding space, not the model's own intent head (see ``evaluation/nlu_head.py`` for that). Main
    score accuracy; languages need >= 20 test utterances.

    Args:
        data: ``{"train": Dataset, "test": Dataset}`` with ``text``, ``label``, ``lang``; None loads
            ``st_unimr.data.load("intents")``.
        max_queries_per_lang: Deterministic cap on test utterances per language.
        max_langs: Keep at most this many languages (English first, then the largest).
        min_queries: Minimum test utterances per language.
        langs: Restrict to these language tags.
        n_experiments: Repetitions of the sampling + fit (mteb's default is 10).
        **kwargs: Passed to ``AbsTaskClassification`` (``seed``).

    Example:
        ::

            import mteb
            from st_unimr.mteb import UniMREncoder, UniMRIntentClassification

            mteb.evaluate(UniMREncoder("path/to/unimr"), UniMRIntentClassification(), cache=None)
    """

    metadata = unimr_task_metadata(
        "UniMRIntentClassification",
        "Multilingual voice-assistant intent classification from OVOS / Neon skill intent files (utterance templates "
        "expanded with their vocabularies); one subset per language.",
        "intents",
        type="Classification",
        category="t2c",
        modalities=["text"],
        main_score="accuracy",
        domains=["Spoken", "Constructed"],
        sample_creation="created",
        annotations_creators="expert-annotated",
    )

    def __init__(
        self,
        data: dict[str, Dataset] | DatasetDict | None = None,
        *,
        max_queries_per_lang: int | None = None,
        max_langs: int | None = None,
        min_queries: int = 20,
        langs: list[str] | None = None,
        n_experiments: int = 10,
        **kwargs: Any,
    ) -> None:
        if data is None:
            from st_unimr.data import load

            data = load("intents")
        train, test = data["train"], data["test"]
        test_langs, test_texts = _col(test, "lang"), _col(test, "text")
        train_counts = Counter(_col(train, "lang"))
        counts = {lang: n for lang, n in Counter(test_langs).items() if train_counts.get(lang)}
        texts: dict[str, list[str]] = {}
        for text, lang in zip(test_texts, test_langs):
            texts.setdefault(lang, []).append(text)
        eval_langs = select_languages(counts, min_queries, max_langs, langs, texts)
        if not eval_langs:
            raise ValueError(f"UniMRIntentClassification: no language has >= {min_queries} test utterances")
        self._subsets = {
            lang: DatasetDict(
                train=_rows(train, lang, None),
                test=_rows(test, lang, max_queries_per_lang),
            )
            for lang in eval_langs
        }
        self.n_experiments = n_experiments
        self.options = {
            "max_queries_per_lang": max_queries_per_lang,
            "max_langs": max_langs,
            "min_queries": min_queries,
            "langs": langs,
            "n_experiments": n_experiments,
        }
        self.metadata = for_loaded_data(self.metadata, eval_langs, test)
        super().__init__(**kwargs)

    def unload_data(self) -> None:
        """Free the loaded splits but keep this instance's metadata (mteb's unload would restore the class's)."""
        metadata = self.metadata
        super().unload_data()
        self.metadata = metadata

    def load_data(self, num_proc: int | None = None, **kwargs: Any) -> None:
        """Fill ``self.dataset`` (``{language: DatasetDict(train, test)}``) from the data read at construction."""
        if self.data_loaded:
            return
        self.dataset = dict(self._subsets)
        self.data_loaded = True


def _rows(data: Dataset, lang: str, limit: int | None) -> Dataset:
    indices = [i for i, row_lang in enumerate(_col(data, "lang")) if row_lang == lang]
    texts, labels = _col(data, "text"), _col(data, "label")
    keys = [f"{labels[i]}|{texts[i]}|{i}" for i in range(len(texts))] if limit is not None else []
    chosen = subsample(indices, keys, limit) if limit is not None else indices
    return Dataset.from_dict({"text": [texts[i] for i in chosen], "label": [int(labels[i]) for i in chosen]})
