"""Command line for the benchmarks: ``run``, ``report``, ``gate``, ``head-to-head``.

Usage::

    mobrecon bench run                               # built-in densestack + ghoststack, all forms, peers
    mobrecon bench run exports/ --threads 1 --threads 2
    mobrecon bench profile exports/densestack        # ORT per-layer profile, deploy vs naive export
    python -m mobrecon_bench run --onnx out/densestack.onnx --threads 1 --threads 2
    python -m mobrecon_bench report bench-results/result.json --out bench-results/report
    python -m mobrecon_bench gate --baseline base.json --candidate bench-results/result.json --max-slowdown 10%
    python -m mobrecon_bench head-to-head old/densestack.onnx new/densestack.onnx

Each command parses its options, calls one library function with the same parameter names and
prints the result. With no arguments every command uses a labelled default: ``run`` exports and
measures the built-in MobRecon models (seeded weights, synthetic mesh) into
``bench-results/result.json``, ``profile`` profiles the built-in densestack, ``report`` reads that file,
``gate`` compares ``bench-results/baseline.json`` with it. A user error prints one sentence on
stderr and exits 2; the gate exits 1 on a regression. ``bench_app`` is mounted as ``mobrecon bench``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from mobrecon.errors import MobReconError

__all__ = ["bench_app", "user_errors", "DEFAULT_RESULT", "DEFAULT_BASELINE"]

DEFAULT_RESULT = Path("bench-results/result.json")
DEFAULT_BASELINE = Path("bench-results/baseline.json")
EXIT_USER_ERROR = 2

bench_app = typer.Typer(
    name="bench",
    help="Benchmark artifacts on this host, render reports, gate regressions.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(command: F) -> F:
    """Turn a MobReconError into one sentence on stderr and exit code 2, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MobReconError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(EXIT_USER_ERROR) from None

    return wrapper  # type: ignore[return-value]


Threads = Annotated[
    list[int] | None,
    typer.Option("--threads", help="Thread count to measure at; repeat for several. Default: 1 and all usable cores."),
]
Rounds = Annotated[int, typer.Option(help="Fresh sessions per (artifact, threads), interleaved.")]
Warmup = Annotated[int, typer.Option(help="Untimed inferences per session.")]
MinIters = Annotated[int, typer.Option(help="Minimum timed inferences per round.")]
TimeBudget = Annotated[float, typer.Option("--time-budget-s", help="Timed seconds per (artifact, threads) per round.")]
MaxSlowdown = Annotated[str, typer.Option(help="Allowed slowdown, '10%' or '0.1'.")]
Progress = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")]


def _default_threads(threads: list[int] | None) -> list[int]:
    from mobrecon_bench.running.host import usable_cores

    return threads or sorted({1, usable_cores()})


Variants = Annotated[
    list[str] | None,
    typer.Option("--variant", help="Variant exported when no DIR is given; repeat for several. Default: densestack and ghoststack."),
]
ExportDir = Annotated[
    Path | None,
    typer.Argument(metavar="DIR", help="Export folder with manifest.json (or a folder of them). Default: export the built-in models now."),
]


def _log(message: str) -> None:
    typer.echo(message, err=True)


