"""Host description and compute floor (tiny sizes; no timing assertions)."""

from __future__ import annotations

import pytest

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.host import describe_host, measure_compute_floor, tool_versions


def test_describe_host():
    device = describe_host()
    assert device.device_class.startswith("host-")
    assert device.logical_cores >= 1 and device.cpu_model
    assert "python" in tool_versions()


def test_compute_floor_through_both_runtimes():
    floors = measure_compute_floor(threads=[1], matrix_size=32, runs=2, run_seconds=0.005)
    assert {f.runtime for f in floors} == {"torch", "onnxruntime"}
    assert all(f.threads == 1 and f.mult_adds_per_s > 0 and f.matrix_size == 32 for f in floors)


def test_compute_floor_rejects_unknown_runtime():
    with pytest.raises(BenchmarkError, match="no compute-floor probe"):
        measure_compute_floor(runtimes=["tensorflow"])
