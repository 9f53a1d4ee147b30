"""Regression gate: is the candidate slower than the baseline by more than we allow, beyond noise?

Usage::

    from mobrecon_bench.gate.gate import gate_files, head_to_head

    outcome = gate_files("baseline.json", "candidate.json", max_slowdown=0.10)
    sys.exit(outcome.exit_code)         # 1 on regression, 2 on unusable input, else 0

    outcome = head_to_head(old_runner, new_runner, max_slowdown=0.10, threads=[1])

Decision, per matched pair of records (same artifact name, variant, runtime, threads, precision):
the ratio of a low latency quantile (:data:`DEFAULT_QUANTILE`, the 10th percentile), candidate /
baseline, with a one-sided lower confidence bound from the two-level (rounds, then samples)
bootstrap of ``mobrecon_bench.results.stats``. A pair is a **regression** only when that lower bound
exceeds ``1 + max_slowdown``: we are ``confidence`` sure that the slowdown is larger than allowed.
A noisy run widens the interval, which lowers the bound, so noise alone cannot raise the alarm; it
can only hide a small regression, and the result says so ("noisy" note) when the interval is wider
than the allowance. The round level of the bootstrap keeps session-to-session spread in the interval.

**Yardstick.** Two result files come from two runs made one after the other, under different
machine states. When both runs timed the yardstick (``mobrecon_bench.running.yardstick``: a fixed graph
measured interleaved with every artifact) at the pair's thread count, the pair is judged on the
normalised ratio ``(q(cand) / q(cand yardstick)) / (q(base) / q(base yardstick))``: a machine that
is 15% slower in the second run slows both the artifact and the yardstick, and cancels. The
bootstrap resamples the rounds of an artifact and of its yardstick jointly (they were measured in
the same rounds), then samples within rounds. Without a usable yardstick on both sides (an old
file, ``--skip-yardstick``, a different yardstick graph or runtime version) the pair is judged on
the raw ratio, with a note saying why. The yardstick records themselves are never gated.

Exit codes: 1 if any pair is a regression; else 2 if the input is unusable (no comparable pair,
or a record that is ok in the baseline is not ok in the candidate); else 0.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.running.runners import Runner
from mobrecon_bench.results.schema import BenchmarkRecord, BenchmarkResult, RecordKey
from mobrecon_bench.results.stats import bootstrap_ratio_ci, mann_whitney, normalised_ratio_ci, pooled
from mobrecon_bench.running.timing import measure
from mobrecon_bench.running.yardstick import is_yardstick

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
#: (``python -m mobrecon_bench.gate.gate_error_rates``, benchmarks/README.md), the median missed a +17%
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
        note: extra information, e.g. why not comparable, that the run was noisy, how the
            yardstick moved or why the pair was judged raw.
        raw_ratio: candidate / baseline at the judged quantile, not normalised (equals ``ratio``
            when judged raw); None if not comparable.
        yardstick_ratio: candidate-run yardstick / baseline-run yardstick at the judged quantile
            (1.04 = the machine was 4% slower in the candidate run); None when judged raw.
        normalised: True when ``ratio`` and its bounds are the yardstick-normalised ratio.
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
    raw_ratio: float | None = None
    yardstick_ratio: float | None = None
    normalised: bool = False


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
        normalised = sum(p.normalised for p in self.pairs)
        how = f" ({normalised} normalised by the yardstick)" if normalised else ""
        return f"no regression beyond {self.max_slowdown:.0%} in {len(self.pairs)} compared pairs{how}"


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


def _decide(lower: float, upper: float, max_slowdown: float) -> str:
    """Verdict from the one-sided bounds of a ratio."""
    if lower > 1.0 + max_slowdown:
        return REGRESSION
    if lower > 1.0:
        return SLOWER
    if upper < 1.0:
        return FASTER
    return UNCHANGED


def _noise_note(lower: float, upper: float, max_slowdown: float, verdict: str) -> str | None:
    """The "noisy: ..." note when the interval is wider than twice the allowance (it could hide a regression)."""
    width = upper / lower - 1.0
    if max_slowdown > 0 and width > 2.0 * max_slowdown and verdict != REGRESSION:
        span = f"{width:.0%}" if width < 10.0 else "over 1000%"
        return f"noisy: the interval spans {span}, so a {max_slowdown:.0%} regression could go unseen"
    return None


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
    baseline_yardstick: Rounds | None = None,
    candidate_yardstick: Rounds | None = None,
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
        baseline_yardstick: the yardstick's rounds from the baseline's run, milliseconds; with
            ``candidate_yardstick``, the pair is judged on the normalised ratio
            (:func:`normalised_ratio_ci`).
        candidate_yardstick: the yardstick's rounds from the candidate's run, milliseconds.

    Returns:
        PairVerdict; REGRESSION iff the lower bound of the (normalised) ratio exceeds 1 + max_slowdown.
    """
    options = dict(confidence=confidence, n_boot=n_boot, seed=seed, paired=paired, quantile=quantile)
    notes = []
    if baseline_yardstick is not None and candidate_yardstick is not None:
        ci = normalised_ratio_ci(baseline, candidate, baseline_yardstick, candidate_yardstick, **options)
        raw, stick = ci.raw_ratio, ci.yardstick_ratio
        notes.append(f"normalised by the yardstick, which moved x{stick:.3f} between runs (raw ratio {raw:.3f})")
    else:
        ci, stick = bootstrap_ratio_ci(baseline, candidate, **options), None
        raw = ci.ratio
    verdict = _decide(ci.lower, ci.upper, max_slowdown)
    noisy = _noise_note(ci.lower, ci.upper, max_slowdown, verdict)
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
        note="; ".join([*notes, *([noisy] if noisy else [])]) or None,
        raw_ratio=raw,
        yardstick_ratio=stick,
        normalised=stick is not None,
    )


