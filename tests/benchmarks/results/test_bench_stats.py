"""Statistics on synthetic samples with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mobrecon_bench.results.stats import (
    TRIM_FRACTION,
    bootstrap_ratio_ci,
    fps_from_median,
    mad,
    mann_whitney,
    round_spread_pct,
    summarize,
    trimmed_mean,
)

from ..synthetic import lognormal_rounds


def test_summary_of_one_to_ten():
    s = summarize([[float(v) for v in range(1, 11)]])
    assert s.n_samples == 10
    assert s.median_ms == 5.5
    assert s.p10_ms == pytest.approx(1.9)  # linear interpolation: 1 + 0.9 * (2 - 1)
    assert s.p90_ms == pytest.approx(9.1)
    assert s.trimmed_mean_ms == pytest.approx(5.5)  # mean of 2..9
    assert s.mad_ms == pytest.approx(2.5)  # |x - 5.5| = 0.5, 0.5, 1.5, 1.5, ... -> median 2.5
    assert s.fps == pytest.approx(1000.0 / 5.5)
    assert s.round_median_ms == [5.5]
    assert s.round_spread_pct == 0.0


def test_trimmed_mean_cuts_each_tail():
    assert TRIM_FRACTION == 0.1
    assert trimmed_mean([1.0] * 9 + [1000.0]) == 1.0  # floor(0.1 * 10) = 1 cut at each end
    assert trimmed_mean([1.0, 2.0, 3.0], fraction=0.0) == 2.0
    with pytest.raises(ValueError):
        trimmed_mean([1.0], fraction=0.5)


def test_mad_and_fps():
    assert mad([1.0, 1.0, 1.0, 100.0]) == 0.0
    assert fps_from_median(12.5) == 80.0


def test_round_spread_between_sessions():
    rounds = [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    assert summarize(rounds).round_median_ms == [1.0, 2.0]
    assert round_spread_pct(rounds) == pytest.approx(100.0 / 1.5)


@pytest.mark.parametrize("bad", [[], [[]], [[1.0, -2.0]], [[1.0, float("nan")]]])
def test_summary_rejects_bad_samples(bad):
    with pytest.raises(ValueError):
        summarize(bad)


def test_bootstrap_constant_samples_give_exact_ratio():
    ci = bootstrap_ratio_ci([[2.0] * 10] * 3, [[3.0] * 10] * 3, n_boot=200)
    assert (ci.ratio, ci.lower, ci.upper) == (1.5, 1.5, 1.5)


def test_bootstrap_is_deterministic_and_covers_the_true_ratio():
    base, cand = lognormal_rounds(1), lognormal_rounds(2, factor=1.3)
    first = bootstrap_ratio_ci(base, cand, seed=7, n_boot=500)
    again = bootstrap_ratio_ci(base, cand, seed=7, n_boot=500)
    other = bootstrap_ratio_ci(base, cand, seed=8, n_boot=500)
    assert first == again
    assert (first.lower, first.upper) != (other.lower, other.upper)
    assert first.lower < 1.3 < first.upper
    assert first.lower < first.ratio < first.upper


def test_bootstrap_keeps_session_spread():
    """Rounds that differ from each other widen the interval beyond what pooled samples suggest."""
    calm = bootstrap_ratio_ci(lognormal_rounds(1, session_sigma=0.0), lognormal_rounds(2, session_sigma=0.0))
    shaky = bootstrap_ratio_ci(lognormal_rounds(1, session_sigma=0.1), lognormal_rounds(2, session_sigma=0.1))
    assert shaky.upper / shaky.lower > calm.upper / calm.lower


def test_paired_bootstrap_needs_equal_rounds():
    with pytest.raises(ValueError, match="same number of rounds"):
        bootstrap_ratio_ci([[1.0]] * 3, [[1.0]] * 2, paired=True)
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ratio_ci([[1.0]], [[1.0]], confidence=0.4)


def test_mann_whitney_known_values():
    # All candidate samples above all baseline samples: U = 9 of 9, z = (9 - 4.5 - 0.5) / sqrt(5.25).
    test = mann_whitney([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert test.u == 9.0
    assert test.prob_superiority == 1.0
    assert test.z == pytest.approx(4.0 / math.sqrt(5.25))
    assert test.p_value == pytest.approx(0.5 * math.erfc(test.z / math.sqrt(2.0)))
    assert test.p_value == pytest.approx(0.0404, abs=1e-4)
    assert mann_whitney([1.0, 2.0, 3.0], [4.0, 5.0, 6.0], alternative="less").p_value > 0.95


def test_mann_whitney_ties_and_identical_samples():
    assert mann_whitney([1.0] * 5, [1.0] * 5).p_value == 1.0
    both = mann_whitney([1.0, 2.0, 2.0, 3.0], [1.0, 2.0, 2.0, 3.0], alternative="two-sided")
    assert both.prob_superiority == 0.5
    assert both.p_value == pytest.approx(1.0)


def test_mann_whitney_detects_a_shift():
    rng = np.random.default_rng(0)
    base, cand = rng.lognormal(0.0, 0.1, 200), rng.lognormal(0.2, 0.1, 200)
    assert mann_whitney(base, cand).p_value < 1e-6
    assert mann_whitney(cand, base).p_value > 0.99
