from __future__ import annotations

import logging
from typing import Any, ClassVar

from datasets import Dataset
from mteb.abstasks.retrieval import AbsTaskRetrieval
from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData

from st_unimr.mteb.task_metadata import for_loaded_data

__all__ = ["UniMRRetrievalTask"]

logger = logging.getLogger(__name__)


class UniMRRetrievalTask(AbsTaskRetrieval):
    """Base of the st-unimr retrieval tasks: per-language subsets built from a local ``st_unimr.data`` dataset.

    Subclasses set ``metadata`` (see :func:`~st_unimr.mteb.task_metadata.unimr_task_metadata`), ``source_dataset``
    and ``default_min_queries``, and implement ``_languages`` (counts and sample texts per language) and ``_build``.
    The data is read at construction, so that the subsets (``eval_langs``) reflect the data and the caps.

    Args:
        data: The split to evaluate on (a ``Dataset`` with the source schema); None loads
            ``st_unimr.data.load(source_dataset, split)``. Tests pass tiny in-memory datasets here.
        split: Split loaded when ``data`` is None; it is reported under the name ``"test"``.
        max_queries_per_lang: Deterministic cap on queries per language.
        max_langs: Keep at most this many languages (English first, then the largest).
        min_queries: Languages with fewer queries are left out; None uses the task's default.
        langs: Restrict to these language tags.
        **kwargs: Passed to ``AbsTaskRetrieval`` (``seed``).

    Example:
        ::

            import mteb
            from st_unimr.mteb import UniMREncoder, UniMRTextToImageRetrieval

            task = UniMRTextToImageRetrieval(max_queries_per_lang=50, max_langs=10)
            mteb.evaluate(UniMREncoder("path/to/unimr"), task, cache=None)
    """

    source_dataset: ClassVar[str]
    default_min_queries: ClassVar[int] = 20

    def __init__(
        self,
        data: Dataset | None = None,
        *,
        split: str = "test",
        max_queries_per_lang: int | None = None,
        max_langs: int | None = None,
        min_queries: int | None = None,
        langs: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if data is None:
            from st_unimr.data import load

            data = load(self.source_dataset, split)
        from st_unimr.mteb.task_data import select_languages

        counts, texts = self._languages(data)
        min_queries = self.default_min_queries if min_queries is None else min_queries
        eval_langs = select_languages(counts, min_queries, max_langs, langs, texts)
        if not eval_langs:
            raise ValueError(f"{type(self).__name__}: no language has >= {min_queries} queries in the data")
        self._splits = self._build(data, eval_langs, max_queries_per_lang)
        self.options = {
            "split": split,
            "max_queries_per_lang": max_queries_per_lang,
            "max_langs": max_langs,
            "min_queries": min_queries,
            "langs": langs,
        }
        self.metadata = for_loaded_data(self.metadata, eval_langs, data)
        super().__init__(**kwargs)

    def _languages(self, data: Dataset) -> tuple[dict[str, int], dict[str, list[str]]]:
        raise NotImplementedError

    def _build(
        self, data: Dataset, eval_langs: dict[str, list[str]], max_queries: int | None
    ) -> dict[str, RetrievalSplitData]:
        raise NotImplementedError

    def unload_data(self) -> None:
        """Free the loaded splits but keep this instance's metadata (mteb's unload would restore the class's)."""
        metadata = self.metadata
        super().unload_data()
        self.metadata = metadata

    def load_data(self, num_proc: int | None = None, **kwargs: Any) -> None:
        """Fill ``self.dataset`` (``{language: {"test": RetrievalSplitData}}``) from the data read at construction."""
        if self.data_loaded:
            return
        self.dataset = {lang: {"test": split} for lang, split in self._splits.items()}
        self.data_loaded = True


def captions_by_language(data: Dataset, column: str = "text", lang_column: str = "lang"):
    """Counts and up to 50 texts per language of a column."""
    from collections import Counter, defaultdict

    from st_unimr.mteb.task_data import _col

    langs = _col(data, lang_column)
    texts: dict[str, list[str]] = defaultdict(list)
    for text, lang in zip(_col(data, column), langs):
        if len(texts[lang]) < 50:
            texts[lang].append(text)
    return dict(Counter(langs)), dict(texts)
