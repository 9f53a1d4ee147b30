"""Fixtures of the benchmark tests: tiny models made on the fly and synthetic latency samples.

Nothing here needs the MobRecon model or exported artifacts: a small ``nn.Sequential`` and an ONNX
file exported from it stand in for them. Synthetic samples and records are in ``synthetic.py``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest


def _tiny_module():
    from torch import nn

    return nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))


@pytest.fixture(scope="session")
def tiny_torch():
    """(factory, example_inputs) of a tiny MLP: x [1, 16] float32 -> [1, 4]."""
    import torch

    return _tiny_module, (torch.randn(1, 16, generator=torch.Generator().manual_seed(0)),)


@pytest.fixture(scope="session")
def tiny_onnx(tmp_path_factory, tiny_torch) -> Path:
    """ONNX file exported from the tiny MLP (input 'x' [1, 16] float32)."""
    import torch

    factory, inputs = tiny_torch
    path = tmp_path_factory.mktemp("tiny") / "tiny.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(factory().eval(), inputs, str(path), dynamo=False, input_names=["x"], output_names=["y"])
    return path
