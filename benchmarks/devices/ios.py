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

No iPhone has run this code: its command construction and result extraction are tested with fake
``xcodebuild`` / ``xcrun`` programs and a hand-written .xcresult export (tests/devices/ios).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobrecon.errors import MobReconError

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
#: Xcode's scheme for all targets of a package with several products.
SCHEME = "MobReconHarness-Package"
#: The test that runs the bundle and writes the result file.
BUNDLE_TEST = "MobReconDeviceTests/BundleBenchmarkTests"
#: Where the staged package holds the bundle (Package.swift `.copy("Resources/MobReconBundle")`).
BUNDLE_RESOURCE = Path("Tests/MobReconDeviceTests/Resources/MobReconBundle")
RESULT_BUNDLE = "MobReconDeviceTests.xcresult"
BUNDLE_FORMAT = "mobrecon-device-bundle/1"

#: Compute-unit names the user may give -> the result schema's vocabulary (Core ML's names too).
COMPUTE_UNIT_NAMES = {"cpu": "cpu", "cpuonly": "cpu", "cpu+gpu": "cpu+gpu", "cpuandgpu": "cpu+gpu",
                      "cpu+ane": "cpu+ane", "cpuandneuralengine": "cpu+ane", "all": "all", "coreml-ep": "coreml-ep"}  # fmt: skip

# xcodebuild output -> the one sentence for it (checked in _classify_failure's order). A build or
# signing error also ends in "Testing failed:" / "** TEST FAILED **", so failed test cases are told
# apart by XCTest's own lines.
_DEVELOPER_MODE = re.compile(r"Developer Mode (is )?disabled|enable Developer Mode", re.I)
_NO_DEVICE = re.compile(r"Unable to find a (destination|device) matching|Could not locate device|"
                        r"device is (locked|busy|unavailable)|is not connected", re.I)  # fmt: skip
_SIGNING = re.compile(r"requires a development team|No Account for Team|No profiles for|"
                      r"Code ?Sign(ing)? error|errSecInternalComponent|is not a valid team", re.I)  # fmt: skip
_CASE_FAILED = re.compile(r"Test Case .* failed|Executed \d+ tests?, with [1-9]\d* failures?")
_BUILD_FAILED = re.compile(r"BUILD FAILED|Testing cancelled because the build failed")
_TEST_FAILED = re.compile(r"\*\* TEST FAILED \*\*|Testing failed:")
_FAILURE_LINE = re.compile(r"(error: .+|.*: error: .+)$")
_ATTACHMENT_SUFFIX = re.compile(r"_\d+_[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?=\.[^.]+$)")
_RESULT_NAME = re.compile(r"^result-[A-Za-z0-9_.,+-]+\.json$")


class IosRunError(MobReconError):
    """Why the iOS run could not go on, in one sentence; ``exit_code`` 2 for setup, 1 for a failed run."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


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


@dataclass(frozen=True)
class CompletedRun:
    """A finished command: exit code and its combined stdout and stderr."""

    returncode: int
    output: str


Runner = Callable[..., CompletedRun]


def subprocess_runner(args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None,
                      log: Path | None = None, on_line: Callable[[str], None] | None = None) -> CompletedRun:  # fmt: skip
    """Run a command, stdout and stderr merged; each line goes to ``log`` and ``on_line`` as it comes."""
    merged = {**os.environ, **(env or {})}
    lines: list[str] = []
    sink = log.open("w", encoding="utf-8") if log is not None else None
    try:
        with subprocess.Popen(list(args), cwd=cwd, env=merged, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace") as process:  # fmt: skip
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                if sink is not None:
                    sink.write(line)
                if on_line is not None:
                    on_line(line.rstrip("\n"))
        return CompletedRun(process.returncode, "".join(lines))
    except FileNotFoundError as err:
        return CompletedRun(127, f"{args[0]}: {err.strerror}\n")
    finally:
        if sink is not None:
            sink.close()


def xcodebuild_command(device: str, team: str, result_bundle: Path, derived_data: Path, test: str = BUNDLE_TEST) -> list[str]:
    """The ``xcodebuild test`` command for one device (run in the staged package folder)."""
    return [
        "xcodebuild", "test",
        "-scheme", SCHEME,
        "-destination", f"platform=iOS,id={device}",
        "-only-testing:" + test,
        "-resultBundlePath", str(result_bundle),
        "-derivedDataPath", str(derived_data),
        "-allowProvisioningUpdates",
        f"DEVELOPMENT_TEAM={team}",
        "CODE_SIGN_STYLE=Automatic",
    ]  # fmt: skip


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


def _check_host(platform: str, which: Callable[[str], str | None], command: str = "`mobrecon device ios run`") -> None:
    if platform != "darwin":
        raise IosRunError(f"{command} needs macOS with Xcode (xcodebuild, xcrun); this machine runs {platform}")
    for tool in ("xcodebuild", "xcrun"):
        if which(tool) is None:
            raise IosRunError(f"{command} needs Xcode: {tool} is not on PATH "
                              "(install Xcode, then `sudo xcode-select -s /Applications/Xcode.app`)")  # fmt: skip


def _check_device(device: str, runner: Runner) -> None:
    """The UDID must be among xctrace's connected devices (not offline, not a simulator)."""
    listing = runner(["xcrun", "xctrace", "list", "devices"])
    if listing.returncode != 0:
        raise IosRunError(f"`xcrun xctrace list devices` failed ({listing.output.strip().splitlines()[-1:] or 'no output'})")
    section = ""
    for line in listing.output.splitlines():
        if line.startswith("=="):
            section = line.strip("= ").lower()
        elif device in line:
            if section == "devices":
                return
            if "offline" in section:
                raise IosRunError(f"the iPhone {device} is offline: unlock it, trust this Mac and keep it connected")
            if "simulator" in section:
                raise IosRunError(f"{device} is a simulator; phone results need a real iPhone")
    raise IosRunError(f"no iPhone with UDID {device} is connected (`xcrun xctrace list devices` lists the connected ones)")


