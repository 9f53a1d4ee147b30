"""Reports render from records: Markdown with the host labelled, a chart when matplotlib is there."""

from __future__ import annotations

import importlib.util

import pytest

from mobrecon_bench.reports import report as report_module
from mobrecon_bench.gate.gate import compare_results
from mobrecon_bench.reports.report import render_gate_markdown, render_markdown, render_summary, write_report
from mobrecon_bench.results.schema import ComputeFloor
from mobrecon_bench.results.targets import HOST_VERDICT

from ..synthetic import lognormal_rounds, make_record, make_result


@pytest.fixture
def result():
    res = make_result(
        [
            make_record(lognormal_rounds(0, median_ms=14.0)),
            make_record(lognormal_rounds(1, median_ms=11.0), name="ghoststack", variant="ghoststack", threads=2),
            make_record(None, name="densestack_int8", variant="densestack", status="skipped", reason="no int8 kernels"),
        ]
    )
    res.compute_floor = [ComputeFloor("onnxruntime", "1.32.0", 1, 5.1e10, 512, 5)]
    return res


def test_markdown_labels_the_host_and_never_passes_it(result):
    text = render_markdown(result)
    assert "`host-x86_64` (development host, not a phone)" in text
    assert HOST_VERDICT in text
    assert "**pass**" not in text and "**fail**" not in text
    assert "| densestack | densestack | onnxruntime 1.0 | 1 | fp32 | ok |" in text
    assert "skipped: no int8 kernels" in text
    assert "| onnxruntime | 1.32.0 | 1 | 51.0 |" in text
    assert "MobRecon, CVPR 2022, Table 4 (Apple A14 CPU)" in text


def test_markdown_on_the_target_device_gives_verdicts(result):
    result.device.device_class = "apple-a14"
    for rec in result.records:
        rec.accuracy.verdict = "pass"
    text = render_markdown(result)
    assert "**pass**" in text  # 14 ms = 71 FPS >= 67, 11 ms = 91 FPS >= 83
    assert "development host" not in text
    result.records[0].accuracy.verdict = "fail"
    assert "fail (accuracy)" in render_markdown(result)


def test_summary_has_one_line_per_record(result):
    lines = render_summary(result).splitlines()
    assert len(lines) == 1 + len(result.records)
    assert "FPS" in lines[1] and "skipped: no int8 kernels" in lines[3]


def test_gate_markdown(result):
    text = render_gate_markdown(compare_results(result, result))
    assert text.startswith("**Gate:** no regression")
    assert "**unchanged**" in text


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib is not installed")
def test_write_report_with_chart(result, tmp_path):
    files = write_report(result, tmp_path / "out")
    assert files.chart is not None and files.chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![latency and FPS](report.png)" in files.markdown.read_text(encoding="utf-8")


def test_write_report_without_matplotlib(result, tmp_path, monkeypatch):
    real = importlib.util.find_spec
    fake = lambda name, *args: None if name == "matplotlib" else real(name, *args)  # noqa: E731
    monkeypatch.setattr(report_module.importlib.util, "find_spec", fake)
    files = write_report(result, tmp_path)
    assert files.chart is None and "matplotlib is not installed" in files.chart_note
    assert "## Latency" in files.markdown.read_text(encoding="utf-8")
