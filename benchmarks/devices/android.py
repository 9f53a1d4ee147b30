"""Run the Android harness on a phone over adb: install, push the bundle, instrument, pull, ingest.

Usage::

    from mobrecon_bench.devices.android import AndroidRunOptions, run_on_device

    outcome = run_on_device(Path("exports/bundle"), AndroidRunOptions(eps="nnapi,cpu", threads="1,4", rounds=5))
    outcome.result_file          # the phone's result, pulled into options.out_dir
    outcome.ingested             # what mobrecon_bench.devices.ingest.ingest_results returned

Steps, each a plain adb command (``AndroidRunOptions`` -> ``am instrument`` arguments, see
:func:`instrument_command`):

1. ``adb devices``: exactly one device in state ``device``, or the one named by ``serial``;
2. ``adb install -r -t`` the app APK and the instrumentation-test APK (the Gradle output paths);
3. ``adb shell rm -rf`` then ``adb push`` the bundle to ``/data/local/tmp/mobrecon-bundle``;
4. ``adb shell am instrument -w -r -e key value ... -e class <test> <test package>/<runner>``; the
   test reports its result file under the status key ``additionalTestOutputFile_mobrecon_result``;
5. ``adb pull`` that file; 6. ``ingest_results`` on it against the same bundle.

Every failure is one sentence (:class:`AndroidDriverError`): no adb, no device, several devices and
no serial, APKs not built (with the Gradle command), instrumentation failure (with the phone's own
message), result missing. The adb calls go through an injectable runner, so the command
construction and the parsing are tested without a phone; no phone has run this driver yet.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobrecon_bench.devices.am_instrument import InstrumentationOutput, parse_instrument_output
from mobrecon_bench.errors import BenchmarkError

__all__ = [
    "AndroidDriverError", "AndroidRunOptions", "AndroidRunOutcome", "AdbResult", "Runner", "find_adb", "parse_devices",
    "choose_device", "instrument_command", "run_on_device", "APP_APK", "TEST_APK", "GRADLE_COMMAND", "DEVICE_BUNDLE",
]

HARNESS_DIR = Path(__file__).resolve().parents[2] / "android_harness"
APP_APK = HARNESS_DIR / "app" / "build" / "outputs" / "apk" / "debug" / "app-debug.apk"
TEST_APK = HARNESS_DIR / "app" / "build" / "outputs" / "apk" / "androidTest" / "debug" / "app-debug-androidTest.apk"
GRADLE_COMMAND = "cd android_harness && ./gradlew assembleDebug assembleDebugAndroidTest"
APP_PACKAGE = "com.mobrecon.harness"
TEST_RUNNER = f"{APP_PACKAGE}.test/androidx.test.runner.AndroidJUnitRunner"
TEST_CLASS = "mobrecon.harness.app.HarnessInstrumentedTest"
DEVICE_BUNDLE = "/data/local/tmp/mobrecon-bundle"
RESULT_KEY = "additionalTestOutputFile_mobrecon_result"
COMPUTE_UNITS = ("nnapi", "xnnpack", "cpu")


class AndroidDriverError(BenchmarkError):
    """The phone run cannot go on, in one sentence (exit code 2 on the command line)."""


@dataclass(frozen=True)
class AdbResult:
    """What one adb call returned."""

    returncode: int
    stdout: str
    stderr: str


#: (argv, timeout seconds) -> AdbResult; the default runs the process.
Runner = Callable[[Sequence[str], float], AdbResult]


def _subprocess_runner(argv: Sequence[str], timeout: float) -> AdbResult:
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AndroidDriverError(f"`{' '.join(argv[:4])} ...` did not finish within {timeout:.0f} s") from None
    return AdbResult(proc.returncode, proc.stdout, proc.stderr)


@dataclass
class AndroidRunOptions:
    """What to run on the phone (the harness's instrumentation arguments) and where files are.

    Attributes:
        serial: adb serial of the phone; None = the only connected device.
        eps: compute units, comma separated: ``nnapi``, ``xnnpack``, ``cpu``.
        threads: intra-op thread counts, comma separated.
        rounds, warmup, min_iters, time_budget_s: the method (the host's defaults).
        artifacts: bundle artifact ids to run, comma separated; None = all Android artifacts.
        nnapi_fp16: NNAPI_FLAG_USE_FP16; force_nnapi: time NNAPI on Android 15+ (skipped otherwise).
        diagnostic: ONNX Runtime logging at VERBOSE on the phone (EP partitioning in logcat).
        placement: one extra profiled session per record for ``nodes_by_provider``.
        app_apk, test_apk: the APKs to install (default: the Gradle debug outputs).
        out_dir: where the pulled result and the ingested file go.
        skip_install: use the APKs already on the phone; skip_ingest: only pull the result.
        timeout_s: limit of the instrumentation run, seconds.
    """

    serial: str | None = None
    eps: str = "nnapi,xnnpack,cpu"
    threads: str = "1"
    rounds: int = 5
    warmup: int = 10
    min_iters: int = 20
    time_budget_s: float = 1.0
    artifacts: str | None = None
    nnapi_fp16: bool = False
    force_nnapi: bool = False
    diagnostic: bool = False
    placement: bool = True
    app_apk: Path = APP_APK
    test_apk: Path = TEST_APK
    out_dir: Path = Path("bench-results/android")
    skip_install: bool = False
    skip_ingest: bool = False
    timeout_s: float = 3600.0

    def instrumentation_arguments(self) -> dict[str, str]:
        """The ``-e key value`` pairs, checked here so a typo fails before anything touches the phone."""
        eps = [e.strip() for e in self.eps.split(",") if e.strip()]
        bad = [e for e in eps if e not in COMPUTE_UNITS]
        if not eps or bad:
            raise AndroidDriverError(f"unknown compute unit {bad[0]!r} in --ep (choose from {', '.join(COMPUTE_UNITS)})" if bad
                                     else f"--ep names no compute unit (choose from {', '.join(COMPUTE_UNITS)})")
        threads = [t.strip() for t in self.threads.split(",") if t.strip()]
        if not threads or not all(t.isdigit() and int(t) >= 1 for t in threads):
            raise AndroidDriverError(f"--threads takes thread counts of at least 1, comma separated, got {self.threads!r}")
        for name, value, low in (("rounds", self.rounds, 1), ("warmup", self.warmup, 0), ("min-iters", self.min_iters, 1)):
            if value < low:
                raise AndroidDriverError(f"--{name} must be at least {low}, got {value}")
        if not self.time_budget_s >= 0:
            raise AndroidDriverError(f"--time-budget-s must be 0 or more, got {self.time_budget_s}")
        args = {"bundle": DEVICE_BUNDLE, "eps": ",".join(eps), "threads": ",".join(threads), "rounds": str(self.rounds),
                "warmup": str(self.warmup), "min_iters": str(self.min_iters), "time_budget_s": repr(float(self.time_budget_s)),
                "placement": str(self.placement).lower(), "nnapi_fp16": str(self.nnapi_fp16).lower(),
                "force_nnapi": str(self.force_nnapi).lower(), "diagnostic": str(self.diagnostic).lower()}
        if self.artifacts:
            args["artifacts"] = ",".join(a.strip() for a in self.artifacts.split(",") if a.strip())
        return args


@dataclass
class AndroidRunOutcome:
    """What a phone run gave: the device, the phone's result file, the pulled copy and the ingest outcome."""

    serial: str
    device_result: str
    result_file: Path
    ingested: Any = None
    log: list[str] = field(default_factory=list)

    def format(self) -> str:
        lines = [f"phone {self.serial}: result {self.device_result}", f"pulled to {self.result_file}"]
        if self.ingested is not None:
            lines.append(self.ingested.format() if hasattr(self.ingested, "format") else str(self.ingested))
        return "\n".join(lines)


def find_adb(env: Mapping[str, str] = os.environ) -> str:
    """adb from PATH, else from ``$ANDROID_HOME`` / ``$ANDROID_SDK_ROOT`` ``platform-tools``."""
    found = shutil.which("adb", path=env.get("PATH"))
    if found:
        return found
    for var in ("ANDROID_HOME", "ANDROID_SDK_ROOT"):
        if env.get(var) and (Path(env[var]) / "platform-tools" / "adb").is_file():
            return str(Path(env[var]) / "platform-tools" / "adb")
    raise AndroidDriverError("adb was not found: install the Android SDK platform-tools and put adb on PATH (or set ANDROID_HOME)")


def parse_devices(text: str) -> list[tuple[str, str]]:
    """(serial, state) pairs from ``adb devices`` (states: device, unauthorized, offline, ...)."""
    pairs = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith(("List of devices", "*")):
            pairs.append((parts[0], parts[1]))
    return pairs


def choose_device(devices: Sequence[tuple[str, str]], serial: str | None) -> str:
    """The serial to use; one sentence when there is none, several, or the named one is not ready."""
    ready = [s for s, state in devices if state == "device"]
    if serial is not None:
        state = dict(devices).get(serial)
        if state is None:
            raise AndroidDriverError(f"no device {serial!r} is connected (adb devices lists {', '.join(s for s, _ in devices) or 'none'})")
        if state != "device":
            raise AndroidDriverError(f"device {serial} is {state}: " + ("accept the USB debugging prompt on the phone" if state == "unauthorized" else "reconnect it"))
        return serial
    if not ready:
        others = ", ".join(f"{s} ({st})" for s, st in devices)
        raise AndroidDriverError("no Android device is connected" + (f" and ready: {others}" if others else ": connect one with USB debugging on (adb devices lists none)"))
    if len(ready) > 1:
        raise AndroidDriverError(f"{len(ready)} devices are connected ({', '.join(ready)}): choose one with --serial")
    return ready[0]


def instrument_command(arguments: Mapping[str, str]) -> list[str]:
    """``shell am instrument -w -r -e k v ... -e class TEST TEST_RUNNER`` (values quoted for the device shell)."""
    cmd = ["shell", "am", "instrument", "-w", "-r"]
    for key, value in arguments.items():
        cmd += ["-e", key, shlex.quote(value)]
    return cmd + ["-e", "class", TEST_CLASS, TEST_RUNNER]


class _Adb:
    def __init__(self, executable: str, runner: Runner, serial: str | None = None):
        self.executable, self.runner, self.serial = executable, runner, serial

    def __call__(self, *args: str, timeout: float = 600.0, what: str | None = None) -> AdbResult:
        argv = [self.executable, *(["-s", self.serial] if self.serial else []), *args]
        res = self.runner(argv, timeout)
        if res.returncode != 0 and what is not None:
            detail = (res.stderr.strip() or res.stdout.strip()).splitlines()
            raise AndroidDriverError(f"{what} failed: {detail[-1] if detail else f'adb exit {res.returncode}'}")
        return res


def run_on_device(
    bundle: Path,
    options: AndroidRunOptions | None = None,
    *,
    runner: Runner = _subprocess_runner,
    env: Mapping[str, str] = os.environ,
    log: Callable[[str], None] = lambda m: None,
) -> AndroidRunOutcome:
    """Run the harness on one phone and bring its result back (see the module docstring for the steps).

    Args:
        bundle: the folder ``mobrecon device bundle`` wrote (holds bundle.json).
        options: what to run; defaults to every EP at 1 thread, the host's method.
        runner: runs one adb command (tests inject a fake).
        env: environment used to find adb.
        log: progress lines.

    Raises:
        AndroidDriverError: one sentence for every way the run cannot go on.
    """
    options = options or AndroidRunOptions()
    bundle = Path(bundle)
    if not (bundle / "bundle.json").is_file():
        raise AndroidDriverError(f"no bundle.json in {bundle}: make the bundle with `mobrecon device bundle EXPORT_DIR`")
    arguments = options.instrumentation_arguments()
    if not options.skip_install:
        missing = [p for p in (options.app_apk, options.test_apk) if not Path(p).is_file()]
        if missing:
            raise AndroidDriverError(f"the harness APKs are not built ({missing[0]} is missing): run `{GRADLE_COMMAND}` with the Android SDK installed")
    adb = _Adb(find_adb(env), runner)
    serial = choose_device(parse_devices(adb("devices", timeout=60, what="adb devices").stdout), options.serial)
    adb = _Adb(adb.executable, runner, serial)
    if not options.skip_install:
        for apk in (options.app_apk, options.test_apk):
            log(f"installing {Path(apk).name} on {serial}")
            adb("install", "-r", "-t", str(apk), what=f"installing {Path(apk).name}")
    log(f"pushing {bundle} to {DEVICE_BUNDLE}")
    adb("shell", "rm", "-rf", DEVICE_BUNDLE, what="clearing the old bundle on the phone")
    adb("push", str(bundle), DEVICE_BUNDLE, timeout=1800, what="pushing the bundle")
    adb("shell", "chmod", "-R", "a+rX", DEVICE_BUNDLE, what="making the bundle readable by the app")
    log("running the instrumentation test (rounds of fresh sessions; this takes a while)")
    res = adb(*instrument_command(arguments), timeout=options.timeout_s)
    output: InstrumentationOutput = parse_instrument_output(res.stdout)
    failure = output.failure()
    if failure is not None:
        raise AndroidDriverError(failure)
    device_result = output.reported(RESULT_KEY)
    if not device_result:
        raise AndroidDriverError(f"the test passed but reported no result file (status key {RESULT_KEY} missing): is the test APK this harness's?")
    out_dir = Path(options.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    local = out_dir / Path(device_result).name
    pulled = adb("pull", device_result, str(local), timeout=600)
    if pulled.returncode != 0 or not local.is_file():
        raise AndroidDriverError(f"the result file {device_result} could not be pulled from the phone: "
                                 f"{(pulled.stderr.strip() or pulled.stdout.strip() or 'missing').splitlines()[-1]}")
    outcome = AndroidRunOutcome(serial, device_result, local)
    if not options.skip_ingest:
        from mobrecon_bench.devices.ingest import ingest_results  # the lead's module; imported only when used

        outcome.ingested = ingest_results([local], bundle=bundle, out=out_dir / f"ingested-{local.name}")
    return outcome