class _Side(Protocol):
    """What a pair needs of each side: a BenchmarkRecord or a timing Measurement."""

    status: str
    reason: str | None
    latency_ms_samples: list[list[float]]


def _judge_pair(
    label: str, base: _Side, cand: _Side, *, paired: bool, yardsticks: tuple[Rounds, Rounds] | None = None,
    raw_why: str | None = None, **options: Any,
) -> PairVerdict:
    """NOT_COMPARABLE if a side is not ok (with both reasons), else :func:`judge_samples`.

    ``yardsticks`` (baseline run's, candidate run's rounds) normalise the ratio; without them and
    with ``raw_why`` the verdict notes why the pair was judged raw.
    """
    if base.status != "ok" or cand.status != "ok":
        sides = (("baseline", base), ("candidate", cand))
        why = "; ".join(f"{side} is {s.status}: {s.reason}" for side, s in sides if s.status != "ok")
        return PairVerdict(label, None, None, None, None, None, None, NOT_COMPARABLE, why)
    base_y, cand_y = yardsticks if yardsticks is not None else (None, None)
    verdict = judge_samples(base.latency_ms_samples, cand.latency_ms_samples, paired=paired, label=label,
                            baseline_yardstick=base_y, candidate_yardstick=cand_y, **options)  # fmt: skip
    if yardsticks is None and raw_why:
        note = "; ".join(n for n in (f"judged raw: {raw_why}", verdict.note) if n)
        verdict = dataclasses.replace(verdict, note=note)
    return verdict


def _index(result: BenchmarkResult, side: str) -> dict[RecordKey, BenchmarkRecord]:
    index: dict[RecordKey, BenchmarkRecord] = {}
    for rec in result.records:
        if rec.key in index:
            raise BenchmarkError(f"{side} has two records for {rec.label}; cannot tell which to compare")
        index[rec.key] = rec
    return index


def _yardsticks(result: BenchmarkResult) -> dict[int, BenchmarkRecord]:
    """The run's yardstick record per thread count (the first one, should a harness write several)."""
    found: dict[int, BenchmarkRecord] = {}
    for rec in result.records:
        if is_yardstick(rec):
            found.setdefault(rec.threads, rec)
    return found


def _usable_yardsticks(
    base: BenchmarkRecord | None, cand: BenchmarkRecord | None, threads: int
) -> tuple[tuple[Rounds, Rounds] | None, str | None]:
    """(baseline run's, candidate run's) yardstick rounds at ``threads``, or None and why not."""
    if base is None and cand is None:
        return None, f"neither run has a yardstick at x{threads}"
    for side, rec in (("baseline", base), ("candidate", cand)):
        if rec is None:
            return None, f"the {side} run has no yardstick at x{threads}"
        if rec.status != "ok":
            return None, f"the {side} run's yardstick is {rec.status}: {rec.reason}"
    if base.artifact.sha256 and cand.artifact.sha256 and base.artifact.sha256 != cand.artifact.sha256:
        return None, (f"the runs timed different yardstick graphs (sha256 {base.artifact.sha256[:12]} and "
                      f"{cand.artifact.sha256[:12]})")  # fmt: skip
    if (base.runtime.name, base.runtime.version) != (cand.runtime.name, cand.runtime.version):
        return None, (f"the yardstick ran on {base.runtime.name} {base.runtime.version} in the baseline and on "
                      f"{cand.runtime.name} {cand.runtime.version} in the candidate (a runtime change moves it "
                      "too)")  # fmt: skip
    return (base.latency_ms_samples, cand.latency_ms_samples), None


def _machine_note(baseline: BenchmarkResult, candidate: BenchmarkResult) -> list[str]:
    """A note when the two runs' machines differ within one device class (different classes are refused)."""
    a, b = baseline.device, candidate.device
    if a.device_class != b.device_class:
        raise BenchmarkError(f"the baseline ran on {a.device_class} and the candidate on {b.device_class}: results "
                             "from different device classes are not comparable; gate a run against one of its own class")  # fmt: skip
    if (a.cpu_model, a.model_name) != (b.cpu_model, b.model_name):
        return [
            f"baseline ran on {a.model_name} ({a.cpu_model}) and candidate on {b.model_name} ({b.cpu_model}), both "
            f"{a.device_class}; ratios mix machine and code differences"
        ]
    return []


