"""Latency statistics: robust summaries, a block bootstrap for the ratio of medians, a rank test.

Usage::

    from mobrecon_bench.results.stats import summarize, bootstrap_ratio_ci

    rounds = [[10.1, 10.3, 9.9], [10.4, 10.2, 10.0]]      # ms, one list per round (session)
    s = summarize(rounds)                                   # s.median_ms, s.p10_ms, s.fps, ...
    ci = bootstrap_ratio_ci(baseline_rounds, candidate_rounds, confidence=0.95, seed=0)
    ci.lower > 1.10                                         # candidate >10% slower, at 95%

Samples are per-iteration latencies in milliseconds, grouped by round: each round is one fresh
session, so samples inside a round share that session's state (memory layout, thread placement,
clock), and rounds differ from one another more than samples within a round do. The bootstrap
therefore resamples rounds first and samples within the chosen rounds second, which keeps the
between-session spread in the interval instead of pretending all samples are independent.

Pure numpy; every function is deterministic (random draws come from a seeded generator).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "TRIM_FRACTION",
    "LatencySummary",
    "RatioInterval",
    "RankTest",
    "pooled",
    "trimmed_mean",
    "mad",
    "round_medians",
    "round_spread_pct",
    "fps_from_median",
    "summarize",
    "as_rounds",
    "block_bootstrap_quantiles",
    "bootstrap_ratio_ci",
    "NormalisedInterval",
    "normalised_ratio_ci",
    "mann_whitney",
]

#: Fraction of samples cut from EACH tail before the trimmed mean (0.1: lowest 10% and highest 10%).
TRIM_FRACTION = 0.1

Rounds = Sequence[Sequence[float]]


@dataclass(frozen=True)
class LatencySummary:
    """Robust summary of one record's latency samples.

    Attributes:
        n_samples: number of per-iteration samples over all rounds.
        median_ms: median latency, milliseconds.
        p10_ms: 10th percentile, milliseconds (linear interpolation).
        p90_ms: 90th percentile, milliseconds.
        trimmed_mean_ms: mean after cutting TRIM_FRACTION of samples from each tail, milliseconds.
        mad_ms: median absolute deviation from the median, milliseconds (unscaled; multiply by
            1.4826 for a normal-equivalent standard deviation).
        round_median_ms: median of each round, milliseconds, in round order.
        round_spread_pct: (max - min) of the round medians over the pooled median, percent.
        fps: 1000 / median_ms, inferences per second, single stream.
    """

    n_samples: int
    median_ms: float
    p10_ms: float
    p90_ms: float
    trimmed_mean_ms: float
    mad_ms: float
    round_median_ms: list[float]
    round_spread_pct: float
    fps: float


@dataclass(frozen=True)
class RatioInterval:
    """Ratio of medians (candidate / baseline) with bootstrap confidence bounds.

    ``lower`` and ``upper`` are each a one-sided bound at ``confidence``: the true ratio is above
    ``lower`` with probability ``confidence`` (and below ``upper`` likewise); together they form a
    two-sided interval at ``2 * confidence - 1`` (90% for 0.95). A ratio of 1.2 means the candidate
    takes 20% longer per inference.
    """

    ratio: float
    lower: float
    upper: float
    confidence: float
    n_boot: int


@dataclass(frozen=True)
class RankTest:
    """Mann-Whitney U test that ``candidate`` samples tend to be larger than ``baseline`` samples.

    Attributes:
        u: U statistic of the candidate sample.
        z: normal approximation z score (tie- and continuity-corrected).
        p_value: p-value for the chosen alternative.
        prob_superiority: P(candidate sample > baseline sample) + 0.5 P(tie), in [0, 1].
    """

    u: float
    z: float
    p_value: float
    prob_superiority: float


def pooled(rounds: Rounds) -> np.ndarray:
    """All samples of all rounds as one float64 array, milliseconds."""
    parts = [np.asarray(r, dtype=np.float64).ravel() for r in rounds]
    return np.concatenate(parts) if parts else np.empty(0)


def trimmed_mean(samples: Sequence[float] | np.ndarray, fraction: float = TRIM_FRACTION) -> float:
    """Mean after removing ``floor(fraction * n)`` samples from each tail (as scipy's ``trim_mean``).

    Args:
        samples: [n] latencies, milliseconds.
        fraction: share cut from EACH tail, in [0, 0.5).

    Returns:
        The trimmed mean, milliseconds.
    """
    if not 0.0 <= fraction < 0.5:
        raise ValueError(f"trim fraction must be in [0, 0.5), got {fraction}")
    x = np.sort(np.asarray(samples, dtype=np.float64).ravel())
    cut = int(math.floor(fraction * x.size))
    return float(x[cut : x.size - cut].mean())


def mad(samples: Sequence[float] | np.ndarray) -> float:
    """Median absolute deviation from the median, unscaled, in the samples' unit."""
    x = np.asarray(samples, dtype=np.float64).ravel()
    return float(np.median(np.abs(x - np.median(x))))


def round_medians(rounds: Rounds) -> list[float]:
    """Median of each non-empty round, milliseconds, in round order."""
    return [float(np.median(r)) for r in rounds if len(r)]


def round_spread_pct(rounds: Rounds) -> float:
    """Spread of the round medians, (max - min) / pooled median, percent; 0 for a single round."""
    meds = round_medians(rounds)
    centre = float(np.median(pooled(rounds)))
    return 100.0 * (max(meds) - min(meds)) / centre


def fps_from_median(median_ms: float) -> float:
    """Single-stream inferences per second from a median latency in milliseconds."""
    return 1000.0 / median_ms


def summarize(rounds: Rounds) -> LatencySummary:
    """Summarise latency samples grouped by round.

    Args:
        rounds: one sequence per round of per-iteration latencies, milliseconds; a harness without
            rounds passes a single round.

    Returns:
        LatencySummary of the pooled samples plus per-round medians.

    Raises:
        ValueError: if there are no samples or a sample is not a positive finite number.
    """
    x = pooled(rounds)
    if x.size == 0:
        raise ValueError("no latency samples to summarise")
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise ValueError("latency samples must be positive finite milliseconds")
    median = float(np.median(x))
    p10, p90 = (float(v) for v in np.percentile(x, [10.0, 90.0]))
    return LatencySummary(
        n_samples=int(x.size),
        median_ms=median,
        p10_ms=p10,
        p90_ms=p90,
        trimmed_mean_ms=trimmed_mean(x),
        mad_ms=mad(x),
        round_median_ms=round_medians(rounds),
        round_spread_pct=round_spread_pct(rounds),
        fps=fps_from_median(median),
    )


def block_bootstrap_quantiles(
    rounds: list[np.ndarray], picks: np.ndarray, rng: np.random.Generator, quantile: float = 0.5
) -> np.ndarray:
    """Medians (or another ``quantile``) of two-level bootstrap replicates.

    Replicate b fills slot k (one per original round, of that round's size n_k) with n_k draws,
    with replacement, from round ``picks[b, k]``; the replicate's median is over all its slots.

    Args:
        rounds: R arrays of samples, one per round.
        picks: [n_boot, R] int, the round resampled into each slot.
        rng: generator for the within-round draws.
        quantile: which quantile of each replicate (0.5: the median).

    Returns:
        [n_boot] float64 quantiles.
    """
    sizes = np.array([r.size for r in rounds])
    flat = np.concatenate(rounds)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    n_boot = picks.shape[0]
    columns = []
    for k, n_k in enumerate(sizes):
        src = picks[:, k]
        draw = (rng.random((n_boot, n_k)) * sizes[src][:, None]).astype(np.int64)  # uniform in [0, size)
        columns.append(flat[offsets[src][:, None] + draw])
    return np.quantile(np.concatenate(columns, axis=1), quantile, axis=1)


def as_rounds(rounds: Rounds, label: str) -> list[np.ndarray]:
    """Per-round samples as flat float64 arrays, empty rounds dropped.

    Raises:
        ValueError: when no round has a sample (``label`` names the side in the message).
    """
    arrays = [np.asarray(r, dtype=np.float64).ravel() for r in rounds]
    arrays = [a for a in arrays if a.size]
    if not arrays:
        raise ValueError(f"{label} has no latency samples")
    return arrays


def bootstrap_ratio_ci(
    baseline: Rounds,
    candidate: Rounds,
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    paired: bool = False,
    quantile: float = 0.5,
) -> RatioInterval:
    """Ratio of medians, candidate / baseline, with a two-level (round, sample) percentile bootstrap.

    With ``quantile`` other than 0.5 the statistic is that latency quantile instead of the median
    (e.g. 0.2: the fast end of each side, which a neighbour's interference, only ever adding time,
    disturbs least).

    Each replicate resamples rounds with replacement, then samples with replacement inside each
    chosen round, so the interval carries the session-to-session spread. With ``paired=True`` (both
    sides measured interleaved in the same rounds, e.g. a head-to-head run) the same round indices
    are drawn for both sides, which cancels drift shared by round r of both.

    Args:
        baseline: rounds of baseline latencies, milliseconds.
        candidate: rounds of candidate latencies, milliseconds.
        confidence: level of each one-sided bound, in (0.5, 1).
        n_boot: number of bootstrap replicates.
        seed: seed of the generator; equal inputs and seed give equal results.
        paired: resample the same rounds on both sides (needs equal round counts).
        quantile: latency quantile compared, in (0, 1); 0.5 is the median.

    Returns:
        RatioInterval with the observed ratio and its one-sided bounds.

    Raises:
        ValueError: on empty inputs, a bad confidence, or unequal round counts with ``paired``.
    """
    if not 0.5 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0.5, 1), got {confidence}")
    base, cand = as_rounds(baseline, "baseline"), as_rounds(candidate, "candidate")
    if paired and len(base) != len(cand):
        raise ValueError("paired bootstrap needs the same number of rounds on both sides")
    rng = np.random.default_rng(seed)
    base_picks = rng.integers(0, len(base), size=(n_boot, len(base)))
    cand_picks = base_picks if paired else rng.integers(0, len(cand), size=(n_boot, len(cand)))
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    ratios = block_bootstrap_quantiles(cand, cand_picks, rng, quantile) / block_bootstrap_quantiles(
        base, base_picks, rng, quantile
    )
    alpha = 1.0 - confidence
    lower, upper = np.quantile(ratios, [alpha, confidence])
    observed = float(np.quantile(np.concatenate(cand), quantile) / np.quantile(np.concatenate(base), quantile))
    return RatioInterval(ratio=observed, lower=float(lower), upper=float(upper), confidence=confidence, n_boot=n_boot)


