"""The regression gate's error rates on REAL runs: false alarms on A/A, detections of a 20% slowdown.

Usage::

    python -m mobrecon_bench.gate.gate_error_rates                 # the CI gate (two result files), ~20 min
    python -m mobrecon_bench.gate.gate_error_rates --mode files --mode head-to-head    # both, ~28 min

    from mobrecon_bench.gate.gate_error_rates import measure_error_rates, rejudge_samples
    rates = measure_error_rates(comparisons=20)
    print(rates.format())
    print(rejudge_samples("samples.json", quantile=0.2).format())   # saved samples, judged another way

Setup:

1. The artifact: the built-in densestack exported as deploy-form ONNX fp32 (or ``--onnx PATH``).
2. The slower candidate: the same graph with some of its nodes run a second time
   (``mobrecon_bench.gate.heavier_graph``): real extra work of the model's own kind, so that its share of
   the latency holds under a neighbour's load. The share is calibrated by measurement (each step
   the original and the candidate measured interleaved, the share rescaled by the measured
   slowdown) to the requested slowdown; the chosen candidate's slowdown is measured again and
   printed.
3. Comparisons, alternating A/A and A/B so that machine load falls on both kinds alike:

   - mode ``files`` (what CI runs: ``mobrecon bench gate --baseline OLD.json --candidate NEW.json``):
     a baseline run, then a separate candidate run (each ``rounds`` fresh sessions, the yardstick
     of ``mobrecon_bench.running.yardstick`` timed interleaved in the same rounds, as ``bench run`` does),
     judged by :func:`mobrecon_bench.gate.gate.compare_results` on the yardstick-normalised ratio
     (unpaired two-level bootstrap); the same samples are also judged raw, for comparison;
   - mode ``head-to-head`` (``mobrecon bench head-to-head``): both measured interleaved in the same
     rounds, judged paired.

   A/A compares the artifact with itself: any "regression" verdict is a false alarm. A/B compares
   it with the slower candidate: "regression" is a detection.

Defaults: densestack, 1 thread, 14 rounds of ~0.15 s timed per record (the CI example's 14
rounds), allowance 10%, 95% confidence, 20 A/A + 20 A/B comparisons, mode ``files`` with the
yardstick: about 20 minutes on a 2-core host under load; head-to-head about 8 more. Why 14 short
rounds rather than 7 of 0.3 s (the same timed seconds): each fresh session has its own speed (its
p10 spreads by up to 25% from one session to the next under a neighbour's load), which no
yardstick shares; twice the sessions halve that part of the run-to-run spread, and what is left is
mostly the machine's state, which the yardstick does share (benchmarks/README.md, "Measured on
real runs").
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.gate.gate import DEFAULT_QUANTILE, REGRESSION, PairVerdict, compare_results, judge_samples
from mobrecon_bench.running.runners import OrtRunner
from mobrecon_bench.results.schema import BenchmarkResult
from mobrecon_bench.results.stats import bootstrap_ratio_ci
from mobrecon_bench.running.timing import measure
from mobrecon_bench.running.yardstick import is_yardstick, yardstick_runner

__all__ = ["ModeRates", "ErrorRates", "calibrate_nodes", "measure_error_rates", "rejudge_samples", "main"]

MODES = ("files", "head-to-head")
Log = Callable[[str], None]


@dataclass
class ModeRates:
    """Outcome of one mode.

    Attributes:
        mode: "files" or "head-to-head".
        aa: verdicts of the A/A comparisons.
        ab: verdicts of the A/B (slower candidate) comparisons.
        samples: raw latencies of every comparison, ms per round: {"kind": "A/A" | "A/B",
            "baseline": [[...]], "candidate": [[...]]}, plus "baseline_yardstick" and
            "candidate_yardstick" when the runs timed the yardstick; in run order (for re-analysis).
        raw_aa: A/A verdicts of the same samples judged raw (mode files with the yardstick), else empty.
        raw_ab: A/B verdicts judged raw likewise.
    """

    mode: str
    aa: list[PairVerdict] = field(default_factory=list)
    ab: list[PairVerdict] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)
    raw_aa: list[PairVerdict] = field(default_factory=list)
    raw_ab: list[PairVerdict] = field(default_factory=list)

    @property
    def false_alarms(self) -> int:
        """A/A comparisons judged a regression."""
        return sum(p.verdict == REGRESSION for p in self.aa)

    @property
    def detections(self) -> int:
        """A/B comparisons judged a regression."""
        return sum(p.verdict == REGRESSION for p in self.ab)


def _spread(pairs: Sequence[PairVerdict]) -> str:
    ratios = [p.ratio for p in pairs if p.ratio is not None]
    lows = [p.ci_lower for p in pairs if p.ci_lower is not None]
    if not ratios:
        return "no ratios"
    sticks = [p.yardstick_ratio for p in pairs if p.yardstick_ratio is not None]
    moved = f"; yardstick moved x{min(sticks):.3f} to x{max(sticks):.3f}" if sticks else ""
    return (f"ratio min/median/max {min(ratios):.3f} / {np.median(ratios):.3f} / {max(ratios):.3f}; "
            f"lower bound max {max(lows):.3f}, min {min(lows):.3f}{moved}")  # fmt: skip


@dataclass
class ErrorRates:
    """Everything :func:`measure_error_rates` measured, with the setup that produced it.

    Attributes:
        setup: (label, value) lines describing artifact, candidate, calibration and options.
        modes: one ModeRates per mode run.
        seconds: wall time of the whole measurement.
    """

    setup: list[tuple[str, str]]
    modes: list[ModeRates]
    seconds: float

    def format(self) -> str:
        """Plain text: the setup, then per mode the counts and the spread of the ratios."""
        lines = ["gate error rates on real runs", *[f"  {k}: {v}" for k, v in self.setup], ""]
        for m in self.modes:
            n_aa, n_ab = len(m.aa), len(m.ab)
            how = " (normalised by the yardstick)" if any(p.normalised for p in m.aa + m.ab) else ""
            lines += [
                f"mode {m.mode}{how}:",
                f"  A/A (same artifact): false alarms {m.false_alarms}/{n_aa}; {_spread(m.aa)}",
                f"  A/B (slower candidate): flagged {m.detections}/{n_ab}; {_spread(m.ab)}",
                f"  verdicts A/A: {_counts(m.aa)}; A/B: {_counts(m.ab)}",
            ]
            if m.raw_aa or m.raw_ab:
                raw_fa, raw_det = (sum(p.verdict == REGRESSION for p in v) for v in (m.raw_aa, m.raw_ab))
                lines += [
                    f"  the same samples judged raw (without the yardstick): false alarms {raw_fa}/{len(m.raw_aa)}, "
                    f"flagged {raw_det}/{len(m.raw_ab)}",
                    f"    A/A {_spread(m.raw_aa)}",
                    f"    A/B {_spread(m.raw_ab)}",
                ]
        lines.append(f"took {self.seconds:.0f} s")
        return "\n".join(lines)


def _counts(pairs: Sequence[PairVerdict]) -> str:
    names: dict[str, int] = {}
    for p in pairs:
        names[p.verdict] = names.get(p.verdict, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(names.items()))


def _paired_ratio(
    base: OrtRunner, cand: OrtRunner, *, rounds: int, time_budget_s: float, threads: int
) -> tuple[float, float]:
    """Candidate / baseline ratios (gate quantile, median), both measured interleaved in the same rounds."""
    a, b = measure([base, cand], threads=[threads], rounds=rounds, time_budget_s=time_budget_s, progress=False)
    ratio = lambda q: bootstrap_ratio_ci(a.latency_ms_samples, b.latency_ms_samples, paired=True, n_boot=200,  # noqa: E731
                                         quantile=q).ratio  # fmt: skip
    return ratio(DEFAULT_QUANTILE), ratio(0.5)


def calibrate_nodes(
    src: Path,
    workdir: Path,
    *,
    slowdown: float,
    threads: int,
    tolerance: float = 0.02,
    max_steps: int = 5,
    log: Log = lambda m: None,
) -> tuple[Path, list[int], float]:
    """Build the slower candidate: pick the share of the model's estimated work to run twice, measure,
    rescale the share, until the measured slowdown is within ``tolerance`` of ``slowdown``; then
    measure the closest candidate again.

    The slowdown is that of the statistic the gate judges (the :data:`DEFAULT_QUANTILE` latency
    ratio; under a neighbour's load a median ratio wanders by +-5% from one measurement to the
    next). Each step measures the original and the candidate interleaved (7 paired rounds of
    0.3 s); the final check 11.

    Args:
        src: the original ONNX file.
        workdir: folder for the candidate files.
        slowdown: wanted extra latency as a fraction (0.2 = 20% slower).
        threads: intra-op threads of the measurement.
        tolerance: accepted distance of the measured slowdown from ``slowdown`` (0.02 = 2 points).
        max_steps: most measure-and-rescale steps.
        log: progress callback.

    Returns:
        (candidate path, prefix lengths of the copies, measured slowdown ratio at the gate's
        quantile over 11 paired rounds).
    """
    from mobrecon_bench.gate.heavier_graph import add_duplicate_work, plan_prefixes

    base = OrtRunner(name="calibration", path=src)
    stat = f"p{DEFAULT_QUANTILE * 100:g}"
    fraction, best = slowdown, None
    for step in range(max_steps):
        prefixes = plan_prefixes(src, fraction=fraction)
        cand = add_duplicate_work(src, workdir / f"slower_{step}.onnx", prefixes=prefixes)
        ratio, median = _paired_ratio(base, OrtRunner(name="calibration", path=cand), rounds=7, time_budget_s=0.3,
                                      threads=threads)  # fmt: skip
        log(f"copies of the first {prefixes} nodes ({fraction:.1%} of the estimated work): {stat} x{ratio:.3f}, "
            f"median x{median:.3f} (target x{1 + slowdown:.2f})")  # fmt: skip
        if best is None or abs(ratio - 1 - slowdown) < abs(best[0] - 1 - slowdown):
            best = (ratio, cand, prefixes)
        if abs(ratio - 1 - slowdown) <= tolerance:
            break
        fraction *= slowdown / max(ratio - 1.0, 0.01)
    _, cand, prefixes = best
    measured, median = _paired_ratio(base, OrtRunner(name="calibration", path=cand), rounds=11, time_budget_s=0.3,
                                     threads=threads)  # fmt: skip
    log(f"candidate: copies of the first {prefixes} nodes, measured {stat} x{measured:.3f}, median x{median:.3f}")
    return cand, prefixes, measured


def _result(runners: Sequence[OrtRunner], threads: int, rounds: int, time_budget_s: float) -> BenchmarkResult:
    from mobrecon_bench.running.benchmark import run_benchmark

    return run_benchmark(runners, threads=[threads], rounds=rounds, time_budget_s=time_budget_s, skip_floor=True,
                         progress=False)  # fmt: skip


Judged = tuple[PairVerdict, PairVerdict | None, dict]


def _files_verdict(base: OrtRunner, cand: OrtRunner, options: dict, max_slowdown: float) -> Judged:
    """Two separate runs (baseline first), judged as `mobrecon bench gate` judges two files.

    With ``options["yardstick"]`` (a yardstick runner) each run times it interleaved with its
    artifact; the verdict is then normalised, and the same two results are also judged raw.
    """
    stick, timing = options.get("yardstick"), {k: v for k, v in options.items() if k != "yardstick"}
    first = _result([base, *([stick] if stick else [])], **timing)
    second = _result([cand, *([stick] if stick else [])], **timing)
    samples = {}
    for side, result in (("baseline", first), ("candidate", second)):
        for rec in result.records:
            samples[side + ("_yardstick" if is_yardstick(rec) else "")] = rec.latency_ms_samples
    verdict = compare_results(first, second, max_slowdown=max_slowdown).pairs[0]
    raw = compare_results(first, second, max_slowdown=max_slowdown, normalise=False).pairs[0] if stick else None
    return verdict, raw, samples


def _h2h_verdict(base: OrtRunner, cand: OrtRunner, options: dict, max_slowdown: float) -> Judged:
    """Both measured interleaved in the same rounds, judged paired (as ``head_to_head`` does); no yardstick."""
    a, b = measure([base, cand], threads=[options["threads"]], rounds=options["rounds"],
                   time_budget_s=options["time_budget_s"], progress=False)  # fmt: skip
    verdict = judge_samples(a.latency_ms_samples, b.latency_ms_samples, max_slowdown=max_slowdown, paired=True,
                            label=f"{cand.name} vs {base.name} x{options['threads']}")  # fmt: skip
    return verdict, None, {"baseline": a.latency_ms_samples, "candidate": b.latency_ms_samples}


def _artifact(onnx: Path | None, workdir: Path, log: Log) -> Path:
    if onnx is not None:
        if not Path(onnx).is_file():
            raise BenchmarkError(f"ONNX file {onnx} does not exist")
        return Path(onnx)
    from mobrecon_export.pipeline import export_model

    log("exporting the built-in densestack (deploy form, ONNX fp32) to a temp folder")
    out = export_model(variant="densestack", targets="onnx", precision="fp32", out=workdir / "export", skip_verify=True,
                       progress=False).out_dir  # fmt: skip
    return next(out.glob("*.fp32.onnx"))


def measure_error_rates(
    *,
    onnx: Path | None = None,
    comparisons: int = 20,
    slowdown: float = 0.2,
    max_slowdown: float = 0.10,
    modes: Sequence[str] = ("files",),
    rounds: int = 14,
    time_budget_s: float = 0.15,
    threads: int = 1,
    yardstick: bool = True,
    log: Log = lambda m: None,
) -> ErrorRates:
    """Count the gate's false alarms (A/A) and detections (A/B, ``slowdown`` slower) over real runs.

    Args:
        onnx: artifact to use; None exports the built-in densestack (deploy form, fp32).
        comparisons: A/A comparisons and A/B comparisons per mode (each).
        slowdown: extra latency of the slower candidate, calibrated by measurement (0.2 = 20%).
        max_slowdown: the gate's allowance (0.1 = 10%).
        modes: "files" and/or "head-to-head".
        rounds: fresh sessions per side per comparison.
        time_budget_s: timed seconds per side per round.
        threads: intra-op threads.
        yardstick: in mode files, time the yardstick in every run and judge normalised (as
            ``bench run`` and ``bench gate`` do by default); the same samples are judged raw too.
        log: progress callback.

    Returns:
        ErrorRates with the setup and the verdicts.

    Raises:
        BenchmarkError: for an unknown mode, a missing file or an option out of range.
    """
    unknown = [m for m in modes if m not in MODES]
    if unknown or comparisons < 1 or not 0 < slowdown < 5:
        raise BenchmarkError(f"modes must be among {MODES}, comparisons >= 1 and 0 < slowdown < 5; got {list(modes)}, "
                             f"{comparisons}, {slowdown}")  # fmt: skip
    start = time.perf_counter()
    load_start = _load()
    with tempfile.TemporaryDirectory(prefix="mobrecon-gate-rates-") as tmp:
        work = Path(tmp)
        src = _artifact(onnx, work, log)
        cand_path, prefixes, measured = calibrate_nodes(src, work, slowdown=slowdown, threads=threads, log=log)
        base, same = OrtRunner(name="densestack", path=src), OrtRunner(name="densestack", path=src)
        slower = OrtRunner(name="densestack", path=cand_path)
        options = dict(threads=threads, rounds=rounds, time_budget_s=time_budget_s,
                       yardstick=yardstick_runner(work) if yardstick else None)  # fmt: skip
        judges = {"files": _files_verdict, "head-to-head": _h2h_verdict}
        results = []
        for mode in modes:
            rates = ModeRates(mode)
            for i in range(comparisons):
                for kind, other, verdicts, raws in (("A/A", same, rates.aa, rates.raw_aa),
                                                    ("A/B", slower, rates.ab, rates.raw_ab)):  # fmt: skip
                    verdict, raw, samples = judges[mode](base, other, options, max_slowdown)
                    verdicts.append(verdict)
                    raws += [raw] if raw is not None else []
                    rates.samples.append({"kind": kind, **samples})
                log(f"{mode} {i + 1}/{comparisons}: A/A {_brief(rates.aa[-1])}; A/B {_brief(rates.ab[-1])}")
            results.append(rates)
    load_end = _load()
    from mobrecon_bench.running.host import describe_host

    host = describe_host()
    setup = [
        ("artifact", f"{src.name} (densestack deploy form, ONNX fp32)" if onnx is None else str(src)),
        ("slower candidate", f"the same graph plus copies of its first {prefixes} nodes on scaled inputs "
                             f"(real work of the model's own kind); measured p{DEFAULT_QUANTILE * 100:g} x{measured:.3f} "
                             f"interleaved over 11 rounds (asked for x{1 + slowdown:.2f})"),
        ("gate", f"allowance {max_slowdown:.0%}, one-sided 95% lower bound of the p{DEFAULT_QUANTILE * 100:g} latency ratio, "
                 "2000 bootstrap replicates" + ("; mode files: normalised by the yardstick timed in the same rounds "
                                                "of each run" if yardstick else "; no yardstick")),
        ("per side", f"{rounds} rounds (fresh ONNX Runtime sessions), ~{time_budget_s:g} s timed per record per round, "
                     f"{threads} thread(s), 10 warm-up inferences"),
        ("comparisons", f"{comparisons} A/A and {comparisons} A/B per mode, alternating; modes {', '.join(modes)}"),
        ("host", f"{host.cpu_model}, {host.usable_cores} usable cores; load average (1, 5, 15 min) {load_start} at "
                 f"start, {load_end} at end"),
    ]  # fmt: skip
    return ErrorRates(setup, results, time.perf_counter() - start)


def _load() -> str:
    """The 1, 5 and 15 minute load averages, e.g. "2.51 / 2.40 / 1.98", or "n/a"."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def _brief(p: PairVerdict) -> str:
    """e.g. "1.012 (raw 1.051) unchanged" for the progress log."""
    raw = f" (raw {p.raw_ratio:.3f})" if p.normalised else ""
    return f"{p.ratio:.3f}{raw} {p.verdict}" if p.ratio is not None else p.verdict