def _exit_code(pairs: Sequence[PairVerdict], broken: bool) -> int:
    if any(p.verdict == REGRESSION for p in pairs):
        return EXIT_REGRESSION
    if broken or not any(p.verdict != NOT_COMPARABLE for p in pairs):
        return EXIT_UNUSABLE
    return EXIT_OK


def _yardstick_notes(base_sticks: dict[int, BenchmarkRecord], cand_sticks: dict[int, BenchmarkRecord],
                     quantile: float) -> list[str]:  # fmt: skip
    """Run-level lines: how the yardstick moved between the runs, or which run has none."""
    stat = f"p{quantile * 100:g}"
    notes = []
    for threads in sorted(base_sticks.keys() | cand_sticks.keys()):
        sticks, why = _usable_yardsticks(base_sticks.get(threads), cand_sticks.get(threads), threads)
        if sticks is None:
            notes.append(f"yardstick x{threads}: not used, {why}; pairs at x{threads} are judged on raw ratios")
            continue
        move = float(np.quantile(pooled(sticks[1]), quantile) / np.quantile(pooled(sticks[0]), quantile))
        notes.append(f"yardstick x{threads}: its {stat} moved x{move:.3f} between the runs; pairs at x{threads} are "
                     "judged on ratios normalised by it")  # fmt: skip
    if not notes:
        notes.append("neither run timed the yardstick: pairs are judged on raw ratios")
    return notes


def compare_results(
    baseline: BenchmarkResult,
    candidate: BenchmarkResult,
    *,
    max_slowdown: float = 0.10,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
    quantile: float = DEFAULT_QUANTILE,
    normalise: bool = True,
) -> GateResult:
    """Judge every candidate record against the baseline record with the same key.

    Records are matched by (artifact name, variant, runtime, threads, precision); runtime versions
    may differ (judging a runtime upgrade is a use of the gate). Yardstick records
    (``mobrecon_bench.running.yardstick``) are not judged; when both runs hold a usable one at a pair's
    thread count (ok, same graph, same runtime version), the pair is judged on the normalised
    ratio (:func:`normalised_ratio_ci`), otherwise on the raw ratio with a note saying why.

    Args:
        baseline: result of the reference run.
        candidate: result of the run under test.
        max_slowdown: allowed slowdown as a fraction (0.1 = 10%).
        confidence: level of the one-sided bound.
        n_boot: bootstrap replicates per pair.
        seed: bootstrap seed.
        quantile: latency quantile whose ratio is judged (see :data:`DEFAULT_QUANTILE`).
        normalise: use the yardstick when both runs have one; False judges every pair raw.

    Returns:
        GateResult with one PairVerdict per matched key and the exit code.

    Raises:
        BenchmarkError: if a result holds two records with the same key.
    """
    options = dict(max_slowdown=max_slowdown, confidence=confidence, n_boot=n_boot, seed=seed, quantile=quantile)
    base_index, cand_index = _index(baseline, "baseline"), _index(candidate, "candidate")
    base_sticks, cand_sticks = _yardsticks(baseline), _yardsticks(candidate)
    notes = _machine_note(baseline, candidate)
    if normalise:
        notes += _yardstick_notes(base_sticks, cand_sticks, quantile)
    pairs, broken = [], False
    for key, base in base_index.items():
        if is_yardstick(base):
            continue
        cand = cand_index.get(key)
        if cand is None:
            notes.append(f"{base.label} is only in the baseline")
            continue
        broken = broken or (base.status == "ok" and cand.status != "ok")
        sticks, why = None, None
        if normalise:
            sticks, why = _usable_yardsticks(base_sticks.get(base.threads), cand_sticks.get(base.threads), base.threads)
        pairs.append(_judge_pair(base.label, base, cand, paired=False, yardsticks=sticks, raw_why=why, **options))
    notes += [f"{rec.label} is only in the candidate" for key, rec in cand_index.items()
              if key not in base_index and not is_yardstick(rec)]  # fmt: skip
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
    normalise: bool = True,
    device_class: str | None = None,
) -> GateResult:
    """Load two result files (or result sets, or folders of them) and :func:`compare_results` them.

    Each side's results of one device class are merged (:func:`mobrecon_bench.results.result_set.merge_results`:
    several phones of one class pool their rounds).

    Args:
        device_class: the class to compare when a side holds several; None when each holds one.

    Raises:
        BenchmarkError: a file missing or not a valid result, several classes and none chosen, or
            the two sides of different device classes.
    """
    from mobrecon_bench.results.result_set import load_results, one_device_class

    return compare_results(
        one_device_class(load_results(baseline), "the baseline", device_class),
        one_device_class(load_results(candidate), "the candidate", device_class),
        max_slowdown=max_slowdown,
        confidence=confidence,
        n_boot=n_boot,
        seed=seed,
        quantile=quantile,
        normalise=normalise,
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
        rounds, warmup, min_iters, time_budget_s: as in ``mobrecon_bench.running.timing.measure``.
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
