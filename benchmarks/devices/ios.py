"""Drive the iOS harness: ``xcodebuild test`` on a connected iPhone, results out of the .xcresult, ingest.

Usage::

    from mobrecon_bench.devices.ios import IosRunOptions, run_ios

    outcome = run_ios(Path("exports/bundle"), device="00008101-000A1B2C3D4E5F6A", team="AB12CD34EF",
                      options=IosRunOptions(compute_units=("cpu",)))
    print(outcome.format())          # result files, then `mobrecon bench ingest`'s verdicts

What it does, in order (every failure is one sentence, :class:`IosRunError`):

1. checks it is on macOS with Xcode, that the bundle is a bundle with iOS runs, that a signing team
   is known and that the iPhone is connected (``xcrun xctrace list devices``);
2. stages a copy of ``ios_harness/`` in ``OUT/package`` with the bundle copied into the test
   resources (``Tests/MobReconDeviceTests/Resources/MobReconBundle``), so the bundle travels inside
   the test bundle; the checkout is not modified;
3. runs ``xcodebuild test`` on the device (only ``BundleBenchmarkTests``) with the options as
   ``TEST_RUNNER_MOBRECON_*`` environment variables (xcodebuild passes them to the test process
   without the prefix), the log in ``OUT/xcodebuild.log``, the result bundle in ``OUT/MobReconDeviceTests.xcresult``;
4. takes the result files (the test's XCTAttachments) out of the .xcresult into ``OUT/results/``:
   ``xcrun xcresulttool export attachments`` (Xcode 16+), else the older ``get --format json`` /
   ``export --type file`` walk;
5. ingests them with ``mobrecon_bench.devices.ingest.ingest_results`` into ``OUT/ingested.json``.

Talking to xcodebuild, xctrace and xcresulttool is :mod:`mobrecon_bench.devices.ios_xcode`'s job.
No iPhone has run this code: its command construction and result extraction are tested with fake
``xcodebuild`` / ``xcrun`` programs and a hand-written .xcresult export (tests/benchmarks/devices/ios).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobrecon_bench.devices.ios_xcode import (
    BUNDLE_TEST,
    SCHEME,
    CompletedRun,
    IosRunError,
    Runner,
    check_device,
    check_host,
    classify_failure,
    extract_results,
    extract_xcresults,
    subprocess_runner,
    xcodebuild_command,
)

__all__ = [
    "IOS_PACKAGE",
    "SCHEME",
    "BUNDLE_TEST",
    "BUNDLE_RESOURCE",
    "IosRunError",
    "IosRunOptions",
    "CompletedRun",
    "IosRunOutcome",
    "subprocess_runner",
    "normalise_compute_units",
    "xcodebuild_command",
    "stage_package",
    "extract_results",
    "extract_xcresults",
    "run_ios",
]

#: The Swift package, beside benchmarks/ in a checkout.
IOS_PACKAGE = Path(__file__).resolve().parents[2] / "ios_harness"
#: Where the staged package holds the bundle (Package.swift `.copy("Resources/MobReconBundle")`).
BUNDLE_RESOURCE = Path("Tests/MobReconDeviceTests/Resources/MobReconBundle")
RESULT_BUNDLE = "MobReconDeviceTests.xcresult"
BUNDLE_FORMAT = "mobrecon-device-bundle/1"

#: Compute-unit names the user may give -> the result schema's vocabulary (Core ML's names too).
COMPUTE_UNIT_NAMES = {"cpu": "cpu", "cpuonly": "cpu", "cpu+gpu": "cpu+gpu", "cpuandgpu": "cpu+gpu",
                      "cpu+ane": "cpu+ane", "cpuandneuralengine": "cpu+ane", "all": "all", "coreml-ep": "coreml-ep"}  # fmt: skip

@dataclass(frozen=True)
class IosRunOptions:
    """What the harness runs; empty or None means the harness's default (the host's method).

    Attributes:
        compute_units: schema vocabulary or Core ML names (cpu / cpuOnly, cpu+gpu, cpu+ane, all, coreml-ep).
        runtimes: coreml, onnxruntime.
        artifacts: bundle artifact ids (file names).
        threads: ONNX Runtime intra-op thread counts.
        rounds: fresh sessions per record.
        warmup: untimed inferences per session.
        min_iters: minimum timed inferences per round.
        time_budget_s: target timed seconds per record per round.
    """

    compute_units: tuple[str, ...] = ()
    runtimes: tuple[str, ...] = ()
    artifacts: tuple[str, ...] = ()
    threads: tuple[int, ...] = ()
    rounds: int | None = None
    warmup: int | None = None
    min_iters: int | None = None
    time_budget_s: float | None = None

    def test_runner_environment(self) -> dict[str, str]:
        """``TEST_RUNNER_MOBRECON_*`` variables for xcodebuild (read by the harness's RunOptions)."""
        values = {
            "COMPUTE_UNITS": ",".join(normalise_compute_units(self.compute_units)),
            "RUNTIMES": ",".join(self.runtimes),
            "ARTIFACTS": ",".join(self.artifacts),
            "THREADS": ",".join(str(t) for t in self.threads),
            "ROUNDS": "" if self.rounds is None else str(self.rounds),
            "WARMUP": "" if self.warmup is None else str(self.warmup),
            "MIN_ITERS": "" if self.min_iters is None else str(self.min_iters),
            "TIME_BUDGET_S": "" if self.time_budget_s is None else repr(float(self.time_budget_s)),
        }
        return {f"TEST_RUNNER_MOBRECON_{key}": value for key, value in values.items() if value}


def normalise_compute_units(names: Sequence[str]) -> list[str]:
    """Compute-unit names in the schema's vocabulary, in order, without repeats.

    Raises:
        IosRunError: an unknown name.
    """
    units: list[str] = []
    for name in (n.strip() for n in names if n.strip()):
        unit = COMPUTE_UNIT_NAMES.get(name.lower())
        if unit is None:
            raise IosRunError(f"unknown compute unit {name!r} (choose from cpu/cpuOnly, cpu+gpu/cpuAndGPU, "
                              "cpu+ane/cpuAndNeuralEngine, all, coreml-ep)")  # fmt: skip
        if unit not in units:
            units.append(unit)
    return units


def _read_bundle_index(bundle: Path) -> dict[str, Any]:
    path = bundle / "bundle.json"
    if not path.is_file():
        raise IosRunError(f"{bundle} is not a bundle (no bundle.json): make one with `mobrecon device bundle EXPORT_DIR`")
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise IosRunError(f"{path} cannot be read as JSON ({err})") from None
    if not isinstance(index, dict) or index.get("format") != BUNDLE_FORMAT:
        raise IosRunError(f"{path} is not a {BUNDLE_FORMAT} index")
    return index


def _check_bundle_runs(index: dict[str, Any], units: Sequence[str], bundle: Path) -> None:
    runs = [run for artifact in index.get("artifacts", []) for run in artifact.get("runs", []) if run.get("platform") == "ios"]
    if not runs:
        raise IosRunError(f"the bundle {bundle} has no artifact for iOS (export with --targets ort,coreml)")
    if units and not any(run.get("compute_unit") in units for run in runs):
        listed = sorted({run.get("compute_unit") for run in runs})
        raise IosRunError(f"the bundle has no iOS run on {', '.join(units)} (it has {', '.join(listed)})")


def _ignore_for_staging(source: Path) -> Callable[[str, list[str]], set[str]]:
    resource = (source / BUNDLE_RESOURCE).resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in {".build", ".swiftpm", "DerivedData"} or n.endswith(".xcresult")}
        if Path(folder).resolve() == resource:
            skipped |= {n for n in names if n != "PLACEHOLDER.md"}
        return skipped

    return ignore


