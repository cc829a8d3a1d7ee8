from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from st_unimr.modules.module_lookup import find_image_encoder
from st_unimr.training.image_head_fit import fit_image_head, train_image_head


def _images(seed: int, count: int, low: int = 0, high: int = 256) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(low, high, (24, 24, 3), dtype=np.uint8)) for _ in range(count)]


def _cached(images: int, dim: int = 16, features: int = 24, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    text = F.normalize(torch.randn(images, dim, generator=generator), dim=-1)
    pooled = torch.randn(images, features, generator=generator)
    return text, pooled, torch.zeros(images, dim)


def _head(features: int = 24, dim: int = 16):
    # What train_image_head reads of an ImageEncoder: its linear path, and a domain gate that is open everywhere.
    linear = torch.nn.Linear(features, dim)
    torch.nn.init.zeros_(linear.weight)
    torch.nn.init.zeros_(linear.bias)
    return SimpleNamespace(linear=linear, domain_gate=lambda pooled: pooled.new_ones(len(pooled)))


def _recall_at_1(head, text, pooled, constant) -> float:
    with torch.no_grad():
        images = F.normalize(head.linear(pooled) + constant, dim=-1)
    return float(((text @ images.T).argmax(-1) == torch.arange(len(text))).float().mean())


def test_the_loop_learns_which_caption_goes_with_which_image():
    text, pooled, constant = _cached(16)
    head = _head()
    assert _recall_at_1(head, text, pooled, constant) < 0.3
    steps, loss = train_image_head(head, text, pooled, constant, torch.arange(16), epochs=200, learning_rate=3e-2)
    assert steps == 200 and loss < 1.0  # ln(16) = 2.77 at the start
    assert _recall_at_1(head, text, pooled, constant) >= 0.8


def test_rows_of_one_group_are_not_each_others_negatives():
    # One caption for two different images: as each other's negatives the two rows cannot both win (loss >= ln 2);
    # in one group both images are positives and the loss falls toward zero.
    text, pooled, constant = _cached(8)
    text = text.repeat_interleave(2, dim=0)
    pooled = torch.cat([pooled, torch.randn(8, 24, generator=torch.Generator().manual_seed(1))])
    constant = torch.zeros(16, 16)
    image_of_row = torch.arange(16)
    groups = torch.arange(8).repeat_interleave(2)
    kwargs = {"epochs": 200, "learning_rate": 3e-2, "batch_size": 16}
    _, apart = train_image_head(_head(), text, pooled, constant, image_of_row, **kwargs)
    _, grouped = train_image_head(_head(), text, pooled, constant, image_of_row, groups, **kwargs)
    assert apart > 0.69 > 0.4 > grouped


def test_fit_trains_only_the_linear_path_and_gates_on_the_distinct_images(tiny_unimr_factory):
    model = tiny_unimr_factory()
    encoder = find_image_encoder(model)
    encoder.linear.requires_grad_(False)  # as stage 3 leaves it with stage3.image_linear: false
    before = {name: value.clone() for name, value in model.state_dict().items()}
    images = _images(0, 6)
    captions = ["dog red", "cat blue", "beach rain", "bicycle music", "dog rain", "cat music"]
    report = fit_image_head(model, captions * 2, images * 2, epochs=3, learning_rate=1e-2, batch_size=4)
    assert report["rows"] == 12 and report["images"] == 6 and report["steps"] == 9  # repeats encoded once
    assert report["domain_gate"]["bank"] == 6 == encoder.domain_gate_size
    after = model.state_dict()
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    assert changed and all(name.endswith(("image.0.linear.weight", "image.0.linear.bias")) for name in changed)
    assert not encoder.linear.weight.requires_grad  # left as it was found


def test_fit_of_a_linear_projection_has_no_gate(tiny_unimr_factory):
    model = tiny_unimr_factory(image_projection="linear")
    report = fit_image_head(model, ["dog red", "cat blue", "beach rain"], _images(3, 3), epochs=1)
    assert report["domain_gate"] is None and find_image_encoder(model).domain_gate_size == 0


def test_fit_rejects_mismatched_or_empty_rows(tiny_unimr_factory):
    model = tiny_unimr_factory()
    with pytest.raises(ValueError, match="3 captions, 2 images"):
        fit_image_head(model, ["a", "b", "c"], _images(0, 2))
    with pytest.raises(ValueError, match="no rows"):
        fit_image_head(model, [], [])
