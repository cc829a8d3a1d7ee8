from __future__ import annotations

import json

import pytest
import torch
from torch import nn

import st_unimr
from st_unimr.training.config import CONFIG_DIR
from st_unimr.training.trainable import _text_transformer
from st_unimr.training.weight_interpolation import interpolate_weights, snapshot_weights
from tests.training.conftest import run_train

QUICK = str(CONFIG_DIR / "quick.yaml")


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))


@pytest.mark.parametrize("weight", [0.0, 0.25, 1.0])
def test_interpolation_keeps_the_given_fraction_of_the_change(weight):
    model = _model()
    start = snapshot_weights(model)
    with torch.no_grad():
        model[0].weight.add_(1.0)
    end = model[0].weight.detach().clone()
    changed = interpolate_weights(model, start, weight)
    assert changed == 1
    expected = start["0.weight"] + weight * (end - start["0.weight"])
    torch.testing.assert_close(model[0].weight.detach(), expected)
    # Parameters the stage left alone stay exactly as they were.
    assert torch.equal(model[1].weight.detach(), start["1.weight"])


def test_snapshot_is_a_copy_and_bad_weights_are_refused():
    model = _model()
    start = snapshot_weights(model)
    with torch.no_grad():
        model[0].bias.add_(2.0)
    assert not torch.equal(start["0.bias"], model[0].bias.detach())
    with pytest.raises(ValueError, match="weight must be in"):
        interpolate_weights(model, start, 1.5)
    start["0.bias"] = torch.zeros(7)
    with pytest.raises(ValueError, match="parameter 0.bias"):
        interpolate_weights(model, start, 0.5)


def test_stage3_weight_interpolation_zero_restores_the_stage2_encoder(fixture_home, tmp_path):
    out = tmp_path / "run"
    options = ["--set", "stage3.weight_interpolation=0", "--set", "stage3.trainable_layers=2"]
    result = run_train(fixture_home, "--config", QUICK, "--output-dir", str(out), *options)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metrics = json.loads((out / "training_metrics.json").read_text())
    assert metrics["stages"]["stage3"]["weight_interpolation"]["weight"] == 0
    assert metrics["stages"]["stage3"]["weight_interpolation"]["parameters_changed"] > 0
    stage2 = _text_transformer(st_unimr.load(str(out / "stage2" / "model"))).state_dict()
    final = _text_transformer(st_unimr.load(str(out / "final"))).state_dict()
    for name, value in stage2.items():
        torch.testing.assert_close(final[name], value, msg=name)