def stage_package(package: Path, bundle: Path, staged: Path) -> Path:
    """Copy the Swift package to ``staged`` with the bundle inside its test resources.

    Written to a temporary folder beside ``staged`` and moved into place when complete (a previous
    staged copy is replaced).

    Returns:
        ``staged``.
    """
    if not (package / "Package.swift").is_file():
        raise IosRunError(f"{package} is not the iOS harness package (no Package.swift); pass --package")
    staged.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".package-", dir=staged.parent))
    try:
        copy = tmp / "package"
        shutil.copytree(package, copy, ignore=_ignore_for_staging(package))
        shutil.copytree(bundle, copy / BUNDLE_RESOURCE, dirs_exist_ok=True)
        if staged.exists():
            shutil.rmtree(staged)
        os.replace(copy, staged)
    except OSError as err:
        raise IosRunError(f"cannot stage the package in {staged}: {err.strerror or err}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return staged


@dataclass
class IosRunOutcome:
    """What :func:`run_ios` did.

    Attributes:
        results: result files taken out of the .xcresult.
        xcresult: the result bundle.
        log: xcodebuild's output.
        ingested: ``mobrecon bench ingest``'s outcome, or None with ``ingest=False``.
    """

    results: list[Path]
    xcresult: Path
    log: Path
    ingested: Any = None
    notes: list[str] = field(default_factory=list)

    def format(self) -> str:
        lines = [f"{len(self.results)} result file(s) from {self.xcresult}:"] + [f"  {p}" for p in self.results] + self.notes
        if self.ingested is not None:
            text = self.ingested.format() if hasattr(self.ingested, "format") else str(self.ingested)
            lines += ["", text]
        return "\n".join(lines)


def _ingest(results: list[Path], bundle: Path, out: Path) -> Any:
    try:
        from mobrecon_bench.devices.ingest import ingest_results
    except ImportError:
        files = " ".join(str(p) for p in results)
        raise IosRunError(f"the results are in {out.parent} but this checkout has no `mobrecon bench ingest`; "
                          f"ingest them later: mobrecon bench ingest {files} --bundle {bundle}") from None  # fmt: skip
    return ingest_results(results, bundle, out)


def run_ios(
    bundle: Path,
    device: str,
    *,
    team: str | None = None,
    options: IosRunOptions = IosRunOptions(),
    out: Path = Path("bench-results/ios"),
    package: Path = IOS_PACKAGE,
    ingest: bool = True,
    runner: Runner = subprocess_runner,
    platform: str = sys.platform,
    which: Callable[[str], str | None] = shutil.which,
    log: Callable[[str], None] = lambda message: None,
) -> IosRunOutcome:
    """Run the bundle on a connected iPhone and ingest the result (see the module docstring).

    Args:
        bundle: folder written by ``mobrecon device bundle``.
        device: the iPhone's UDID (``xcrun xctrace list devices``).
        team: Apple development team id; default ``$DEVELOPMENT_TEAM``.
        options: selection and method passed to the harness.
        out: working folder: staged package, DerivedData, log, .xcresult, results, ingested.json.
        package: the ``ios_harness`` Swift package.
        ingest: run ``mobrecon bench ingest`` on the results.
        runner: runs a command (tests inject fakes).
        platform: ``sys.platform`` (tests pass another).
        which: ``shutil.which`` (tests pass another).
        log: progress lines (the harness's ``mobrecon:`` lines as they come).

    Raises:
        IosRunError: one sentence; exit_code 2 for what the user must set up, 1 for a failed run.
    """
    check_host(platform, which)
    bundle, out = Path(bundle), Path(out)
    index = _read_bundle_index(bundle)
    _check_bundle_runs(index, normalise_compute_units(options.compute_units), bundle)
    team = team or os.environ.get("DEVELOPMENT_TEAM")
    if not team:
        raise IosRunError("no signing team: pass --team TEAMID (Xcode > Settings > Accounts) or set DEVELOPMENT_TEAM")
    check_device(device, runner)

    staged = stage_package(Path(package), bundle, out / "package")
    xcresult, log_path = (out / RESULT_BUNDLE).resolve(), (out / "xcodebuild.log").resolve()
    if xcresult.exists():
        shutil.rmtree(xcresult)
    command = xcodebuild_command(device, team, xcresult, (out / "DerivedData").resolve())
    log(f"running {' '.join(command[:6])} ... (log: {log_path})")
    done = runner(command, cwd=staged, env=options.test_runner_environment(), log=log_path,
                  on_line=lambda line: log(line) if line.startswith("mobrecon:") else None)  # fmt: skip
    if done.returncode != 0:
        raise classify_failure(done.output, done.returncode, device, log_path, xcresult)

    results = extract_results(xcresult, out / "results", runner)
    if not results:
        raise IosRunError(f"the test passed but attached no result file; see {log_path} and {xcresult}", exit_code=1)
    outcome = IosRunOutcome(results=results, xcresult=xcresult, log=log_path)
    if ingest:
        outcome.ingested = _ingest(results, bundle, out / "ingested.json")
    return outcome