@bench_app.command()
@user_errors
def run(
    directory: ExportDir = None,
    onnx: Annotated[
        list[Path] | None,
        typer.Option("--onnx", help="Measure these .onnx/.ort/.tflite files alone instead of an export folder; repeat for several."),
    ] = None,
    variant: Variants = None,
    threads: Threads = None,
    rounds: Rounds = 5,
    warmup: Warmup = 10,
    min_iters: MinIters = 20,
    time_budget_s: TimeBudget = 1.0,
    skip_floor: Annotated[bool, typer.Option("--skip-floor", help="Skip the compute-floor measurement.")] = False,
    skip_torch: Annotated[bool, typer.Option("--skip-torch", help="Leave out the PyTorch eager rows.")] = False,
    skip_naive: Annotated[bool, typer.Option("--skip-naive", help="Leave out the naive ONNX export of the reference form.")] = False,
    skip_mediapipe: Annotated[bool, typer.Option("--skip-mediapipe", help="Leave out MediaPipe's hand landmark model.")] = False,
    skip_yardstick: Annotated[
        bool,
        typer.Option("--skip-yardstick", "--no-yardstick",
                     help="Leave out the yardstick graph (timed in the same rounds so the gate can normalise two runs)."),
    ] = False,  # fmt: skip
    progress: Progress = True,
    out: Annotated[Path, typer.Option(help="Result JSON to write.")] = DEFAULT_RESULT,
) -> None:
    """Time every artifact and runtime that can run here, with the peers, interleaved; write a result JSON.

    With no DIR the built-in default models (densestack and ghoststack, seeded weights, SYNTHETIC
    mesh: they predict no hand) are exported to a temp folder, fp32 and int8, and verified here.
    A fixed yardstick graph (yardstick.onnx, not a model) is timed in the same rounds.
    """
    from mobrecon_bench.errors import BenchmarkError
    from mobrecon_bench.reports.report_sections import render_text_table
    from mobrecon_bench.results.schema import save_result
    from mobrecon_bench.running.suite import DEFAULT_VARIANTS, run_files, run_suite

    options = dict(threads=_default_threads(threads), rounds=rounds, warmup=warmup, min_iters=min_iters,
                   time_budget_s=time_budget_s, skip_floor=skip_floor, skip_yardstick=skip_yardstick,
                   progress=progress)  # fmt: skip
    if onnx and directory is not None:
        raise BenchmarkError("give an export folder or --onnx files, not both")
    if onnx:
        result = run_files(onnx, **options)
    else:
        if directory is None:
            _log("no DIR given: exporting the built-in default models (seeded weights, synthetic mesh; they predict no hand)")
        result = run_suite(directory, variants=variant or DEFAULT_VARIANTS, skip_torch=skip_torch, skip_naive=skip_naive,
                           skip_mediapipe=skip_mediapipe, log=_log, **options)  # fmt: skip
    typer.echo(render_text_table(result))
    typer.echo(f"wrote {save_result(result, out)}")


@bench_app.command()
@user_errors
def profile(
    directory: ExportDir = None,
    variant: Variants = None,
    threads: Annotated[int, typer.Option(help="Intra-op threads.")] = 1,
    iterations: Annotated[int, typer.Option(help="Profiled runs per model, after warm-up.")] = 50,
    warmup: Warmup = 10,
    out: Annotated[Path | None, typer.Option(help="Also write the Markdown here.")] = None,
) -> None:
    """Per-layer ONNX Runtime profile of the deploy-form ONNX file vs the naive export: where the time goes.

    With no DIR the built-in default densestack is exported (onnx fp32) to a temp folder first.
    """
    from mobrecon_bench.errors import BenchmarkError
    from mobrecon_bench.profiling.profiling import profile_export

    text = profile_export(directory, variants=variant or ("densestack",), threads=threads, iterations=iterations,
                          warmup=warmup, log=_log).format()  # fmt: skip
    typer.echo(text)
    if out is not None:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as err:
            raise BenchmarkError(f"cannot write {out}: {err.strerror or err}") from None


@bench_app.command()
@user_errors
def report(
    result: Annotated[
        Path, typer.Argument(help="Result JSON, ingested result set, or a folder of them.")
    ] = DEFAULT_RESULT,
    out: Annotated[Path | None, typer.Option(help="Output folder. Default: 'report' beside the result.")] = None,
) -> None:
    """Render results as Markdown (report.md) and charts (report*.png, need matplotlib).

    One host result gives the host report; several results, or phone results, give one table per
    device class (a device farm's phones read as one report).
    """
    from mobrecon_bench.reports.device_report import write_device_report
    from mobrecon_bench.reports.report import write_report
    from mobrecon_bench.results.result_set import load_results
    from mobrecon_bench.results.targets import is_host_class

    results = load_results(result)
    folder = out or (result if result.is_dir() else result.parent) / "report"
    if len(results) == 1 and is_host_class(results[0].device.device_class):
        files = write_report(results[0], folder)
        typer.echo(f"wrote {files.markdown}" + (f" and {files.chart}" if files.chart else ""))
        notes = [files.chart_note] if files.chart_note else []
    else:
        many = write_device_report(results, folder)
        typer.echo(f"wrote {many.markdown}" + "".join(f" and {p}" for p in many.charts.values()))
        notes = many.chart_notes
    for note in notes:
        typer.echo(note, err=True)


