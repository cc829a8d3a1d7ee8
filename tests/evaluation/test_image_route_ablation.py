from __future__ import annotations

import pytest

from st_unimr.evaluation.studies.image_route_ablation import VARIANTS
from st_unimr.training.config import CONFIG_DIR, load_config


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_is_a_valid_config(name):
    # A typo in a variant's key would only surface minutes into its stage-3 run.
    config = load_config(CONFIG_DIR / "default.yaml", VARIANTS[name])
    assert config.model.content_gate in ("always", "search")


def test_the_weight_interpolation_variants_set_it():
    config = load_config(CONFIG_DIR / "default.yaml", VARIANTS["wise-0.5-head-fit"])
    assert config.stage3.weight_interpolation == 0.5 and config.stage3.image_head_requests
