from __future__ import annotations

from st_unimr.mteb.task_metadata import unimr_task_metadata
from st_unimr.mteb.text_to_image_retrieval import UniMRTextToImageRetrieval

__all__ = ["UniMRStyleShiftRetrieval"]


class UniMRStyleShiftRetrieval(UniMRTextToImageRetrieval):
    """Text→image retrieval under a style shift: CLDR emoji names retrieve OpenMoji drawings (``style_shift`` test).

    Training sees Noto emoji; OpenMoji draws the same concepts in another style. Same protocol as
    :class:`UniMRTextToImageRetrieval`; languages need at least 12 names (the split has ~190 concepts, and most
    languages name 12-20 of them).

    Example:
        ::

            from st_unimr.mteb import UniMRStyleShiftRetrieval

            task = UniMRStyleShiftRetrieval(max_langs=10)
    """

    source_dataset = "style_shift"
    default_min_queries = 12
    metadata = unimr_task_metadata(
        "UniMRStyleShiftRetrieval",
        "Multilingual emoji-name-to-image retrieval on OpenMoji drawings, a style unseen in training (Noto emoji); "
        "one subset per language, relevance by concept.",
        "style_shift",
        type="Any2AnyRetrieval",
        category="t2i",
        modalities=["text", "image"],
        main_score="recall_at_10",
    )
