"""One benchmark run: describe the host, measure the compute floor, measure runners, build records.

Usage::

    from mobrecon_bench.running.benchmark import run_benchmark
    from mobrecon_bench.running.runners import OrtRunner

    result = run_benchmark([OrtRunner(name="densestack", path="densestack.onnx")], threads=[1, 2])
    result.records[0].median_ms

Records are built from raw measurements with :func:`record_from_measurement`; tables, Markdown
and charts are rendered from records elsewhere (``mobrecon_bench.reports.report``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from mobrecon_bench.running.host import describe_host, host_name, measure_compute_floor, tool_versions, usable_cores
from mobrecon_bench.running.runners import Runner, runner_for_file
from mobrecon_bench.results.schema import BenchmarkRecord, BenchmarkResult, ComputeFloor, Cost, HostLoad
from mobrecon_bench.results.stats import summarize
from mobrecon_bench.results.targets import variant_from_name
from mobrecon_bench.running.timing import Measurement, measure, measurement_method

__all__ = ["run_benchmark", "record_from_measurement", "runners_for_files"]


def runners_for_files(paths: Sequence[str | os.PathLike[str]]) -> list[Runner]:
    """Runners for artifact files (by suffix), named by file stem, variant read from the stem.

    The variant is the target variant the stem starts with ("densestack_fp32.onnx" ->
    "densestack"), else None; precision is taken as fp32.

    Raises:
        BenchmarkError: for an unsupported suffix.
    """
    return [runner_for_file(p, variant=variant_from_name(Path(p).stem)) for p in paths]


def _cost(mult_adds: int | None, median_ms: float | None, floor: ComputeFloor | None) -> Cost:
    if mult_adds is None or median_ms is None:
        return Cost(mult_adds=mult_adds)
    achieved = mult_adds / (median_ms / 1000.0)
    fraction = achieved / floor.mult_adds_per_s if floor is not None else None
    return Cost(mult_adds=mult_adds, achieved_mult_adds_per_s=achieved, compute_floor_fraction=fraction)


def record_from_measurement(m: Measurement, floors: Sequence[ComputeFloor] = ()) -> BenchmarkRecord:
    """Summarise one raw measurement into a schema record.

    Args:
        m: the measurement (samples in milliseconds).
        floors: compute floors of this host; the one with the same runtime and thread count, if
            any, gives ``cost.compute_floor_fraction``.

    Returns:
        The record, with summaries filled when status is "ok".
    """
    artifact, runtime = m.runner.describe()
    record = BenchmarkRecord(
        artifact=artifact,
        runtime=runtime,
        threads=m.threads,
        status=m.status,
        reason=m.reason,
        latency_ms_samples=m.latency_ms_samples,
        session_load_ms=m.session_load_ms,
        iterations_per_round=m.iterations_per_round or None,
        peak_rss_mib=m.peak_rss_mib,
        rss_growth_mib=m.rss_growth_mib,
        accuracy=m.runner.accuracy,
    )
    if m.status == "ok":
        s = summarize(m.latency_ms_samples)
        record.median_ms, record.p10_ms, record.p90_ms = s.median_ms, s.p10_ms, s.p90_ms
        record.trimmed_mean_ms, record.mad_ms, record.fps = s.trimmed_mean_ms, s.mad_ms, s.fps
        record.round_median_ms, record.round_spread_pct = s.round_median_ms, s.round_spread_pct
    floor = next((f for f in floors if f.runtime == runtime.name and f.threads == m.threads), None)
    record.cost = _cost(m.runner.mult_adds, record.median_ms, floor)
    return record


def run_benchmark(
    runners: Sequence[Runner],
    *,
    threads: Sequence[int] | None = None,
    rounds: int = 5,
    warmup: int = 10,
    min_iters: int = 20,
    time_budget_s: float = 1.0,
    alternate_order: bool = True,
    skip_floor: bool = False,
    progress: bool = True,
) -> BenchmarkResult:
    """Benchmark runners on this host and return a complete result.

    Args:
        runners: what to measure (see ``mobrecon_bench.running.runners``).
        threads: thread counts for every runner; None keeps each runner's own.
        rounds: fresh sessions per (runner, threads).
        warmup: untimed inferences per session.
        min_iters: minimum timed inferences per round.
        time_budget_s: target timed seconds per (runner, threads) per round.
        alternate_order: reverse the candidate order in odd rounds.
        skip_floor: do not measure the compute floor (at 1 thread, all usable cores and every
            measured thread count, before and after the records, keeping the higher of the two;
            about 1.5 s per runtime and count).
        progress: show a progress bar on stderr.

    Returns:
        BenchmarkResult with host description, tool versions, method, compute floor and one record
        per (runner, threads).

    Raises:
        BenchmarkError: for out-of-range options or an artifact that is missing or cannot load.
    """
    load_start = _load_average()
    floor_threads = sorted({1, usable_cores()} | set(threads or [r.threads for r in runners]))
    before = [] if skip_floor else measure_compute_floor(threads=floor_threads)
    measurements = measure(
        runners,
        threads=threads,
        rounds=rounds,
        warmup=warmup,
        min_iters=min_iters,
        time_budget_s=time_budget_s,
        alternate_order=alternate_order,
        progress=progress,
    )
    floors = [] if skip_floor else _best_floors(before, measure_compute_floor(threads=floor_threads))
    return BenchmarkResult(
        created_utc=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        host=host_name(),
        device=describe_host(),
        tool_versions=tool_versions(),
        method=measurement_method(
            rounds=rounds,
            warmup=warmup,
            min_iters=min_iters,
            time_budget_s=time_budget_s,
            alternate_order=alternate_order,
        ),
        compute_floor=floors,
        records=[record_from_measurement(m, floors) for m in measurements],
        host_load=_host_load(load_start, _load_average()),
    )


def _best_floors(before: Sequence[ComputeFloor], after: Sequence[ComputeFloor]) -> list[ComputeFloor]:
    """Per (runtime, threads), the higher of the floors measured before and after the records.

    The floor is a yardstick of what the machine can do; a neighbour's burst during one of the two
    measurements lowers that one, so the higher is the better estimate of the sustained rate.
    """
    best = {(f.runtime, f.threads): f for f in before}
    for f in after:
        key = (f.runtime, f.threads)
        if key not in best or f.mult_adds_per_s > best[key].mult_adds_per_s:
            best[key] = f
    return list(best.values())


def _load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (runnable threads), or None where the OS has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _host_load(start: list[float] | None, end: list[float] | None) -> HostLoad | None:
    return HostLoad(start, end) if start is not None and end is not None else None
