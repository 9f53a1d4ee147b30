"""The measurement loop: interleaved rounds of fresh sessions, raw per-inference samples.

Usage::

    from mobrecon_bench.running.timing import measure

    measurements = measure([runner_a, runner_b], threads=[1, 2], rounds=5, warmup=10,
                           min_iters=20, time_budget_s=1.0)
    measurements[0].latency_ms_samples      # [[ms, ...] per round]

Method, for every candidate = (runner, thread count):

1. Interleaving: round r of every candidate runs before round r+1 of any, so slow drift of the
   machine (thermal state, a neighbour's load on a shared CI box) spreads over all candidates
   instead of biasing the ones measured last. With ``alternate_order`` odd rounds run the
   candidates in reverse (A B C, C B A, ...), which cancels a linear drift within rounds.
2. Each round loads a fresh session (timed: ``session_load_ms``), runs ``warmup`` untimed
   inferences, then a fixed number of timed inferences. That number is chosen once per candidate
   from the first round's warm-up speed: ``max(min_iters, time_budget_s / warm-up median)``
   (capped at ``max_iters``), so every round of a candidate has the same count.
3. Each timed inference is bracketed by ``time.perf_counter_ns``; the garbage collector is paused
   during the timed block. Every sample is kept, in milliseconds.
4. Memory (see ``mobrecon_bench.running.memory``): per process. Before each ``load()`` the allocator's
   cached free memory goes back to the OS and the RSS high-water mark is reset (Linux);
   ``rss_growth_mib`` is the largest growth from the RSS before ``load()`` to the high-water mark
   of the round (load, warm-up and timed runs, transient peaks included): the session's own
   footprint. ``peak_rss_mib`` is the largest high-water mark of the process over the candidate's
   rounds (interpreter and libraries included). Where the mark cannot be reset it is the process's
   high-water mark since start.

Candidates whose runner is unavailable (missing runtime, failed export) yield a measurement with
that status and reason and no samples.
"""

from __future__ import annotations

import gc
import math
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.running.memory import current_rss_mib, peak_rss_mib, release_free_memory, reset_peak
from mobrecon_bench.running.runners import Runner, RunnerUnavailable, Session, Unavailable
from mobrecon_bench.results.schema import Method, Status
from mobrecon_bench.results.stats import TRIM_FRACTION

__all__ = ["Measurement", "measure", "measurement_method"]

_NS_PER_MS = 1e6


@dataclass
class Measurement:
    """Raw measurement of one (runner, threads) candidate.

    Attributes:
        runner: the runner, with ``threads`` set to the measured thread count.
        status: "ok", or the runner's unavailable status.
        reason: why not ok; None when ok.
        latency_ms_samples: per round, every timed inference, milliseconds.
        session_load_ms: per round, time of ``runner.load()``, milliseconds.
        iterations_per_round: timed inferences per round (0 if none ran).
        peak_rss_mib: largest process RSS high-water mark over the candidate's rounds, MiB; None if unknown.
        rss_growth_mib: largest growth from RSS before ``load()`` to the round's high-water mark, MiB.
    """

    runner: Runner
    status: Status = "ok"
    reason: str | None = None
    latency_ms_samples: list[list[float]] = field(default_factory=list)
    session_load_ms: list[float] = field(default_factory=list)
    iterations_per_round: int = 0
    peak_rss_mib: float | None = None
    rss_growth_mib: float | None = None

    @property
    def threads(self) -> int:
        """Intra-op threads of this candidate."""
        return self.runner.threads

    def mark_unavailable(self, unavailable: Unavailable) -> None:
        """Record why this candidate cannot run and drop any partial samples."""
        self.status, self.reason = unavailable.status, unavailable.reason
        self.latency_ms_samples, self.session_load_ms = [], []


