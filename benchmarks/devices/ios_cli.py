"""``mobrecon device ios``: run the iOS harness on a connected iPhone, or take results out of .xcresult bundles.

A thin typer layer over :mod:`mobrecon_bench.devices.ios`; mounted by the main CLI as
``mobrecon device ios``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mobrecon_bench.devices.ios import IOS_PACKAGE, IosRunError, IosRunOptions, extract_xcresults, run_ios

ios_app = typer.Typer(
    help="iOS harness (ios_harness/): run a bundle on a connected iPhone with xcodebuild test and ingest its results. Needs macOS with Xcode.",
    no_args_is_help=True,
)


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(s.strip() for v in values or [] for s in v.split(",") if s.strip())


def _threads(values: list[str] | None) -> tuple[int, ...]:
    counts = []
    for text in _split(values):
        if not text.isdigit() or int(text) < 1:
            raise IosRunError(f"--threads {text}: thread counts are integers of at least 1")
        counts.append(int(text))
    return tuple(counts)


def _fail(err: IosRunError) -> typer.Exit:
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(err.exit_code)


@ios_app.command("run")
def run(
    bundle: Annotated[Path, typer.Argument(help="Bundle folder written by `mobrecon device bundle`.")],
    device: Annotated[str, typer.Option("--device", help="The iPhone's UDID (`xcrun xctrace list devices`).")],
    team: Annotated[Optional[str], typer.Option("--team", help="Apple development team id for signing. Default: $DEVELOPMENT_TEAM.")] = None,
    compute_units: Annotated[Optional[list[str]], typer.Option("--compute-units", metavar="UNITS", help="Comma-separated: cpuOnly/cpu, cpuAndGPU, cpuAndNeuralEngine, all, coreml-ep. Default: every unit the bundle lists for iOS.")] = None,
    runtimes: Annotated[Optional[list[str]], typer.Option("--runtimes", metavar="NAMES", help="Comma-separated: coreml, onnxruntime. Default: both.")] = None,
    artifacts: Annotated[Optional[list[str]], typer.Option("--artifacts", metavar="FILES", help="Comma-separated artifact file names. Default: all.")] = None,
    threads: Annotated[Optional[list[str]], typer.Option("--threads", metavar="COUNTS", help="ONNX Runtime intra-op thread counts. Default: 1 and all cores.")] = None,
    rounds: Annotated[Optional[int], typer.Option("--rounds", min=1, help="Fresh sessions per record. Default: 5.")] = None,
    warmup: Annotated[Optional[int], typer.Option("--warmup", min=0, help="Untimed inferences per session. Default: 10.")] = None,
    min_iters: Annotated[Optional[int], typer.Option("--min-iters", min=1, help="Minimum timed inferences per round. Default: 20.")] = None,
    time_budget_s: Annotated[Optional[float], typer.Option("--time-budget-s", min=0.0, help="Timed seconds per record per round. Default: 1.0.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Working folder: staged package, DerivedData, log, .xcresult, results/, ingested.json.")] = Path("bench-results/ios"),
    package: Annotated[Path, typer.Option("--package", help="The ios_harness Swift package.")] = IOS_PACKAGE,
    skip_ingest: Annotated[bool, typer.Option("--skip-ingest", help="Only take the result files out; do not run `mobrecon bench ingest`.")] = False,
) -> None:
    """Run BUNDLE on the iPhone --device (xcodebuild test), take the result files out of the .xcresult and ingest them."""
    try:
        options = IosRunOptions(compute_units=_split(compute_units), runtimes=_split(runtimes), artifacts=_split(artifacts),
                                threads=_threads(threads), rounds=rounds, warmup=warmup, min_iters=min_iters,
                                time_budget_s=time_budget_s)  # fmt: skip
        outcome = run_ios(bundle, device, team=team, options=options, out=out, package=package, ingest=not skip_ingest,
                          log=lambda line: typer.echo(line, err=True))  # fmt: skip
    except IosRunError as err:
        raise _fail(err) from None
    typer.echo(outcome.format())


@ios_app.command("extract")
def extract(
    xcresults: Annotated[list[Path], typer.Argument(help=".xcresult bundles (from xcodebuild, or downloaded from a device farm).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the result files.")] = Path("ios-results"),
) -> None:
    """Take the harness's result files out of .xcresult bundles (needs Xcode's xcresulttool); then `mobrecon bench ingest OUT --bundle ...`."""
    try:
        found = extract_xcresults(xcresults, out)
    except IosRunError as err:
        raise _fail(err) from None
    typer.echo("\n".join([f"{len(found)} result file(s) in {out}:"] + [f"  {p}" for p in found]))
