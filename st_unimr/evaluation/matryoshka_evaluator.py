from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.evaluation.evaluator import BaseEvaluator
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

__all__ = ["MATRYOSHKA_DIMS", "MatryoshkaRecallEvaluator"]

#: The truncation sizes reported by default (those above the model's dimension are left out).
MATRYOSHKA_DIMS = (384, 256, 128, 64)


class MatryoshkaRecallEvaluator(BaseEvaluator):
    """recall@k of a retrieval evaluator's queries and corpus at several embedding sizes (``truncate_dim``).

    The queries and the corpus are encoded once at the full size; each size keeps the first ``dim`` components and
    renormalises them, as ``model.encode(..., truncate_dim=dim)`` and MatryoshkaLoss do. recall@k is defined as in
    ``InformationRetrievalEvaluator`` (relevant documents among the top k, over the query's relevant documents).

    Args:
        evaluator: The retrieval evaluator whose queries, corpus and relevant documents are used (its name becomes
            the metric prefix).
        dims: Embedding sizes; sizes above the model's dimension are skipped, the full dimension is always reported.
        k: The recall cut-off.
        batch_size: Encoding batch size.

    Example:
        ::

            from st_unimr.data import load
            from st_unimr.evaluation import MatryoshkaRecallEvaluator, text_to_image_evaluator

            evaluator = MatryoshkaRecallEvaluator(text_to_image_evaluator(load("image_text", "test"), name="t2i"))
            print(evaluator(model))  # {'t2i_dim384_recall@10': ..., 't2i_dim256_recall@10': ..., ...}
    """

    def __init__(
        self,
        evaluator: InformationRetrievalEvaluator,
        dims: Sequence[int] = MATRYOSHKA_DIMS,
        k: int = 10,
        batch_size: int = 32,
    ) -> None:
        super().__init__()
        if not dims or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in dims):
            raise ValueError(f"dims must be a non-empty list of positive integers, got {list(dims)}")
        self.evaluator = evaluator
        self.dims = sorted(set(dims), reverse=True)
        self.k = k
        self.batch_size = batch_size
        self.name = evaluator.name
        self.primary_metric = f"dim{self.dims[-1]}_recall@{k}"

    def sizes(self, dimension: int) -> list[int]:
        """The sizes reported for a model of embedding size ``dimension``."""
        return sorted({d for d in self.dims if d < dimension} | {dimension}, reverse=True)

    def __call__(
        self, model: SentenceTransformer, output_path: str | None = None, epoch: int = -1, steps: int = -1
    ) -> dict[str, float]:
        ev = self.evaluator
        kwargs = {"batch_size": self.batch_size, "convert_to_tensor": True, "show_progress_bar": False}
        with torch.inference_mode():
            queries = model.encode_query(ev.queries, **kwargs).float()
            corpus = model.encode_document(ev.corpus, **kwargs).float()
        relevant = [
            torch.tensor([cid in ev.relevant_docs[qid] for cid in ev.corpus_ids], device=corpus.device)
            for qid in ev.queries_ids
        ]
        relevant = torch.stack(relevant)
        k = min(self.k, len(ev.corpus_ids))
        metrics = {}
        for dim in self.sizes(queries.shape[-1]):
            scores = F.normalize(queries[:, :dim], dim=-1) @ F.normalize(corpus[:, :dim], dim=-1).T
            top = scores.topk(k, dim=-1).indices
            hits = relevant.gather(1, top).sum(dim=-1).float()
            metrics[f"dim{dim}_recall@{self.k}"] = float((hits / relevant.sum(dim=-1).clamp_min(1)).mean())
        metrics = self.prefix_name_to_metrics(metrics, self.name)
        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
        return metrics
