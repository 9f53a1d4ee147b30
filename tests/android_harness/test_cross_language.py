"""Kotlin and Python end to end: the Kotlin core reads a bundle made by `mobrecon device bundle` and
writes result files that `mobrecon bench ingest` accepts and judges.

The engine is the harness's expected-outputs replay (it returns the bundle's expected outputs,
optionally moved by a known amount; named so in every record): no model runs, the plumbing does.
"""

from __future__ import annotations

import pytest

from tests.android_harness.conftest import run_replay

pytestmark = pytest.mark.slow


def _replay(host_build, bundle, out, *extra):
    proc = run_replay(host_build, bundle.folder, out, "--rounds", "2", "--time-budget-s", "0.005", "--eps", "cpu", *extra)
    assert proc.returncode == 0, proc.stderr
    return out


def test_ingest_accepts_a_kotlin_written_result_of_a_real_bundle(host_build, default_bundle, tmp_path):
    from mobrecon_bench.devices.ingest import ingest_results

    path = _replay(host_build, default_bundle, tmp_path / "kotlin-result.json")
    outcome = ingest_results([path], default_bundle.folder, tmp_path / "ingested.json")
    (result,) = outcome.results
    assert result.device.device_class == "harness-replay" and result.harness.platform == "android"
    onnx = [r for r in result.records if r.artifact.file.endswith(".fp32.onnx") and r.status == "ok"]
    assert onnx, [(r.artifact.file, r.status, r.reason) for r in result.records]
    for rec in onnx:
        assert rec.accuracy.verdict == "pass" and rec.accuracy.vertex_error_mm_max == pytest.approx(0.0, abs=1e-9)
        assert rec.accuracy.source.startswith("recomputed on host")
    assert not [n for n in outcome.notes if "disagree" in n], outcome.notes  # Kotlin's statistics equal the host's


def test_a_shifted_kotlin_run_is_judged_an_accuracy_failure_of_that_amount(host_build, default_bundle, tmp_path):
    from mobrecon_bench.devices.ingest import ingest_results

    path = _replay(host_build, default_bundle, tmp_path / "kotlin-shifted.json", "--shift-mm", "5")
    (result,) = ingest_results([path], default_bundle.folder, None).results
    for rec in (r for r in result.records if r.status == "ok"):
        assert rec.accuracy.verdict == "fail"
        assert rec.accuracy.vertex_error_mm_max == pytest.approx(5.0, rel=1e-5)
