"""Host description and compute floor (tiny sizes; no timing assertions)."""

from __future__ import annotations

import os

import pytest

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.running.host import describe_host, measure_compute_floor, tool_versions


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


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc/self/clear_refs")
def test_peak_reset_sees_a_session_sized_allocation():
    """A 64 MiB buffer allocated and freed after a reset shows in the high-water mark, not in the RSS."""
    import numpy as np

    from mobrecon_bench.running.memory import current_rss_mib, peak_rss_mib, release_free_memory, reset_peak

    release_free_memory()
    assert reset_peak()
    before = current_rss_mib()
    buf = np.ones(64 * 1024 * 1024 // 8)  # touched pages: resident
    del buf
    release_free_memory()
    assert peak_rss_mib() - before >= 60  # the transient peak is seen
    assert current_rss_mib() - before < 30  # and it was given back