def _average_ranks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks 1..n with ties averaged, and the sizes of the tie groups."""
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    starts = np.flatnonzero(np.concatenate([[True], sorted_x[1:] != sorted_x[:-1]]))
    counts = np.diff(np.concatenate([starts, [x.size]]))
    group_rank = starts + (counts + 1) / 2.0  # average of 1-based ranks starts+1 .. starts+counts
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(group_rank, counts)
    return ranks, counts


def mann_whitney(
    baseline: Sequence[float] | np.ndarray,
    candidate: Sequence[float] | np.ndarray,
    *,
    alternative: Literal["greater", "less", "two-sided"] = "greater",
) -> RankTest:
    """Mann-Whitney U rank test on pooled samples (normal approximation, tie-corrected).

    It treats samples as independent, which latencies from a few sessions are not; use it as a
    descriptive check beside :func:`bootstrap_ratio_ci`, not as the gate's verdict.

    Args:
        baseline: [n] latencies, milliseconds.
        candidate: [m] latencies, milliseconds.
        alternative: "greater" tests candidate slower than baseline, "less" faster, or "two-sided".

    Returns:
        RankTest with U of the candidate, z, p-value and probability of superiority.
    """
    x = np.asarray(baseline, dtype=np.float64).ravel()
    y = np.asarray(candidate, dtype=np.float64).ravel()
    n, m = x.size, y.size
    if n == 0 or m == 0:
        raise ValueError("rank test needs samples on both sides")
    ranks, ties = _average_ranks(np.concatenate([x, y]))
    u = float(ranks[n:].sum() - m * (m + 1) / 2.0)
    mean = n * m / 2.0
    total = n + m
    var = n * m / 12.0 * ((total + 1) - float((ties**3 - ties).sum()) / (total * (total - 1)))
    sd = math.sqrt(var) if var > 0 else 0.0
    if sd == 0.0:
        z, p = 0.0, 1.0
    elif alternative == "greater":
        z = (u - mean - 0.5) / sd
        p = 0.5 * math.erfc(z / math.sqrt(2.0))
    elif alternative == "less":
        z = (u - mean + 0.5) / sd
        p = 0.5 * math.erfc(-z / math.sqrt(2.0))
    else:
        z = (abs(u - mean) - 0.5) / sd
        p = min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2.0)))
    return RankTest(u=u, z=float(z), p_value=float(p), prob_superiority=u / (n * m))


@dataclass(frozen=True)
class NormalisedInterval:
    """Yardstick-normalised ratio with bootstrap bounds; ratios at one latency quantile.

    Attributes:
        ratio: ``(cand / cand_yardstick) / (base / base_yardstick)``; 1.2 = 20% slower than the
            machine's change between the runs explains.
        lower: one-sided lower bound at ``confidence``.
        upper: one-sided upper bound at ``confidence``.
        raw_ratio: ``cand / base``, not normalised.
        yardstick_ratio: ``cand_yardstick / base_yardstick``: how much slower the machine was in
            the candidate's run.
        confidence: level of each bound.
        n_boot: bootstrap replicates.
    """

    ratio: float
    lower: float
    upper: float
    raw_ratio: float
    yardstick_ratio: float
    confidence: float
    n_boot: int


def normalised_ratio_ci(
    baseline: Rounds,
    candidate: Rounds,
    baseline_yardstick: Rounds,
    candidate_yardstick: Rounds,
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    paired: bool = False,
    quantile: float = 0.5,
) -> NormalisedInterval:
    """Yardstick-normalised latency ratio with a two-level (round, sample) bootstrap.

    Statistic: ``(q(candidate) / q(candidate_yardstick)) / (q(baseline) / q(baseline_yardstick))``
    with ``q`` the ``quantile`` of the pooled samples. Each replicate draws rounds with replacement
    for each run; an artifact and its run's yardstick share the drawn rounds when they have the same
    number of rounds (they were measured interleaved in the same rounds, so a slow round is slow for
    both and cancels), then samples are drawn with replacement inside each chosen round, apart for
    each record. With ``paired`` (both artifacts measured in the same rounds) all four share them.

    Args:
        baseline: rounds of baseline latencies, milliseconds.
        candidate: rounds of candidate latencies, milliseconds.
        baseline_yardstick: rounds of the yardstick's latencies in the baseline's run, milliseconds.
        candidate_yardstick: rounds of the yardstick's latencies in the candidate's run, milliseconds.
        confidence: level of each one-sided bound, in (0.5, 1).
        n_boot: bootstrap replicates.
        seed: seed of the generator; equal inputs and seed give equal results.
        paired: baseline and candidate were measured in the same rounds.
        quantile: latency quantile compared, in (0, 1).

    Returns:
        NormalisedInterval with the normalised, raw and yardstick ratios and the bounds.

    Raises:
        ValueError: on empty inputs, a bad confidence or quantile, or unequal round counts with ``paired``.
    """
    if not 0.5 < confidence < 1.0 or not 0.0 < quantile < 1.0:
        raise ValueError(f"confidence must be in (0.5, 1) and quantile in (0, 1), got {confidence} and {quantile}")
    base, cand = as_rounds(baseline, "baseline"), as_rounds(candidate, "candidate")
    base_y = as_rounds(baseline_yardstick, "baseline yardstick")
    cand_y = as_rounds(candidate_yardstick, "candidate yardstick")
    if paired and len(base) != len(cand):
        raise ValueError("paired bootstrap needs the same number of rounds on both sides")
    rng = np.random.default_rng(seed)
    draw = lambda n: rng.integers(0, n, size=(n_boot, n))  # noqa: E731
    base_picks = draw(len(base))
    cand_picks = base_picks if paired else draw(len(cand))
    base_y_picks = base_picks if len(base_y) == len(base) else draw(len(base_y))
    cand_y_picks = cand_picks if len(cand_y) == len(cand) else draw(len(cand_y))
    boot = lambda rounds, picks: block_bootstrap_quantiles(rounds, picks, rng, quantile)  # noqa: E731
    cand_rel = boot(cand, cand_picks) / boot(cand_y, cand_y_picks)
    replicates = cand_rel / (boot(base, base_picks) / boot(base_y, base_y_picks))
    lower, upper = np.quantile(replicates, [1.0 - confidence, confidence])
    q = lambda rounds: float(np.quantile(np.concatenate(rounds), quantile))  # noqa: E731
    raw, stick = q(cand) / q(base), q(cand_y) / q(base_y)
    return NormalisedInterval(raw / stick, float(lower), float(upper), raw, stick, confidence, n_boot)
