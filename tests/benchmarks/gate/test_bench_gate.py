"""Regression gate on synthetic samples: no alarm on noise, an alarm on a real slowdown."""

from __future__ import annotations

import pytest

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.gate.gate import (
    FASTER,
    NOT_COMPARABLE,
    REGRESSION,
    compare_results,
    gate_files,
    judge_samples,
    parse_slowdown,
)
from mobrecon_bench.results.schema import save_result

from ..synthetic import lognormal_rounds, make_record, make_result

#: Bootstrap replicates in the many-seed loops (fewer than the default 2000, to keep tests fast).
FAST_BOOT = 1000


def _judge(base_seed: int, cand_seed: int, max_slowdown: float = 0.10, **cand) -> str:
    base, cand_rounds = lognormal_rounds(base_seed), lognormal_rounds(cand_seed, **cand)
    return judge_samples(base, cand_rounds, max_slowdown=max_slowdown, n_boot=FAST_BOOT, seed=base_seed).verdict


def test_identical_distributions_raise_no_alarm():
    assert _judge(1, 2) != REGRESSION


def test_twenty_percent_slower_is_a_regression():
    assert _judge(1, 2, factor=1.2) == REGRESSION


def test_faster_candidate_is_called_faster():
    assert _judge(1, 2, factor=0.8) == FASTER


def test_heavy_tailed_outliers_raise_no_alarm():
    """5% of candidate samples 2-10x slower (scheduler hiccups), same typical latency: not a regression."""
    assert _judge(1, 2, outlier_rate=0.05, sigma=0.25) != REGRESSION


def test_false_alarm_rate_over_fifty_a_a_comparisons():
    """A/A: both sides from one distribution with session effects; at most 1 alarm in 50."""
    alarms = sum(_judge(2 * s, 2 * s + 1) == REGRESSION for s in range(50))
    assert alarms <= 1


def test_false_alarm_rate_with_outliers_and_shaky_sessions():
    alarms = sum(_judge(2 * s, 2 * s + 1, outlier_rate=0.05, session_sigma=0.06) == REGRESSION for s in range(50))
    assert alarms <= 1


def test_detection_rate_of_a_twenty_percent_slowdown():
    detected = sum(_judge(2 * s, 2 * s + 1, factor=1.2) == REGRESSION for s in range(50))
    assert detected >= 48


def test_noisy_pair_says_it_could_miss_a_regression():
    verdict = judge_samples(
        lognormal_rounds(1, session_sigma=0.3), lognormal_rounds(2, session_sigma=0.3), max_slowdown=0.1, n_boot=500
    )
    assert verdict.note is not None and verdict.note.startswith("noisy")


@pytest.mark.parametrize("text, value", [("10%", 0.10), ("2.5 %", 0.025), ("0.1", 0.1), (0.05, 0.05), ("0", 0.0)])
def test_parse_slowdown(text, value):
    assert parse_slowdown(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["10", "ten", "-5%", "", "10%%"])
def test_parse_slowdown_rejects(text):
    with pytest.raises(BenchmarkError):
        parse_slowdown(text)


def test_compare_results_matches_records_and_sets_exit_codes():
    base = make_result([make_record(lognormal_rounds(1), threads=t) for t in (1, 2)])
    same = make_result([make_record(lognormal_rounds(2), threads=t) for t in (1, 2)])
    slow = make_result(
        [make_record(lognormal_rounds(3), threads=1), make_record(lognormal_rounds(4, factor=1.3), threads=2)]
    )
    assert compare_results(base, same).exit_code == 0
    outcome = compare_results(base, slow)
    assert outcome.exit_code == 1
    assert [p.verdict == REGRESSION for p in outcome.pairs] == [False, True]
    assert "densestack onnxruntime fp32 x2" in outcome.summary


def test_unmatched_records_are_unusable():
    base = make_result([make_record(lognormal_rounds(1), runtime="onnxruntime")])
    other = make_result([make_record(lognormal_rounds(2), runtime="torch")])
    outcome = compare_results(base, other)
    assert outcome.exit_code == 2
    assert outcome.pairs == []
    assert "no candidate record matches" in outcome.notes[0]


def test_candidate_that_stopped_working_is_unusable():
    base = make_result([make_record(lognormal_rounds(1))])
    broken = make_result([make_record(None, status="export_failed", reason="converter crashed")])
    outcome = compare_results(base, broken)
    assert outcome.exit_code == 2
    assert outcome.pairs[0].verdict == NOT_COMPARABLE
    assert "converter crashed" in outcome.pairs[0].note


def test_different_machines_of_one_class_are_noted_and_different_classes_refused():
    base = make_result([make_record(lognormal_rounds(1))])
    cand = make_result([make_record(lognormal_rounds(2))])
    cand.device.cpu_model = "Other CPU"
    assert any("ran on" in n and "both host-x86_64" in n for n in compare_results(base, cand).notes)
    other = make_result([make_record(lognormal_rounds(2))], device_class="host-arm64")
    with pytest.raises(BenchmarkError, match="different device classes are not comparable"):
        compare_results(base, other)


def test_duplicate_keys_are_refused():
    doubled = make_result([make_record(lognormal_rounds(1)), make_record(lognormal_rounds(2))])
    with pytest.raises(BenchmarkError, match="two records"):
        compare_results(doubled, doubled)


def test_gate_files(tmp_path):
    base = save_result(make_result([make_record(lognormal_rounds(1))]), tmp_path / "base.json")
    cand = save_result(make_result([make_record(lognormal_rounds(2, factor=1.5))]), tmp_path / "cand.json")
    assert gate_files(base, cand, max_slowdown=0.1).exit_code == 1
    assert gate_files(base, cand, max_slowdown=1.0).exit_code == 0
    with pytest.raises(BenchmarkError, match="does not exist"):
        gate_files(base, tmp_path / "absent.json")