def rejudge_samples(
    path: str | os.PathLike[str],
    *,
    quantile: float = DEFAULT_QUANTILE,
    max_slowdown: float = 0.10,
    normalise: bool = True,
    n_boot: int = 2000,
) -> ErrorRates:
    """Judge the samples saved by a measurement (``--samples-out``) again, with other options.

    Mode files is judged unpaired, normalised by the saved yardstick rounds when ``normalise`` and
    present (files saved before the yardstick have none: raw); head-to-head is judged paired. With
    the defaults, a files run is judged exactly as it was (same bootstrap seed).

    Args:
        path: the JSON written by ``--samples-out``.
        quantile: latency quantile whose ratio is judged.
        max_slowdown: the gate's allowance.
        normalise: use the saved yardstick rounds.
        n_boot: bootstrap replicates.

    Returns:
        ErrorRates with the verdicts (no raw re-judgement: call again with ``normalise=False``).

    Raises:
        BenchmarkError: if the file is missing or not such a samples file.
    """
    start = time.perf_counter()
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        modes = doc["modes"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BenchmarkError(f"{path} is not a samples file of gate_error_rates: {err}") from None
    results = []
    for mode, entries in modes.items():
        rates = ModeRates(mode, samples=entries)
        for entry in entries:
            sticks = (entry.get("baseline_yardstick"), entry.get("candidate_yardstick")) if normalise else (None, None)
            verdict = judge_samples(entry["baseline"], entry["candidate"], max_slowdown=max_slowdown, n_boot=n_boot,
                                    paired=mode == "head-to-head", quantile=quantile, baseline_yardstick=sticks[0],
                                    candidate_yardstick=sticks[1], label=entry["kind"])  # fmt: skip
            (rates.aa if entry["kind"] == "A/A" else rates.ab).append(verdict)
        results.append(rates)
    stick = "normalised by the saved yardstick rounds where present" if normalise else "raw"
    setup = [("samples", str(path)), ("judged", f"p{quantile * 100:g} ratio, allowance {max_slowdown:.0%}, {stick}")]
    return ErrorRates(setup, results, time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: print the counts and the setup; exit 0, or 2 with one sentence on a user error."""
    app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)

    @app.command()
    def run(
        onnx: Annotated[Path | None, typer.Option(help="Artifact to use. Default: the built-in densestack, exported now.")] = None,
        comparisons: Annotated[int, typer.Option(help="A/A and A/B comparisons per mode (each).")] = 20,
        slowdown: Annotated[float, typer.Option(help="Extra latency of the slower candidate (0.2 = 20%).")] = 0.2,
        max_slowdown: Annotated[float, typer.Option(help="The gate's allowance (0.1 = 10%).")] = 0.10,
        mode: Annotated[list[str] | None, typer.Option(help="files and/or head-to-head; repeat. Default: files.")] = None,
        rounds: Annotated[int, typer.Option(help="Fresh sessions per side per comparison.")] = 14,
        time_budget_s: Annotated[float, typer.Option("--time-budget-s", help="Timed seconds per side per round.")] = 0.15,
        threads: Annotated[int, typer.Option(help="Intra-op threads.")] = 1,
        skip_yardstick: Annotated[bool, typer.Option("--skip-yardstick", help="Mode files without the yardstick (raw).")] = False,
        samples_out: Annotated[Path | None, typer.Option(help="Also write every comparison's raw samples (JSON).")] = None,
    ) -> None:
        """Measure the regression gate's false-alarm and detection counts on real runs."""
        try:
            rates = measure_error_rates(onnx=onnx, comparisons=comparisons, slowdown=slowdown, max_slowdown=max_slowdown,
                                        modes=mode or ("files",), rounds=rounds, time_budget_s=time_budget_s, threads=threads,
                                        yardstick=not skip_yardstick, log=lambda m: typer.echo(m, err=True))  # fmt: skip
        except BenchmarkError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
        typer.echo(rates.format())
        if samples_out is not None:
            doc = {"setup": dict(rates.setup), "modes": {m.mode: m.samples for m in rates.modes}}
            samples_out.write_text(json.dumps(doc) + "\n", encoding="utf-8")

    app(args=list(argv) if argv is not None else None, prog_name="python -m mobrecon_bench.gate.gate_error_rates")


if __name__ == "__main__":
    main()
