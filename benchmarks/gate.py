"""Regression gate: is the candidate slower than the baseline by more than we allow, beyond noise?

Usage::

    from mobrecon_bench.gate import gate_files, head_to_head

    outcome = gate_files("baseline.json", "candidate.json", max_slowdown=0.10)
    sys.exit(outcome.exit_code)         # 1 on regression, 2 on unusable input, else 0

    outcome = head_to_head(old_runner, new_runner, max_slowdown=0.10, threads=[1])

Decision, per matched pair of records (same artifact name, variant, runtime, threads, precision):
the ratio of medians, candidate / baseline, with a one-sided lower confidence bound from the
two-level (rounds, then samples) bootstrap of ``mobrecon_bench.stats``. A pair is a
**regression** only when that lower bound exceeds ``1 + max_slowdown``: we are ``confidence``
sure that the slowdown is larger than allowed. A noisy run widens the interval, which lowers the
bound, so noise alone cannot raise the alarm; it can only hide a small regression, and the result
says so ("noisy" note) when the interval is wider than the allowance. Medians ignore outliers, and
the round level of the bootstrap keeps session-to-session spread in the interval.

Exit codes: 1 if any pair is a regression; else 2 if the input is unusable (no comparable pair,
or a record that is ok in the baseline is not ok in the candidate); else 0.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.runners import Runner
from mobrecon_bench.schema import BenchmarkRecord, BenchmarkResult, RecordKey, load_result
from mobrecon_bench.stats import bootstrap_ratio_ci, mann_whitney, pooled
from mobrecon_bench.timing import measure

__all__ = [
    "DEFAULT_QUANTILE",
    "REGRESSION",
    "SLOWER",
    "UNCHANGED",
    "FASTER",
    "NOT_COMPARABLE",
    "PairVerdict",
    "GateResult",
    "parse_slowdown",
    "judge_samples",
    "compare_results",
    "gate_files",
    "head_to_head",
]

REGRESSION = "regression"
SLOWER = "slower (within allowance)"
UNCHANGED = "unchanged"
FASTER = "faster"
NOT_COMPARABLE = "not comparable"

EXIT_OK, EXIT_REGRESSION, EXIT_UNUSABLE = 0, 1, 2

#: Latency quantile whose candidate / baseline ratio the gate judges: the 10th percentile. A
#: neighbour's interference only ever adds time, so the fast end of the distribution moves with the
#: code and hardly with the machine's load; measured on real runs under a co-tenant's load
#: (``python -m mobrecon_bench.gate_error_rates``, benchmarks/README.md), the median missed a +17%
#: candidate in 5 to 8 of 20 comparisons, the 10th percentile in 1 to 2, both with no false alarm.
DEFAULT_QUANTILE = 0.1

Rounds = Sequence[Sequence[float]]


@dataclass(frozen=True)
class PairVerdict:
    """Judgement of one baseline / candidate pair.

    Attributes:
        label: human label, e.g. "densestack onnxruntime fp32 x1".
        baseline_median_ms: baseline median latency, milliseconds (None if not ok).
        candidate_median_ms: candidate median latency, milliseconds (None if not ok).
        ratio: candidate / baseline latency at the judged quantile (:data:`DEFAULT_QUANTILE`, the
            10th percentile); 1.2 = 20% slower. None if not comparable.
        ci_lower: one-sided lower confidence bound of the ratio.
        ci_upper: one-sided upper confidence bound of the ratio.
        rank_p_value: Mann-Whitney p-value that the candidate is slower (descriptive only: it
            treats samples as independent).
        verdict: REGRESSION, SLOWER, UNCHANGED, FASTER or NOT_COMPARABLE.
        note: extra information, e.g. why not comparable or that the run was noisy.
    """

    label: str
    baseline_median_ms: float | None
    candidate_median_ms: float | None
    ratio: float | None
    ci_lower: float | None
    ci_upper: float | None
    rank_p_value: float | None
    verdict: str
    note: str | None = None


@dataclass(frozen=True)
class GateResult:
    """Outcome of the gate over all pairs.

    Attributes:
        pairs: one verdict per matched pair.
        max_slowdown: allowed slowdown as a fraction (0.1 = 10%).
        confidence: level of the one-sided bound.
        notes: run-level remarks (unmatched records, different machines).
        exit_code: 1 on regression, 2 on unusable input, 0 otherwise.
        quantile: the latency quantile whose ratio was judged.
    """

    pairs: list[PairVerdict]
    max_slowdown: float
    confidence: float
    notes: list[str] = field(default_factory=list)
    exit_code: int = EXIT_OK
    quantile: float = DEFAULT_QUANTILE

    @property
    def regressions(self) -> list[PairVerdict]:
        """The pairs judged REGRESSION."""
        return [p for p in self.pairs if p.verdict == REGRESSION]

    @property
    def summary(self) -> str:
        """One sentence: the overall decision."""
        if self.exit_code == EXIT_REGRESSION:
            names = ", ".join(p.label for p in self.regressions)
            allowed, level = f"{self.max_slowdown:.0%}", f"{self.confidence:.0%}"
            return f"regression: {names} slower than allowed ({allowed}) at {level} confidence"
        if self.exit_code == EXIT_UNUSABLE:
            return "unusable input: " + (self.notes[0] if self.notes else "nothing to compare")
        return f"no regression beyond {self.max_slowdown:.0%} in {len(self.pairs)} compared pairs"


def parse_slowdown(value: str | float) -> float:
    """Allowed slowdown as a fraction, from "10%", "0.1" or 0.1.

    Raises:
        BenchmarkError: for anything else, a negative value, or a bare number above 1 ("10" is
            ambiguous: write "10%" or "0.1").
    """
    text = str(value).strip()
    match = re.fullmatch(r"([0-9]*\.?[0-9]+)\s*(%?)", text)
    if match is None:
        raise BenchmarkError(f"max slowdown {text!r} is not a percentage like '10%' or a fraction like '0.1'")
    number = float(match.group(1))
    if match.group(2):
        return number / 100.0
    if number > 1.0:
        raise BenchmarkError(f"max slowdown {text!r} is ambiguous; write '{text}%' or '{number / 100:g}'")
    return number


def judge_samples(
    baseline: Rounds,
    candidate: Rounds,
    *,
    max_slowdown: float,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    paired: bool = False,
    label: str = "candidate vs baseline",
    quantile: float = DEFAULT_QUANTILE,
) -> PairVerdict:
    """Judge raw latency samples (milliseconds, one list per round) of a baseline and a candidate.

    Args:
        baseline: rounds of baseline samples, milliseconds.
        candidate: rounds of candidate samples, milliseconds.
        max_slowdown: allowed slowdown as a fraction (0.1 = 10%).
        confidence: level of the one-sided bounds.
        n_boot: bootstrap replicates.
        seed: bootstrap seed (deterministic verdicts).
        paired: rounds were interleaved in one run (resample the same rounds on both sides).
        label: label of the pair.
        quantile: latency quantile whose ratio is judged (see :data:`DEFAULT_QUANTILE`).

    Returns:
        PairVerdict; REGRESSION iff the lower bound of the ratio exceeds 1 + max_slowdown.
    """
    ci = bootstrap_ratio_ci(baseline, candidate, confidence=confidence, n_boot=n_boot, seed=seed, paired=paired,
                            quantile=quantile)  # fmt: skip
    if ci.lower > 1.0 + max_slowdown:
        verdict = REGRESSION
    elif ci.lower > 1.0:
        verdict = SLOWER
    elif ci.upper < 1.0:
        verdict = FASTER
    else:
        verdict = UNCHANGED
    width = ci.upper / ci.lower - 1.0
    note = None
    if max_slowdown > 0 and width > 2.0 * max_slowdown and verdict != REGRESSION:
        span = f"{width:.0%}" if width < 10.0 else "over 1000%"
        note = f"noisy: the interval spans {span}, so a {max_slowdown:.0%} regression could go unseen"
    base, cand = pooled(baseline), pooled(candidate)
    return PairVerdict(
        label=label,
        baseline_median_ms=float(np.median(base)),
        candidate_median_ms=float(np.median(cand)),
        ratio=ci.ratio,
        ci_lower=ci.lower,
        ci_upper=ci.upper,
        rank_p_value=mann_whitney(base, cand, alternative="greater").p_value,
        verdict=verdict,
        note=note,
    )


class _Side(Protocol):
    """What a pair needs of each side: a BenchmarkRecord or a timing Measurement."""

    status: str
    reason: str | None
    latency_ms_samples: list[list[float]]


def _judge_pair(label: str, base: _Side, cand: _Side, *, paired: bool, **options: Any) -> PairVerdict:
    """NOT_COMPARABLE if a side is not ok (with both reasons), else :func:`judge_samples`."""
    if base.status != "ok" or cand.status != "ok":
        sides = (("baseline", base), ("candidate", cand))
        why = "; ".join(f"{side} is {s.status}: {s.reason}" for side, s in sides if s.status != "ok")
        return PairVerdict(label, None, None, None, None, None, None, NOT_COMPARABLE, why)
    return judge_samples(base.latency_ms_samples, cand.latency_ms_samples, paired=paired, label=label, **options)


def _index(result: BenchmarkResult, side: str) -> dict[RecordKey, BenchmarkRecord]:
    index: dict[RecordKey, BenchmarkRecord] = {}
    for rec in result.records:
        if rec.key in index:
            raise BenchmarkError(f"{side} has two records for {rec.label}; cannot tell which to compare")
        index[rec.key] = rec
    return index


def _machine_note(baseline: BenchmarkResult, candidate: BenchmarkResult) -> list[str]:
    a, b = baseline.device, candidate.device
    if (a.device_class, a.cpu_model) != (b.device_class, b.cpu_model):
        return [
            f"baseline ran on {a.device_class} ({a.cpu_model}) and candidate on {b.device_class} ({b.cpu_model}); "
            "ratios mix machine and code differences"
        ]
    return []


def _exit_code(pairs: Sequence[PairVerdict], broken: bool) -> int:
    if any(p.verdict == REGRESSION for p in pairs):
        return EXIT_REGRESSION
    if broken or not any(p.verdict != NOT_COMPARABLE for p in pairs):
        return EXIT_UNUSABLE
    return EXIT_OK


def compare_results(
    baseline: BenchmarkResult,
    candidate: BenchmarkResult,
    *,
    max_slowdown: float = 0.10,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    quantile: float = DEFAULT_QUANTILE,
) -> GateResult:
    """Judge every candidate record against the baseline record with the same key.

    Records are matched by (artifact name, variant, runtime, threads, precision); runtime versions
    may differ (judging a runtime upgrade is a use of the gate).

    Args:
        baseline: result of the reference run.
        candidate: result of the run under test.
        max_slowdown: allowed slowdown as a fraction (0.1 = 10%).
        confidence: level of the one-sided bound.
        n_boot: bootstrap replicates per pair.
        seed: bootstrap seed.
        quantile: latency quantile whose ratio is judged (see :data:`DEFAULT_QUANTILE`).

    Returns:
        GateResult with one PairVerdict per matched key and the exit code.

    Raises:
        BenchmarkError: if a result holds two records with the same key.
    """
    options = dict(max_slowdown=max_slowdown, confidence=confidence, n_boot=n_boot, seed=seed, quantile=quantile)
    base_index, cand_index = _index(baseline, "baseline"), _index(candidate, "candidate")
    notes = _machine_note(baseline, candidate)
    pairs, broken = [], False
    for key, base in base_index.items():
        cand = cand_index.get(key)
        if cand is None:
            notes.append(f"{base.label} is only in the baseline")
            continue
        broken = broken or (base.status == "ok" and cand.status != "ok")
        pairs.append(_judge_pair(base.label, base, cand, paired=False, **options))
    notes += [f"{rec.label} is only in the candidate" for key, rec in cand_index.items() if key not in base_index]
    if not pairs:
        notes.insert(0, "no candidate record matches a baseline record (artifact, runtime, threads, precision)")
    if broken:
        notes.insert(0, "a record that is ok in the baseline is not ok in the candidate")
    return GateResult(pairs, max_slowdown, confidence, notes, _exit_code(pairs, broken), quantile)


def gate_files(
    baseline: str | os.PathLike[str],
    candidate: str | os.PathLike[str],
    *,
    max_slowdown: float = 0.10,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    quantile: float = DEFAULT_QUANTILE,
) -> GateResult:
    """Load two result files and :func:`compare_results` them.

    Raises:
        BenchmarkError: if a file is missing or not a valid result.
    """
    return compare_results(
        load_result(baseline),
        load_result(candidate),
        max_slowdown=max_slowdown,
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
        quantile=quantile,
    )


def head_to_head(
    baseline: Runner,
    candidate: Runner,
    *,
    max_slowdown: float = 0.10,
    threads: Sequence[int] | None = None,
    rounds: int = 5,
    warmup: int = 10,
    min_iters: int = 20,
    time_budget_s: float = 1.0,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    progress: bool = True,
    quantile: float = DEFAULT_QUANTILE,
) -> GateResult:
    """Measure two runners interleaved in the same rounds and judge candidate against baseline.

    Interleaving makes round r of both sides share the machine's state, so the bootstrap is paired
    (the same rounds are resampled on both sides), which cancels drift between rounds.

    Args:
        baseline: the reference runner.
        candidate: the runner under test.
        max_slowdown: allowed slowdown as a fraction.
        threads: thread counts to compare at; None keeps each runner's own.
        rounds, warmup, min_iters, time_budget_s: as in ``mobrecon_bench.timing.measure``.
        confidence, n_boot, seed: as in :func:`compare_results`.
        progress: show a progress bar on stderr.

    Returns:
        GateResult with one PairVerdict per thread count.
    """
    ms = measure(
        [baseline, candidate],
        threads=threads,
        rounds=rounds,
        warmup=warmup,
        min_iters=min_iters,
        time_budget_s=time_budget_s,
        progress=progress,
    )
    half = len(ms) // 2
    options = dict(max_slowdown=max_slowdown, confidence=confidence, n_boot=n_boot, seed=seed, quantile=quantile)
    pairs = [
        _judge_pair(f"{candidate.name} vs {baseline.name} x{base.threads}", base, cand, paired=True, **options)
        for base, cand in zip(ms[:half], ms[half:], strict=True)
    ]
    notes = [f"{p.label}: {p.note}" for p in pairs if p.verdict == NOT_COMPARABLE]
    return GateResult(pairs, max_slowdown, confidence, notes, _exit_code(pairs, broken=bool(notes)), quantile)
