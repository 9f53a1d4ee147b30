"""In-run targets and the GhostStack / DenseStack ratio, on synthetic records (no timing asserted)."""

from __future__ import annotations

import pytest

from mobrecon_bench.reports.report import render_markdown
from mobrecon_bench.reports.report_sections import render_text_table
from mobrecon_bench.results.run_targets import MET, MISSED, NO_RESULT, RUN_TARGETS, judge_run_targets, variant_speed_ratios
from mobrecon_bench.results.schema import ComputeFloor, Cost

from ..synthetic import lognormal_rounds, make_record, make_result


def _rec(median_ms, *, variant="densestack", form="deploy", name=None, threads=1, seed=0, mult_adds=440_000_000):
    stem = f"mobrecon-{variant}"
    name = name or {"deploy": f"{stem}.onnx", "naive-export": f"{stem}.naive.onnx"}[form]
    rec = make_record(lognormal_rounds(seed, median_ms=median_ms, sigma=0.02, session_sigma=0.005), name=name,
                      variant=variant, threads=threads)  # fmt: skip
    rec.artifact.form = form
    achieved = mult_adds / (rec.median_ms / 1000.0)
    rec.cost = Cost(mult_adds=mult_adds, achieved_mult_adds_per_s=achieved, compute_floor_fraction=achieved / 55e9)
    return rec


def _result(deploy_ms: float, naive_ms: float):
    res = make_result([_rec(deploy_ms, seed=1), _rec(naive_ms, form="naive-export", seed=2),
                       _rec(deploy_ms * 0.8, variant="ghoststack", seed=3, mult_adds=122_000_000),
                       _rec(naive_ms * 0.8, variant="ghoststack", form="naive-export", seed=4, mult_adds=122_000_000)])  # fmt: skip
    res.compute_floor = [ComputeFloor("onnxruntime", "1.0", 1, 55e9, 512, 5)]
    return res


def test_targets_are_data_for_densestack_at_one_thread():
    assert {t.key for t in RUN_TARGETS} == {"densestack-deploy-vs-naive-onnx", "densestack-deploy-floor-fraction"}
    assert all(t.threads == 1 for t in RUN_TARGETS)


@pytest.mark.parametrize("deploy_ms, naive_ms, speedup_verdict, floor_verdict", [
    (10.0, 16.0, MET, MET),        # 1.6x; 440 M in 10 ms = 44 GMAC/s = 80% of 55
    (14.0, 16.0, MISSED, MISSED),  # 1.14x; 31 GMAC/s = 57%
])  # fmt: skip
def test_verdicts_follow_the_ratio_and_the_floor(deploy_ms, naive_ms, speedup_verdict, floor_verdict):
    speedup, floor = judge_run_targets(_result(deploy_ms, naive_ms))
    assert speedup.verdict == speedup_verdict and floor.verdict == floor_verdict
    assert speedup.value == pytest.approx(naive_ms / deploy_ms, rel=0.05)
    assert speedup.ci_low <= speedup.value <= speedup.ci_high
    assert floor.ci_low is None and 0 < floor.value < 1


def test_missing_records_give_no_result():
    res = _result(10.0, 16.0)
    res.records = [r for r in res.records if r.artifact.form != "naive-export"]
    speedup, floor = judge_run_targets(res)
    assert speedup.verdict == NO_RESULT and floor.verdict == MET


def test_ghost_dense_ratio_pairs_records_by_name():
    ratios = variant_speed_ratios(_result(10.0, 16.0))
    assert [r.label for r in ratios] == ["onnx onnxruntime fp32 x1", "naive.onnx onnxruntime fp32 x1"]
    assert ratios[0].ratio == pytest.approx(1.25, rel=0.05)
    assert ratios[0].paper_ratio == pytest.approx(83 / 67)


def test_reports_show_in_run_targets_without_calling_the_host_a_pass():
    res = _result(10.0, 16.0)
    text = render_markdown(res)
    assert "## In-run targets" in text and f"**{MET}**" in text and "**pass**" not in text
    assert "## GhostStack / DenseStack speed" in text and "| 1.24 |" in text
    table = render_text_table(res)
    assert "in-run targets:" in table and "MET" in table
    assert "67 FPS on apple-a14: host (not comparable)" in table
