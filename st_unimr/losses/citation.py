"""The BibTeX entry the st-unimr losses report (sentence-transformers puts it in the model card)."""

from __future__ import annotations

__all__ = ["UNIMR_CITATION"]

UNIMR_CITATION = """
@article{unimr2026,
    title = "Unified Multimodal and Multilingual Retrieval via Multi-Task Learning with NLU Integration",
    journal = "arXiv preprint arXiv:2601.14714",
    year = "2026",
}
"""