def _failure_text(line: str) -> str:
    """The message of an xcodebuild/XCTest error line without its file, test name and XCTest prefixes."""
    text = line.split("error: ", 1)[-1]
    text = re.sub(r"^-\[[^\]]+\] : ", "", text)
    text = re.sub(r"^failed: caught error: ", "", text).strip().strip('"')
    return text if len(text) <= 240 else text[:237] + "..."


def _classify_failure(output: str, returncode: int, device: str, log: Path, xcresult: Path) -> IosRunError:
    """The one sentence for a failed ``xcodebuild test``."""
    if _DEVELOPER_MODE.search(output):
        return IosRunError(f"the iPhone {device} has Developer Mode off: Settings > Privacy & Security > Developer Mode")
    if _NO_DEVICE.search(output):
        return IosRunError(f"xcodebuild cannot reach the iPhone {device} (connected, unlocked and trusted?); see {log}")
    if _SIGNING.search(output):
        return IosRunError(f"code signing failed: check the team (--team) is yours and its account is in Xcode > Settings > Accounts; see {log}")
    first = next((line.strip() for line in output.splitlines() if _FAILURE_LINE.match(line.strip())), "")
    detail = f" ({_failure_text(first)})" if first else ""
    if _CASE_FAILED.search(output):
        return IosRunError(f"the on-device test failed{detail}; see {log} and {xcresult}", exit_code=1)
    if _BUILD_FAILED.search(output):
        return IosRunError(f"the harness did not build{detail}; see {log}", exit_code=1)
    if _TEST_FAILED.search(output):
        return IosRunError(f"the on-device test run failed{detail}; see {log} and {xcresult}", exit_code=1)
    return IosRunError(f"xcodebuild test exited {returncode}{detail}; see {log}", exit_code=1)


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


def _clean_attachment_name(name: str) -> str:
    """``result-ios-iPhone13,2-20260301T120000Z_0_<UUID>.json`` -> ``result-ios-iPhone13,2-20260301T120000Z.json``."""
    return _ATTACHMENT_SUFFIX.sub("", Path(name).name)