class _Progress:
    """tqdm bar on stderr when tqdm is importable, else one rewritten stderr line; or silent."""

    def __init__(self, total: int, enabled: bool):
        self._bar = None
        self._total, self._done, self._enabled = total, 0, enabled
        if enabled:
            try:
                from tqdm import tqdm

                self._bar = tqdm(total=total, unit="round", file=sys.stderr, leave=False)
            except ImportError:
                pass

    def step(self, label: str) -> None:
        self._done += 1
        if self._bar is not None:
            self._bar.set_description(label, refresh=False)
            self._bar.update(1)
        elif self._enabled:
            print(f"\r[{self._done}/{self._total}] {label}\033[K", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._enabled:
            print(file=sys.stderr)


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _timed_block(session: Session, iterations: int) -> list[float]:
    """Run ``iterations`` inferences, each timed with perf_counter_ns; returns milliseconds."""
    clock = time.perf_counter_ns
    samples = np.empty(iterations, dtype=np.int64)
    with _gc_paused():
        for i in range(iterations):
            start = clock()
            session.run()
            samples[i] = clock() - start
    return np.round(samples / _NS_PER_MS, 6).tolist()  # 6 decimals of ms = 1 ns, the clock's unit


def _iterations(warmup_ms: list[float], min_iters: int, max_iters: int, time_budget_s: float) -> int:
    """Timed iterations per round from the warm-up speed and the time budget."""
    if not warmup_ms:
        return min_iters
    per_iter_ms = max(float(np.median(warmup_ms)), 1e-6)
    return int(min(max_iters, max(min_iters, math.floor(time_budget_s * 1000.0 / per_iter_ms))))


def _one_round(m: Measurement, *, warmup: int, min_iters: int, max_iters: int, time_budget_s: float) -> None:
    """Load a fresh session, warm it up, time the round's iterations; appends to ``m``."""
    release_free_memory()
    reset_peak()
    rss_before = current_rss_mib()
    start = time.perf_counter_ns()
    session = m.runner.load()
    m.session_load_ms.append((time.perf_counter_ns() - start) / _NS_PER_MS)
    with session:
        warm = _timed_block(session, warmup)
        if not m.iterations_per_round:
            m.iterations_per_round = _iterations(warm, min_iters, max_iters, time_budget_s)
        m.latency_ms_samples.append(_timed_block(session, m.iterations_per_round))
        peak = peak_rss_mib()
    if rss_before is not None and peak is not None:
        growth = peak - rss_before
        m.rss_growth_mib = growth if m.rss_growth_mib is None else max(m.rss_growth_mib, growth)
    if peak is not None:
        m.peak_rss_mib = peak if m.peak_rss_mib is None else max(m.peak_rss_mib, peak)
    del session
    gc.collect()


def measure(
    runners: Sequence[Runner],
    *,
    threads: Sequence[int] | None = None,
    rounds: int = 5,
    warmup: int = 10,
    min_iters: int = 20,
    max_iters: int = 100_000,
    time_budget_s: float = 1.0,
    alternate_order: bool = True,
    progress: bool = True,
) -> list[Measurement]:
    """Measure every (runner, thread count) candidate in interleaved rounds.

    Args:
        runners: what to measure.
        threads: thread counts to measure each runner at; None keeps each runner's own ``threads``.
        rounds: fresh sessions per candidate (>= 1).
        warmup: untimed inferences per session before timing (>= 0).
        min_iters: minimum timed inferences per round (>= 1).
        max_iters: maximum timed inferences per round.
        time_budget_s: target timed seconds per candidate per round.
        alternate_order: reverse the candidate order in odd rounds.
        progress: show a progress bar on stderr.

    Returns:
        One Measurement per candidate, runners outer and thread counts inner, in input order.

    Raises:
        BenchmarkError: if an option is out of range or an artifact is missing or cannot load.
    """
    _check_options(
        rounds=rounds,
        warmup=warmup,
        min_iters=min_iters,
        max_iters=max_iters,
        time_budget_s=time_budget_s,
        threads=threads,
    )
    candidates = [r.with_threads(t) for r in runners for t in threads] if threads else list(runners)
    results = [Measurement(runner=c) for c in candidates]
    for m in results:
        missing = m.runner.unavailable()
        if missing is not None:
            m.mark_unavailable(missing)
        else:
            m.runner.validate()
    active = [m for m in results if m.status == "ok"]
    bar = _Progress(total=rounds * len(active), enabled=progress)
    try:
        for r in range(rounds):
            order = active[::-1] if alternate_order and r % 2 else active
            for m in order:
                if m.status != "ok":
                    continue
                try:
                    _one_round(m, warmup=warmup, min_iters=min_iters, max_iters=max_iters, time_budget_s=time_budget_s)
                except RunnerUnavailable as err:
                    m.mark_unavailable(err.unavailable)
                bar.step(f"round {r + 1}/{rounds} {m.runner.name} {m.runner.runtime} x{m.threads}")
    finally:
        bar.close()
    return results


def _check_options(
    *, rounds: int, warmup: int, min_iters: int, max_iters: int, time_budget_s: float, threads: Sequence[int] | None
) -> None:
    """Raise BenchmarkError naming the first out-of-range option."""
    if rounds < 1:
        raise BenchmarkError(f"rounds must be at least 1, got {rounds}")
    if warmup < 0:
        raise BenchmarkError(f"warmup must be 0 or more, got {warmup}")
    if min_iters < 1:
        raise BenchmarkError(f"min_iters must be at least 1, got {min_iters}")
    if max_iters < min_iters:
        raise BenchmarkError(f"max_iters ({max_iters}) must be at least min_iters ({min_iters})")
    if time_budget_s < 0:
        raise BenchmarkError(f"time_budget_s must be 0 or more, got {time_budget_s}")
    if threads is not None and any(t < 1 for t in threads):
        raise BenchmarkError(f"thread counts must be at least 1, got {list(threads)}")


def measurement_method(
    *, rounds: int, warmup: int, min_iters: int, time_budget_s: float, alternate_order: bool
) -> Method:
    """The schema's Method block describing a :func:`measure` call with these options."""
    return Method(
        rounds=rounds,
        warmup_iters=warmup,
        min_iters=min_iters,
        time_budget_s=time_budget_s,
        interleaved=True,
        alternate_order=alternate_order,
        timer="perf_counter_ns",
        trim_fraction=TRIM_FRACTION,
    )
