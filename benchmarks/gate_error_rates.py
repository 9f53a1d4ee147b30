"""The regression gate's error rates on REAL runs: false alarms on A/A, detections of a 20% slowdown.

Usage::

    python -m mobrecon_bench.gate_error_rates                 # defaults: 20 + 20 comparisons, both modes
    python -m mobrecon_bench.gate_error_rates --mode files --comparisons 20 --slowdown 0.2

    from mobrecon_bench.gate_error_rates import measure_error_rates
    rates = measure_error_rates(comparisons=20)
    print(rates.format())

Setup:

1. The artifact: the built-in densestack exported as deploy-form ONNX fp32 (or ``--onnx PATH``).
2. The slower candidate: the same graph plus a chain of orthogonal matrix products on the input
   (``mobrecon_bench.heavier_graph``), real extra work. The number of blocks is calibrated by
   measurement: a probe with a few blocks is measured interleaved with the original to get the
   cost of one block, the block count for the requested slowdown follows, and the final
   candidate's slowdown is measured again (interleaved, paired) and printed.
3. Comparisons, alternating A/A and A/B so that machine load falls on both kinds alike:

   - mode ``files`` (what CI runs: ``mobrecon bench gate --baseline OLD.json --candidate NEW.json``):
     a baseline run, then a separate candidate run (each ``rounds`` fresh sessions), judged by
     :func:`mobrecon_bench.gate.compare_results` (unpaired two-level bootstrap);
   - mode ``head-to-head`` (``mobrecon bench head-to-head``): both measured interleaved in the same
     rounds, judged paired.

   A/A compares the artifact with itself: any "regression" verdict is a false alarm. A/B compares
   it with the slower candidate: "regression" is a detection.

With the defaults (densestack, 1 thread, 5 rounds of 0.2 s each side, allowance 10%, 95%
confidence, 20 + 20 comparisons per mode, both modes) it runs in about 7 to 9 minutes on a
2-core desktop-class machine.
"""

from __future__ import annotations

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
from mobrecon_bench.gate import REGRESSION, PairVerdict, compare_results, head_to_head
from mobrecon_bench.runners import OrtRunner
from mobrecon_bench.stats import bootstrap_ratio_ci
from mobrecon_bench.timing import measure

__all__ = ["ModeRates", "ErrorRates", "calibrate_blocks", "measure_error_rates", "main"]

MODES = ("files", "head-to-head")
Log = Callable[[str], None]


@dataclass
class ModeRates:
    """Outcome of one mode.

    Attributes:
        mode: "files" or "head-to-head".
        aa: verdicts of the A/A comparisons.
        ab: verdicts of the A/B (slower candidate) comparisons.
    """

    mode: str
    aa: list[PairVerdict] = field(default_factory=list)
    ab: list[PairVerdict] = field(default_factory=list)

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
    return (f"ratio min/median/max {min(ratios):.3f} / {np.median(ratios):.3f} / {max(ratios):.3f}; "
            f"lower bound max {max(lows):.3f}, min {min(lows):.3f}")  # fmt: skip


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
            lines += [
                f"mode {m.mode}:",
                f"  A/A (same artifact): false alarms {m.false_alarms}/{n_aa}; {_spread(m.aa)}",
                f"  A/B (slower candidate): flagged {m.detections}/{n_ab}; {_spread(m.ab)}",
                f"  verdicts A/A: {_counts(m.aa)}; A/B: {_counts(m.ab)}",
            ]
        lines.append(f"took {self.seconds:.0f} s")
        return "\n".join(lines)


def _counts(pairs: Sequence[PairVerdict]) -> str:
    names: dict[str, int] = {}
    for p in pairs:
        names[p.verdict] = names.get(p.verdict, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(names.items()))


def _paired_ratio(base: OrtRunner, cand: OrtRunner, *, rounds: int, time_budget_s: float, threads: int) -> float:
    """Candidate / baseline ratio of medians, both measured interleaved in the same rounds."""
    a, b = measure([base, cand], threads=[threads], rounds=rounds, time_budget_s=time_budget_s, progress=False)
    return bootstrap_ratio_ci(a.latency_ms_samples, b.latency_ms_samples, paired=True, n_boot=200).ratio


def calibrate_blocks(
    src: Path, workdir: Path, *, slowdown: float, threads: int, probe_blocks: int = 10, log: Log = lambda m: None
) -> tuple[Path, int, float]:
    """Build the slower candidate: measure the cost of a block, pick the block count, measure the result.

    Args:
        src: the original ONNX file.
        workdir: folder for the candidate files.
        slowdown: wanted extra latency as a fraction (0.2 = 20% slower).
        threads: intra-op threads of the measurement.
        probe_blocks: blocks of the probe used to measure the cost of one block.
        log: progress callback.

    Returns:
        (candidate path, blocks, measured slowdown ratio of the final candidate).
    """
    from mobrecon_bench.heavier_graph import add_extra_work

    base = OrtRunner(name="calibration", path=src)
    probe = add_extra_work(src, workdir / "probe.onnx", blocks=probe_blocks)
    ratio = _paired_ratio(base, OrtRunner(name="calibration", path=probe), rounds=5, time_budget_s=0.3, threads=threads)
    per_block = max((ratio - 1.0) / probe_blocks, 1e-4)
    blocks = max(1, round(slowdown / per_block))
    log(f"probe with {probe_blocks} blocks: x{ratio:.3f}; one block ~{per_block:.2%}; using {blocks} blocks")
    cand = add_extra_work(src, workdir / f"slower_{blocks}.onnx", blocks=blocks)
    measured = _paired_ratio(base, OrtRunner(name="calibration", path=cand), rounds=7, time_budget_s=0.3, threads=threads)
    log(f"candidate with {blocks} blocks measured x{measured:.3f} (target x{1 + slowdown:.2f})")
    return cand, blocks, measured