def _place(source: Path, name: str, out_dir: Path, taken: set[str]) -> Path:
    stem, suffix, n = Path(name).stem, Path(name).suffix, 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}{suffix}"
    taken.add(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    shutil.copyfile(source, target)
    return target


def _export_attachments(xcresult: Path, out_dir: Path, runner: Runner) -> list[Path] | None:
    """Xcode 16+: ``xcresulttool export attachments``; None when this xcresulttool has no such command."""
    with tempfile.TemporaryDirectory() as tmp:
        done = runner(["xcrun", "xcresulttool", "export", "attachments", "--path", str(xcresult), "--output-path", tmp])
        manifest = Path(tmp) / "manifest.json"
        if done.returncode != 0 or not manifest.is_file():
            return None
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise IosRunError(f"xcresulttool wrote an unreadable attachment manifest ({err})", exit_code=1) from None
        found, taken = [], set()
        for test in entries if isinstance(entries, list) else []:
            for attachment in test.get("attachments", []):
                name = _clean_attachment_name(str(attachment.get("suggestedHumanReadableName", "")))
                exported = Path(tmp) / str(attachment.get("exportedFileName", ""))
                if _RESULT_NAME.match(name) and exported.is_file():
                    found.append(_place(exported, name, out_dir, taken))
        return found


def _get_json(xcresult: Path, runner: Runner, ref: str | None = None) -> dict[str, Any]:
    args = ["xcrun", "xcresulttool", "get", "--format", "json", "--path", str(xcresult)] + (["--id", ref] if ref else [])
    done = runner(args)
    if done.returncode != 0 and "--legacy" in done.output:
        done = runner(args + ["--legacy"])
    if done.returncode != 0:
        raise IosRunError(f"`xcresulttool get` failed on {xcresult}: {done.output.strip()[:200]}", exit_code=1)
    try:
        return json.loads(done.output)
    except json.JSONDecodeError as err:
        raise IosRunError(f"`xcresulttool get` gave no JSON for {ref or 'the root'} ({err})", exit_code=1) from None


def _walk(node: Any):
    """Every dict inside a decoded xcresult JSON object."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _value(node: Any, *keys: str) -> str | None:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node.get("_value") if isinstance(node, dict) else None


def _legacy_attachments(xcresult: Path, out_dir: Path, runner: Runner) -> list[Path]:
    """Xcode 15 and earlier: walk testsRef / summaryRef objects to ActionTestAttachment, export each payload."""
    pending, seen, attachments = [None], set(), []
    while pending:
        ref = pending.pop(0)
        for obj in _walk(_get_json(xcresult, runner, ref)):
            if isinstance(obj.get("_type"), dict) and obj["_type"].get("_name") == "ActionTestAttachment":
                attachments.append((_value(obj, "name") or "", _value(obj, "filename") or "", _value(obj, "payloadRef", "id")))
            for key in ("testsRef", "summaryRef"):
                child = _value(obj, key, "id")
                if child and child not in seen:
                    seen.add(child)
                    pending.append(child)
    found, taken = [], set()
    with tempfile.TemporaryDirectory() as tmp:
        for name, filename, payload in attachments:
            name = _clean_attachment_name(filename or name)
            if not payload or not _RESULT_NAME.match(name):
                continue
            target = Path(tmp) / payload
            done = runner(["xcrun", "xcresulttool", "export", "--type", "file", "--path", str(xcresult), "--id", payload,
                           "--output-path", str(target)])  # fmt: skip
            if done.returncode != 0 or not target.is_file():
                raise IosRunError(f"`xcresulttool export --type file` failed for {name}: {done.output.strip()[:200]}", exit_code=1)
            found.append(_place(target, name, out_dir, taken))
    return found


def extract_results(xcresult: Path, out_dir: Path, runner: Runner = subprocess_runner) -> list[Path]:
    """The result files attached to the tests of ``xcresult``, copied into ``out_dir``.

    Returns:
        The copied files, named as the harness named them (``result-ios-<model>-<time>.json``).
    """
    if not xcresult.exists():
        raise IosRunError(f"{xcresult} does not exist: xcodebuild wrote no result bundle", exit_code=1)
    found = _export_attachments(xcresult, out_dir, runner)
    return found if found is not None else _legacy_attachments(xcresult, out_dir, runner)


def extract_xcresults(xcresults: Sequence[Path], out_dir: Path, *, runner: Runner = subprocess_runner,
                      platform: str = sys.platform, which: Callable[[str], str | None] = shutil.which) -> list[Path]:  # fmt: skip
    """Result files of several .xcresult bundles (e.g. downloaded from a device farm) into ``out_dir``.

    Raises:
        IosRunError: off macOS / without Xcode (exit 2), or an unreadable result bundle.
    """
    _check_host(platform, which, command="`mobrecon device ios extract`")
    return [path for xcresult in xcresults for path in extract_results(Path(xcresult), Path(out_dir), runner)]


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
    out: Path = Path("ios-run"),
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
    _check_host(platform, which)
    bundle, out = Path(bundle), Path(out)
    index = _read_bundle_index(bundle)
    _check_bundle_runs(index, normalise_compute_units(options.compute_units), bundle)
    team = team or os.environ.get("DEVELOPMENT_TEAM")
    if not team:
        raise IosRunError("no signing team: pass --team TEAMID (Xcode > Settings > Accounts) or set DEVELOPMENT_TEAM")
    _check_device(device, runner)

    staged = stage_package(Path(package), bundle, out / "package")
    xcresult, log_path = (out / RESULT_BUNDLE).resolve(), (out / "xcodebuild.log").resolve()
    if xcresult.exists():
        shutil.rmtree(xcresult)
    command = xcodebuild_command(device, team, xcresult, (out / "DerivedData").resolve())
    log(f"running {' '.join(command[:6])} ... (log: {log_path})")
    done = runner(command, cwd=staged, env=options.test_runner_environment(), log=log_path,
                  on_line=lambda line: log(line) if line.startswith("mobrecon:") else None)  # fmt: skip
    if done.returncode != 0:
        raise _classify_failure(done.output, done.returncode, device, log_path, xcresult)

    results = extract_results(xcresult, out / "results", runner)
    if not results:
        raise IosRunError(f"the test passed but attached no result file; see {log_path} and {xcresult}", exit_code=1)
    outcome = IosRunOutcome(results=results, xcresult=xcresult, log=log_path)
    if ingest:
        outcome.ingested = _ingest(results, bundle, out / "ingested.json")
    return outcome
