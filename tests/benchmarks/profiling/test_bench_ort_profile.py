"""ORT profile parsing and multiply-add counting on a synthetic trace; one short real profile."""

from __future__ import annotations

import pytest

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.profiling.ort_profile import OrtProfile, node_mult_adds, parse_profile, profile_onnx, render_profiles


def _node(name, op, ts, dur, ins, out):
    return {"cat": "Node", "name": f"{name}_kernel_time", "ts": ts, "dur": dur,
            "args": {"op_name": op, "input_type_shape": [{"float": s} for s in ins], "output_type_shape": [{"float": out}]}}  # fmt: skip


def _trace():
    """Two runs of a two-node graph; the first is warm-up. Times in microseconds."""
    events = []
    for run, t0 in enumerate((0, 1000)):
        events.append({"cat": "Session", "name": "model_run", "ts": t0, "dur": 500 + 100 * run})
        events.append(_node("/model/encoder/conv", "Conv", t0 + 1, 300 + 100 * run, [[1, 8, 4, 4], [16, 8, 1, 1]], [1, 16, 4, 4]))
        events.append(_node("/model/decoder/Gather", "Gather", t0 + 2, 50, [[1, 10, 4]], [1, 30, 4]))
    return events


def test_parse_keeps_only_the_last_runs():
    run_ms, nodes = parse_profile(_trace(), iterations=1)
    assert run_ms == pytest.approx(0.6)
    conv, gather = nodes
    assert (conv.op_type, conv.mean_us, conv.mult_adds, conv.kind) == ("Conv", 400.0, 16 * 4 * 4 * 8, "Conv pointwise 1x1")
    assert (gather.mult_adds, gather.kind) == (0, "Gather")
    with pytest.raises(BenchmarkError, match="fewer than"):
        parse_profile(_trace(), iterations=3)


@pytest.mark.parametrize("op, ins, out, macs, kind", [
    ("Conv", [[1, 32, 8, 8], [32, 1, 3, 3]], [1, 32, 8, 8], 32 * 64 * 9, "Conv depthwise 3x3"),
    ("FusedConv", [[1, 3, 8, 8], [16, 3, 3, 3]], [1, 16, 4, 4], 16 * 16 * 27, "FusedConv dense 3x3"),
    ("Conv", [[1, 32, 8, 8], [32, 8, 3, 3]], [1, 32, 8, 8], 32 * 64 * 72, "Conv grouped 3x3"),
    ("MatMul", [[1, 100, 64], [64, 32]], [1, 100, 32], 100 * 32 * 64, "MatMul"),
    ("Gemm", [[1, 256], [64, 256]], [1, 64], 64 * 256, "Gemm"),
    ("Relu", [[1, 4]], [1, 4], 0, "Relu"),
])  # fmt: skip
def test_mult_adds_by_kind(op, ins, out, macs, kind):
    assert node_mult_adds(op, [tuple(s) for s in ins], tuple(out)) == (macs, kind)


def test_grouping_and_markdown():
    run_ms, nodes = parse_profile(_trace(), iterations=2)
    prof = OrtProfile("m.onnx", 1, 2, run_ms, "1.0", nodes)
    kinds = prof.by_kind()
    assert kinds[0].kind == "Conv pointwise 1x1" and kinds[0].share == pytest.approx(350 / 400)
    assert [s for s, _, _ in prof.by_scope(2)] == ["model/encoder", "model/decoder"]
    text = render_profiles([prof], floor_mult_adds_per_s=1e9)
    assert "| Conv pointwise 1x1 | 1 | 0.350 |" in text and "`/model/decoder/Gather`" in text


def test_real_profile_of_a_tiny_model(tiny_onnx):
    prof = profile_onnx(tiny_onnx, threads=1, iterations=3, warmup=1)
    assert prof.iterations == 3 and prof.run_ms > 0 and prof.nodes
    assert prof.mult_adds == 16 * 32 + 32 * 4  # the two Linear layers (Gemm)


def test_profile_report_budget_and_side_by_side():
    from mobrecon_bench.profiling.profiling import ProfileReport, VariantProfile

    run_ms, nodes = parse_profile(_trace(), iterations=2)
    deploy = OrtProfile("deploy.onnx", 1, 2, run_ms, "1.0", nodes)
    naive = OrtProfile("naive.onnx", 1, 2, 2 * run_ms, "1.0", nodes[:1])
    report = ProfileReport([VariantProfile("densestack", deploy, naive, 1_000_000)], 1e9, 1, 1.5, 0.6)
    text = report.format()
    assert "speedup 2.00x" in text and "at the floor: 1.00 ms" in text
    assert "| Gather | 0.000 | 0.050 | +0.050 |" in text  # only in the deploy profile
    assert "### deploy.onnx" in text and "### naive.onnx" in text
