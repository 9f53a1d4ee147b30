"""The error-rate script's counting and report, on made-up verdicts (the real run takes minutes)."""

from __future__ import annotations

import json

import pytest

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.gate.gate import REGRESSION, UNCHANGED, PairVerdict
from mobrecon_bench.gate.gate_error_rates import ErrorRates, ModeRates, measure_error_rates, rejudge_samples


def _v(ratio: float, verdict: str) -> PairVerdict:
    return PairVerdict("densestack", 10.0, 10.0 * ratio, ratio, ratio - 0.05, ratio + 0.05, 0.5, verdict)


def test_counts_and_format():
    mode = ModeRates("files", aa=[_v(1.0, UNCHANGED), _v(1.16, REGRESSION)], ab=[_v(1.2, REGRESSION)] * 3)
    assert (mode.false_alarms, mode.detections) == (1, 3)
    text = ErrorRates([("artifact", "x.onnx")], [mode], 12.0).format()
    assert "false alarms 1/2" in text and "flagged 3/3" in text and "artifact: x.onnx" in text
    mode.raw_aa, mode.raw_ab = [_v(1.0, UNCHANGED)] * 2, [_v(1.2, REGRESSION), _v(1.1, UNCHANGED), _v(1.2, REGRESSION)]
    text = ErrorRates([], [mode], 1.0).format()
    assert "judged raw (without the yardstick): false alarms 0/2, flagged 2/3" in text


def test_bad_options_are_refused_before_any_work(tmp_path):
    with pytest.raises(BenchmarkError, match="modes must be among"):
        measure_error_rates(modes=["both"])
    with pytest.raises(BenchmarkError, match="does not exist"):
        measure_error_rates(onnx=tmp_path / "absent.onnx", comparisons=1)


def test_rejudge_saved_samples_normalised_and_raw(tmp_path):
    """Saved files-mode samples: the whole machine 15% slower in the candidate's run is a regression
    raw and none normalised; an entry without yardstick rounds is judged raw either way."""
    from ..synthetic import lognormal_rounds

    base, stick = lognormal_rounds(1, session_sigma=0.005, sigma=0.02), lognormal_rounds(2, median_ms=3.0)
    slow = [[x * 1.15 for x in r] for r in lognormal_rounds(3, session_sigma=0.005, sigma=0.02)]
    slow_stick = [[x * 1.15 for x in r] for r in lognormal_rounds(4, median_ms=3.0)]
    entries = [
        {"kind": "A/A", "baseline": base, "candidate": slow, "baseline_yardstick": stick, "candidate_yardstick": slow_stick},
        {"kind": "A/B", "baseline": base, "candidate": slow},
    ]
    path = tmp_path / "samples.json"
    path.write_text(json.dumps({"setup": {}, "modes": {"files": entries}}), encoding="utf-8")
    (norm,) = rejudge_samples(path, n_boot=300).modes
    (raw,) = rejudge_samples(path, n_boot=300, normalise=False).modes
    assert (norm.false_alarms, raw.false_alarms) == (0, 1)
    assert norm.aa[0].normalised and not norm.ab[0].normalised and norm.detections == raw.detections == 1
    with pytest.raises(BenchmarkError, match="not a samples file"):
        rejudge_samples(tmp_path / "absent.json")
