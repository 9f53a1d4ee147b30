"""Targets judged inside one run: ratios between records measured together, valid on any machine.

Usage::

    from mobrecon_bench.results.run_targets import RUN_TARGETS, judge_run_targets, variant_speed_ratios

    for v in judge_run_targets(result):
        print(v.target.key, v.value, v.verdict)            # e.g. speedup 1.18 "fail"
    for r in variant_speed_ratios(result):
        print(r.label, r.ratio, r.paper_ratio)              # GhostStack FPS / DenseStack FPS vs 83/67

Unlike the paper's FPS targets (``targets.py``: judged only on the target's device class), these
compare records of the same run, so machine load and CPU speed cancel out of the ratio and a host
run can pass or fail them:

- **deploy vs naive export**: the deploy-form ONNX file on ONNX Runtime is at least ``min_ratio``
  times faster (ratio of medians) than ``torch.onnx.export`` of the reference form, same runtime,
  same thread count.
- **compute-floor fraction**: the deploy-form ONNX file's achieved multiply-adds per second
  (``cost.compute_floor_fraction``) is at least ``min_fraction`` of this host's sustained fp32
  matrix-product rate through the same runtime and thread count, measured in the same run.

Ratios carry a 95% interval from the paired two-level bootstrap (both records were measured in the
same interleaved rounds). The verdict reads the point estimate; the interval says how firm it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mobrecon_bench.results.schema import BenchmarkRecord, BenchmarkResult
from mobrecon_bench.results.stats import bootstrap_ratio_ci

__all__ = [
    "Selector",
    "SpeedupTarget",
    "FloorTarget",
    "RunTargetVerdict",
    "SpeedRatio",
    "RUN_TARGETS",
    "MET",
    "MISSED",
    "NO_RESULT",
    "PAPER_FPS",
    "find_record",
    "judge_run_targets",
    "variant_speed_ratios",
]

MET, MISSED, NO_RESULT = "met", "missed", "no result"

#: The paper's A14 CPU figures (MobRecon, CVPR 2022, Table 4), FPS, for the GhostStack/DenseStack ratio.
PAPER_FPS = {"densestack": 67.0, "ghoststack": 83.0}


@dataclass(frozen=True)
class Selector:
    """Which record of a run: every field given must match (None matches anything).

    Attributes:
        variant: ``artifact.variant``, e.g. "densestack".
        form: ``artifact.form``, e.g. "deploy", "naive-export".
        format: ``artifact.format``, e.g. "onnx".
        runtime: ``runtime.name``, e.g. "onnxruntime".
        precision: ``artifact.precision``, e.g. "fp32".
    """

    variant: str | None = None
    form: str | None = None
    format: str | None = None
    runtime: str | None = None
    precision: str | None = None

    def matches(self, rec: BenchmarkRecord) -> bool:
        """True when every given field equals the record's."""
        got = (rec.artifact.variant, rec.artifact.form, rec.artifact.format, rec.runtime.name, rec.artifact.precision)
        want = (self.variant, self.form, self.format, self.runtime, self.precision)
        return all(w is None or w == g for w, g in zip(want, got))

    def describe(self) -> str:
        """e.g. "densestack deploy onnx fp32 on onnxruntime"."""
        parts = [self.variant, self.form, self.format, self.precision]
        return " ".join(p for p in parts if p) + (f" on {self.runtime}" if self.runtime else "")


@dataclass(frozen=True)
class SpeedupTarget:
    """``slow`` median / ``fast`` median must be at least ``min_ratio`` at ``threads``.

    Attributes:
        key: short identifier.
        fast: the record expected to be faster.
        slow: the record it is compared with.
        threads: thread count of both records.
        min_ratio: smallest acceptable speedup.
        source: where the target comes from.
    """

    key: str
    fast: Selector
    slow: Selector
    threads: int
    min_ratio: float
    source: str

    @property
    def description(self) -> str:
        return f"{self.fast.describe()} >= {self.min_ratio:g}x faster than {self.slow.describe()}, {self.threads} thread(s)"


@dataclass(frozen=True)
class FloorTarget:
    """``cost.compute_floor_fraction`` of ``record`` must be at least ``min_fraction`` at ``threads``."""

    key: str
    record: Selector
    threads: int
    min_fraction: float
    source: str

    @property
    def description(self) -> str:
        return (f"{self.record.describe()} achieves >= {self.min_fraction:.0%} of the host's measured fp32 "
                f"matrix-product rate, {self.threads} thread(s)")  # fmt: skip


@dataclass(frozen=True)
class RunTargetVerdict:
    """One in-run target read on a result.

    Attributes:
        target: the target.
        value: measured speedup (x) or floor fraction (0..1); None without the records.
        ci_low, ci_high: 95% interval of a speedup (None for a floor fraction).
        verdict: "met", "missed" or "no result" (not "pass" / "fail": those words are kept for
            the paper's device targets, which a host never passes).
        detail: one line with the figures behind the value.
    """

    target: SpeedupTarget | FloorTarget
    value: float | None
    ci_low: float | None
    ci_high: float | None
    verdict: str
    detail: str


_BRIEF = "project brief (bench issue), in-run host target"