@bench_app.command()
@user_errors
def ingest(
    results: Annotated[
        list[Path], typer.Argument(metavar="RESULT_OR_DIR...", help="Phone result files, or folders searched for *.json.")
    ],
    bundle: Annotated[Path, typer.Option(help="The bundle folder the phones ran (mobrecon device bundle).")],
    out: Annotated[Path, typer.Option(help="Result set to write (report and gate read it).")] = Path("bench-results/ingested.json"),
) -> None:
    """Check phone results against their bundle, recompute every statistic and accuracy figure, classify, judge.

    The paper's targets are judged pass/fail only for apple-a14 results on the CPU (Core ML cpuOnly or
    ONNX Runtime's CPU EP) whose recomputed accuracy passed; everything else is shown as not comparable.
    """
    from mobrecon_bench.devices.ingest import ingest_results

    typer.echo(ingest_results(results, bundle, out, log=_log).format())


@bench_app.command()
@user_errors
def gate(
    baseline: Annotated[Path, typer.Option(help="Result JSON of the reference run.")] = DEFAULT_BASELINE,
    candidate: Annotated[Path, typer.Option(help="Result JSON of the run under test.")] = DEFAULT_RESULT,
    max_slowdown: MaxSlowdown = "10%",
    confidence: Annotated[float, typer.Option(help="Level of the one-sided bound.")] = 0.95,
    normalise: Annotated[
        bool, typer.Option("--normalise/--raw", help="Normalise by the yardstick when both runs timed it.")
    ] = True,
    markdown: Annotated[
        Path | None, typer.Option(help="Also append the table here, e.g. $GITHUB_STEP_SUMMARY.")
    ] = None,
    device_class: Annotated[
        str | None, typer.Option(help="Device class to compare when a side holds several (e.g. an ingested device farm).")
    ] = None,
) -> None:
    """Fail (exit 1) when the candidate is slower than the baseline by more than --max-slowdown, beyond noise.

    Either side may be a result file, an ingested result set or a folder. Results of different device
    classes are refused. Where both runs timed the yardstick, each ratio is divided by the yardstick's
    ratio between the runs.
    """
    from mobrecon_bench.gate.gate import gate_files, parse_slowdown

    outcome = gate_files(baseline, candidate, max_slowdown=parse_slowdown(max_slowdown), confidence=confidence,
                         normalise=normalise, device_class=device_class)  # fmt: skip
    _emit_gate(outcome, markdown)


@bench_app.command("head-to-head")
@user_errors
def head_to_head(
    baseline: Annotated[Path, typer.Argument(help="Reference artifact (.onnx, .ort, .tflite).")],
    candidate: Annotated[Path, typer.Argument(help="Artifact under test.")],
    max_slowdown: MaxSlowdown = "10%",
    threads: Threads = None,
    rounds: Rounds = 5,
    warmup: Warmup = 10,
    min_iters: MinIters = 20,
    time_budget_s: TimeBudget = 1.0,
    progress: Progress = True,
    markdown: Annotated[Path | None, typer.Option(help="Also append the table here.")] = None,
) -> None:
    """Measure two artifacts interleaved on this host and judge the candidate (exit 1 on regression)."""
    from mobrecon_bench.gate import gate as gate_lib
    from mobrecon_bench.running.runners import runner_for_file

    outcome = gate_lib.head_to_head(
        runner_for_file(baseline, name=f"baseline:{baseline.stem}"),
        runner_for_file(candidate, name=f"candidate:{candidate.stem}"),
        max_slowdown=gate_lib.parse_slowdown(max_slowdown),
        threads=_default_threads(threads),
        rounds=rounds,
        warmup=warmup,
        min_iters=min_iters,
        time_budget_s=time_budget_s,
        progress=progress,
    )
    _emit_gate(outcome, markdown)


def _emit_gate(outcome: Any, markdown: Path | None) -> None:
    """Print the gate table, append it to ``markdown`` if given, exit with the gate's code."""
    from mobrecon_bench.errors import BenchmarkError
    from mobrecon_bench.reports.report import render_gate_markdown

    text = render_gate_markdown(outcome)
    typer.echo(text)
    if markdown is not None:
        try:
            with markdown.open("a", encoding="utf-8") as f:
                f.write(text + "\n")
        except OSError as err:
            raise BenchmarkError(f"cannot append to {markdown}: {err}") from None
    raise typer.Exit(outcome.exit_code)
