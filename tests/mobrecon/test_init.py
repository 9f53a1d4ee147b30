"""Seeded, conditioned default weights: deterministic, outputs at a real scale, well conditioned."""

from __future__ import annotations

import copy

import pytest
import torch

from mobrecon import list_models
from mobrecon.info import seeded_model
from mobrecon.init import calibration_images


@pytest.fixture(scope="module", params=list_models())
def model(request, synthetic_topology):
    return seeded_model(request.param, synthetic_topology)


def test_deterministic(model, synthetic_topology):
    again = seeded_model(model.card.name, synthetic_topology)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))


def test_outputs_have_a_real_scale_and_depend_on_the_input(model):
    x = calibration_images(2, generator=torch.Generator().manual_seed(9))
    with torch.no_grad():
        out = model(x)
    assert 0.05 < out["verts"].std().item() < 20
    assert 0.01 < out["uv"].std().item() < 5
    assert (out["verts"][0] - out["verts"][1]).abs().max().item() > 1e-2


def test_float32_rounding_is_not_amplified(model):
    """float32 vs float64 on fresh inputs: millimetres at most (BatchNorm calibrated on noise alone,
    with full-gain residual branches, amplified this to ~0.4 m; the export allows 0.4 mm plus 3x
    the model's measured floor)."""
    x = calibration_images(2, generator=torch.Generator().manual_seed(11))
    m64 = copy.deepcopy(model).double()
    with torch.no_grad():
        out, ref = model(x), m64(x.double())
    assert 200 * (out["verts"].double() - ref["verts"]).abs().max().item() < 2.0
    assert 128 * (out["uv"].double() - ref["uv"]).abs().max().item() < 0.01
