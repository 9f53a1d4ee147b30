"""The error-rate script's counting and report, on made-up verdicts (the real run takes minutes)."""

from __future__ import annotations

import pytest

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.gate import REGRESSION, UNCHANGED, PairVerdict
from mobrecon_bench.gate_error_rates import ErrorRates, ModeRates, measure_error_rates


def _v(ratio: float, verdict: str) -> PairVerdict:
    return PairVerdict("densestack", 10.0, 10.0 * ratio, ratio, ratio - 0.05, ratio + 0.05, 0.5, verdict)


def test_counts_and_format():
    mode = ModeRates("files", aa=[_v(1.0, UNCHANGED), _v(1.16, REGRESSION)], ab=[_v(1.2, REGRESSION)] * 3)
    assert (mode.false_alarms, mode.detections) == (1, 3)
    text = ErrorRates([("artifact", "x.onnx")], [mode], 12.0).format()
    assert "false alarms 1/2" in text and "flagged 3/3" in text and "artifact: x.onnx" in text


def test_bad_options_are_refused_before_any_work(tmp_path):
    with pytest.raises(BenchmarkError, match="modes must be among"):
        measure_error_rates(modes=["both"])
    with pytest.raises(BenchmarkError, match="does not exist"):
        measure_error_rates(onnx=tmp_path / "absent.onnx", comparisons=1)