RUN_TARGETS: tuple[SpeedupTarget | FloorTarget, ...] = (
    SpeedupTarget(
        key="densestack-deploy-vs-naive-onnx",
        fast=Selector("densestack", "deploy", "onnx", "onnxruntime", "fp32"),
        slow=Selector("densestack", "naive-export", "onnx", "onnxruntime", "fp32"),
        threads=1,
        min_ratio=1.5,
        source=_BRIEF,
    ),
    FloorTarget(
        key="densestack-deploy-floor-fraction",
        record=Selector("densestack", "deploy", "onnx", "onnxruntime", "fp32"),
        threads=1,
        min_fraction=0.6,
        source=_BRIEF,
    ),
)


def find_record(result: BenchmarkResult, selector: Selector, threads: int) -> BenchmarkRecord | None:
    """The first "ok" record matching ``selector`` at ``threads``, or None."""
    return next((r for r in result.records if r.status == "ok" and r.threads == threads and selector.matches(r)), None)


def _ratio(fast: BenchmarkRecord, slow: BenchmarkRecord) -> tuple[float, float, float]:
    """slow/fast ratio of medians and its paired 95% interval (two-sided)."""
    paired = len(fast.latency_ms_samples) == len(slow.latency_ms_samples)
    ci = bootstrap_ratio_ci(fast.latency_ms_samples, slow.latency_ms_samples, confidence=0.975, paired=paired, seed=0)
    return ci.ratio, ci.lower, ci.upper


def _judge_speedup(result: BenchmarkResult, t: SpeedupTarget) -> RunTargetVerdict:
    fast, slow = find_record(result, t.fast, t.threads), find_record(result, t.slow, t.threads)
    if fast is None or slow is None:
        return RunTargetVerdict(t, None, None, None, NO_RESULT, "a record of the pair is missing or not ok")
    ratio, lo, hi = _ratio(fast, slow)
    detail = f"{slow.median_ms:.3f} ms / {fast.median_ms:.3f} ms (medians)"
    return RunTargetVerdict(t, ratio, lo, hi, MET if ratio >= t.min_ratio else MISSED, detail)


def _judge_floor(result: BenchmarkResult, t: FloorTarget) -> RunTargetVerdict:
    rec = find_record(result, t.record, t.threads)
    if rec is None or rec.cost.compute_floor_fraction is None:
        return RunTargetVerdict(t, None, None, None, NO_RESULT, "record missing, or no multiply-adds or floor")
    frac = rec.cost.compute_floor_fraction
    floor = rec.cost.achieved_mult_adds_per_s / frac
    detail = (f"{rec.cost.mult_adds / 1e6:.1f} M multiply-adds in {rec.median_ms:.3f} ms = "
              f"{rec.cost.achieved_mult_adds_per_s / 1e9:.1f} GMAC/s; floor {floor / 1e9:.1f} GMAC/s")  # fmt: skip
    return RunTargetVerdict(t, frac, None, None, MET if frac >= t.min_fraction else MISSED, detail)


def judge_run_targets(
    result: BenchmarkResult, targets: Sequence[SpeedupTarget | FloorTarget] = RUN_TARGETS
) -> list[RunTargetVerdict]:
    """Read every in-run target on one result (records of the same run only)."""
    return [_judge_speedup(result, t) if isinstance(t, SpeedupTarget) else _judge_floor(result, t) for t in targets]


@dataclass(frozen=True)
class SpeedRatio:
    """FPS of one variant over another's, same artifact kind, runtime, threads and precision.

    Attributes:
        label: e.g. "onnx onnxruntime fp32 x1".
        ratio: fps(numerator) / fps(denominator) = median(denominator) / median(numerator).
        ci_low, ci_high: paired 95% interval.
        paper_ratio: the same ratio from the paper's FPS (83 / 67 = 1.24 for ghost / dense).
    """

    label: str
    ratio: float
    ci_low: float
    ci_high: float
    paper_ratio: float


def variant_speed_ratios(
    result: BenchmarkResult, numerator: str = "ghoststack", denominator: str = "densestack"
) -> list[SpeedRatio]:
    """``numerator`` FPS / ``denominator`` FPS for every pair of ok records that differ only in variant.

    Records pair up when their names are equal after swapping the variant names and runtime, threads
    and precision match. The paper's ratio (83 / 67 for ghost / dense on an A14 CPU) is given beside.
    """
    paper = PAPER_FPS[numerator] / PAPER_FPS[denominator]
    index = {r.key: r for r in result.records if r.status == "ok"}
    out = []
    for rec in result.records:
        if rec.status != "ok" or rec.artifact.variant != denominator:
            continue
        key = (rec.artifact.name.replace(denominator, numerator), numerator, *rec.key[2:])
        other = index.get(key)
        if other is None:
            continue
        ratio, lo, hi = _ratio(other, rec)  # dense median / ghost median = ghost FPS / dense FPS
        kind = rec.artifact.name.split(".", 1)[1] if "." in rec.artifact.name else rec.artifact.name
        out.append(SpeedRatio(f"{kind} {rec.runtime.name} {rec.artifact.precision} x{rec.threads}", ratio, lo, hi, paper))
    return out
