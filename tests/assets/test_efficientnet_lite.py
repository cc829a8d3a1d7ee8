from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from st_unimr.modules.efficientnet_lite import EfficientNetLite, _Conv2dSame


def tiny(**kwargs) -> EfficientNetLite:
    torch.manual_seed(0)
    return EfficientNetLite("lite0", width_coefficient=0.25, depth_coefficient=0.25, num_classes=10, **kwargs).eval()


def test_tiny_variant_shapes():
    model = tiny()
    x = torch.randn(2, 3, 32, 32)
    assert model(x).shape == (2, 10)
    assert model.forward_features(x).shape == (2, model.num_features)
    assert model.classifier.out_features == 10
    assert model.image_size == 224
    # One block per stage: the first and last stages are never scaled, the others round 0.25 * repeats up to 1.
    assert len(model.blocks) == 7


@pytest.mark.parametrize("size", [(1, 1), (17, 45), (32, 32), (33, 31), (64, 20)])
def test_any_input_size(size):
    model = tiny()
    with torch.no_grad():
        out = model.forward_features(torch.randn(1, 3, *size))
    assert out.shape == (1, model.num_features)
    assert torch.isfinite(out).all()


def test_forward_is_classifier_of_features_in_eval():
    model = tiny()
    x = torch.randn(3, 3, 40, 40)
    with torch.no_grad():
        assert torch.allclose(model(x), model.classifier(model.forward_features(x)), atol=1e-6)


@pytest.mark.parametrize(
    ("variant", "params", "blocks", "size"),
    [("lite0", 4_652_008, 16, 224), ("lite1", None, None, 240), ("lite2", 6_092_072, 21, 260)],
)
def test_real_variants_architecture(variant, params, blocks, size):
    model = EfficientNetLite(variant)
    assert model.num_features == 1280
    assert model.image_size == size
    if params is not None:
        assert sum(p.numel() for p in model.parameters()) == params
        assert len(model.blocks) == blocks


def test_unknown_variant():
    with pytest.raises(ValueError, match="lite9"):
        EfficientNetLite("lite9")


@pytest.mark.parametrize(("size", "kernel", "stride"), [(7, 3, 2), (8, 3, 2), (9, 5, 2), (10, 5, 1), (5, 3, 1)])
def test_same_padding_matches_tensorflow_rule(size, kernel, stride):
    torch.manual_seed(0)
    conv = _Conv2dSame(2, 3, kernel, stride=stride)
    x = torch.randn(1, 2, size, size)
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    before, after = total // 2, total - total // 2
    expected = F.conv2d(F.pad(x, [before, after, before, after]), conv.weight, stride=stride)
    out = conv(x)
    assert out.shape[-1] == math.ceil(size / stride)
    assert torch.allclose(out, expected, atol=1e-6)


def _random_reference_state_dict(model: EfficientNetLite) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    ref = {}
    for key, value in model.state_dict().items():
        if value.dtype.is_floating_point:
            ref[model.reference_key(key)] = torch.rand(value.shape, generator=generator) + 0.1
        else:
            ref[model.reference_key(key)] = torch.full_like(value, 7)
    return ref


def test_reference_key_names():
    key = EfficientNetLite.reference_key
    assert key("stem_conv.weight") == "_conv_stem.weight"
    assert key("stem_bn.running_var") == "_bn0.running_var"
    assert key("blocks.0.depthwise_conv.weight") == "_blocks.0._depthwise_conv.weight"
    assert key("blocks.3.expand_bn.bias") == "_blocks.3._bn0.bias"
    assert key("blocks.3.depthwise_bn.weight") == "_blocks.3._bn1.weight"
    assert key("blocks.3.project_bn.num_batches_tracked") == "_blocks.3._bn2.num_batches_tracked"
    assert key("head_conv.weight") == "_conv_head.weight"
    assert key("head_bn.running_mean") == "_bn1.running_mean"
    assert key("classifier.weight") == "_fc.weight"


def test_load_reference_state_dict_maps_every_tensor():
    model = tiny()
    ref = _random_reference_state_dict(model)
    model.load_reference_state_dict(ref)
    for key, value in model.state_dict().items():
        assert torch.equal(value, ref[model.reference_key(key)]), key


def test_load_reference_state_dict_rejects_mismatches():
    model = tiny()
    ref = _random_reference_state_dict(model)
    missing = dict(ref)
    missing.pop("_fc.bias")
    with pytest.raises(ValueError, match="_fc.bias"):
        model.load_reference_state_dict(missing)
    extra = dict(ref, **{"_blocks.99._bn0.weight": torch.zeros(1)})
    with pytest.raises(ValueError, match="unexpected"):
        model.load_reference_state_dict(extra)
    wrong = dict(ref, **{"_fc.weight": torch.zeros(3, 3)})
    with pytest.raises(ValueError, match="Shape mismatch"):
        model.load_reference_state_dict(wrong)


def test_stochastic_depth_only_in_training():
    model = tiny(drop_connect_rate=0.9)
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        a, b = model.forward_features(x), model.forward_features(x)
    assert torch.equal(a, b)
    model.train()
    model(x).sum().backward()
    assert model.blocks[-1].project_conv.weight.grad is not None


def test_save_and_load_weights(tmp_path):
    from safetensors.torch import save_file

    model = tiny()
    path = tmp_path / "w.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    other = EfficientNetLite("lite0", width_coefficient=0.25, depth_coefficient=0.25, num_classes=10).eval()
    other.load_weights(path)
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(model(x), other(x))