def _result(runner: OrtRunner, threads: int, rounds: int, time_budget_s: float):
    from mobrecon_bench.benchmark import run_benchmark

    return run_benchmark([runner], threads=[threads], rounds=rounds, time_budget_s=time_budget_s, skip_floor=True,
                         progress=False)  # fmt: skip


def _files_verdict(base: OrtRunner, cand: OrtRunner, options: dict, max_slowdown: float) -> PairVerdict:
    """Two separate runs (baseline first), judged as `mobrecon bench gate` judges two files."""
    first = _result(base, **options)
    second = _result(cand, **options)
    return compare_results(first, second, max_slowdown=max_slowdown).pairs[0]


def _h2h_verdict(base: OrtRunner, cand: OrtRunner, options: dict, max_slowdown: float) -> PairVerdict:
    """Both measured interleaved in the same rounds, judged paired."""
    outcome = head_to_head(base, cand, max_slowdown=max_slowdown, threads=[options["threads"]], rounds=options["rounds"],
                           time_budget_s=options["time_budget_s"], progress=False)  # fmt: skip
    return outcome.pairs[0]


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
    modes: Sequence[str] = MODES,
    rounds: int = 5,
    time_budget_s: float = 0.2,
    threads: int = 1,
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
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="mobrecon-gate-rates-") as tmp:
        work = Path(tmp)
        src = _artifact(onnx, work, log)
        cand_path, blocks, measured = calibrate_blocks(src, work, slowdown=slowdown, threads=threads, log=log)
        base, same = OrtRunner(name="densestack", path=src), OrtRunner(name="densestack", path=src)
        slower = OrtRunner(name="densestack", path=cand_path)
        options = dict(threads=threads, rounds=rounds, time_budget_s=time_budget_s)
        judges = {"files": _files_verdict, "head-to-head": _h2h_verdict}
        results = []
        for mode in modes:
            rates = ModeRates(mode)
            for i in range(comparisons):
                rates.aa.append(judges[mode](base, same, options, max_slowdown))
                rates.ab.append(judges[mode](base, slower, options, max_slowdown))
                log(f"{mode} {i + 1}/{comparisons}: A/A {rates.aa[-1].ratio:.3f} {rates.aa[-1].verdict}; "
                    f"A/B {rates.ab[-1].ratio:.3f} {rates.ab[-1].verdict}")  # fmt: skip
            results.append(rates)
    load_end = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    from mobrecon_bench.host import describe_host

    host = describe_host()
    setup = [
        ("artifact", f"{src.name} (densestack deploy form, ONNX fp32)" if onnx is None else str(src)),
        ("slower candidate", f"+{blocks} chained 384x128x128 MatMul blocks on the input (real work); measured "
                             f"x{measured:.3f} interleaved (asked for x{1 + slowdown:.2f})"),
        ("gate", f"allowance {max_slowdown:.0%}, one-sided 95% lower bound of the median ratio, 2000 bootstrap replicates"),
        ("per side", f"{rounds} rounds (fresh ONNX Runtime sessions), ~{time_budget_s:g} s timed per round, "
                     f"{threads} thread(s), 10 warm-up inferences"),
        ("comparisons", f"{comparisons} A/A and {comparisons} A/B per mode, alternating; modes {', '.join(modes)}"),
        ("host", f"{host.cpu_model}, {host.usable_cores} usable cores; load average (1 min) {load_start:.2f} at start, "
                 f"{load_end:.2f} at end"),
    ]  # fmt: skip
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
        mode: Annotated[list[str] | None, typer.Option(help="files and/or head-to-head; repeat. Default: both.")] = None,
        rounds: Annotated[int, typer.Option(help="Fresh sessions per side per comparison.")] = 5,
        time_budget_s: Annotated[float, typer.Option("--time-budget-s", help="Timed seconds per side per round.")] = 0.2,
        threads: Annotated[int, typer.Option(help="Intra-op threads.")] = 1,
    ) -> None:
        """Measure the regression gate's false-alarm and detection counts on real runs."""
        try:
            rates = measure_error_rates(onnx=onnx, comparisons=comparisons, slowdown=slowdown, max_slowdown=max_slowdown,
                                        modes=mode or MODES, rounds=rounds, time_budget_s=time_budget_s, threads=threads,
                                        log=lambda m: typer.echo(m, err=True))  # fmt: skip
        except BenchmarkError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from None
        typer.echo(rates.format())

    app(args=list(argv) if argv is not None else None, prog_name="python -m mobrecon_bench.gate_error_rates")


if __name__ == "__main__":
    main()
