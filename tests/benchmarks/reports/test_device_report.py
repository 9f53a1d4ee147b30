"""Reports and the gate over many results: one table per device class; different classes never compared."""

from __future__ import annotations

import importlib.util

import pytest
from typer.testing import CliRunner

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.gate.gate import gate_files
from mobrecon_bench.reports.device_report import render_device_markdown, write_device_report
from mobrecon_bench.results.result_set import load_results, merge_results, save_result_set
from mobrecon_bench.results.schema import Harness, IngestInfo

from ..synthetic import lognormal_rounds, make_record, make_result


def _phone(model: str, device_class: str, median_ms: float, accuracy: str = "pass", seed: int = 0):
    rec = make_record(lognormal_rounds(seed, median_ms=median_ms, rounds=3, n=20), name="mobrecon-densestack.onnx")
    rec.accuracy.verdict = accuracy
    result = make_result([rec], device_class=device_class)
    result.device.model_name = model
    result.harness = Harness("synthetic (tests)", "0", "ios")
    result.ingest = IngestInfo("2026-12-01T00:00:00+00:00", f"{model}.json", "0" * 64, "1" * 64, "unclassified",
                               f"{model} rule", [f"note about {model}"])  # fmt: skip
    return result


@pytest.fixture
def farm():
    return [_phone("iPhone13,2", "apple-a14", 12.0), _phone("iPhone13,1", "apple-a14", 13.0, seed=1),
            _phone("SM-S918B", "qualcomm-sm8550", 9.0, accuracy="fail", seed=2)]  # fmt: skip


def test_one_table_per_device_class(farm):
    text = render_device_markdown(farm)
    assert text.count("\n## `") == 2
    a14 = text.split("## `apple-a14`")[1].split("## `")[0]
    assert a14.count("| iPhone13,") == 2 and "67 FPS: **pass**" in a14  # 12-13 ms = 77-83 FPS, accuracy pass
    assert "note about iPhone13,1" in a14
    sm = text.split("## `qualcomm-sm8550`")[1]
    assert "FAIL" in sm and "other device (not comparable)" in sm


def test_a_phone_result_that_was_not_ingested_is_labelled(farm):
    farm[0].ingest = None
    assert "not ingested" in render_device_markdown(farm[:1])


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib is not installed")
def test_charts_per_class(farm, tmp_path):
    files = write_device_report(farm, tmp_path)
    assert set(files.charts) == {"apple-a14", "qualcomm-sm8550"}
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in files.charts.values())
    assert "report-apple-a14.png" in files.markdown.read_text()


def test_cli_report_of_a_result_set(farm, tmp_path):
    from mobrecon.cli import app

    path = save_result_set(farm, tmp_path / "ingested.json")
    run = CliRunner().invoke(app, ["bench", "report", str(path), "--out", str(tmp_path / "rep")])
    assert run.exit_code == 0, run.output
    assert "## `qualcomm-sm8550`" in (tmp_path / "rep" / "report.md").read_text()


def test_merge_pools_rounds_of_one_class(farm):
    merged = merge_results(farm[:2])
    (rec,) = merged.records
    assert len(rec.latency_ms_samples) == 6 and 12.0 < rec.median_ms < 13.0
    with pytest.raises(BenchmarkError, match="device classes"):
        merge_results(farm)


def test_the_gate_refuses_other_classes_and_asks_for_one_class(farm, tmp_path):
    both = save_result_set(farm, tmp_path / "both.json")
    a14 = save_result_set(farm[:2], tmp_path / "a14.json")
    sm = save_result_set(farm[2:], tmp_path / "sm.json")
    with pytest.raises(BenchmarkError, match="choose one with --device-class"):
        gate_files(both, a14)
    assert gate_files(both, a14, device_class="apple-a14").exit_code == 0
    with pytest.raises(BenchmarkError, match="different device classes are not comparable"):
        gate_files(a14, sm)
    assert len(load_results(tmp_path)) == 6  # a folder of result sets reads as all their results
