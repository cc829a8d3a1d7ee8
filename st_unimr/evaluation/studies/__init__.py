"""One-off studies behind the reports in the repository's ``evaluation/reports/``; each module is a command.

- ``request_nlu``: search-request NLU (slots, intent head vs a linear probe, request vs caption retrieval);
- ``image_route_ablation``: stage-3 image-route recipes re-run from a finished run, on in-domain and real photos;
- ``slot_tagger_ablation``: MLP vs BiGRU slot tagger, argmax vs BIO Viterbi decoding.

Example:
    ::

        python -m st_unimr.evaluation.studies.request_nlu --model unimr=outputs/default/final --output out.json
"""

from __future__ import annotations

__all__: list[str] = []
