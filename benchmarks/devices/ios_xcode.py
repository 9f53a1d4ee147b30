"""Xcode's tools for the iOS driver: xcodebuild's command and its failures, xctrace's devices, xcresulttool.

Usage::

    from mobrecon_bench.devices.ios_xcode import xcodebuild_command, extract_results

    command = xcodebuild_command(udid, team, Path("out/r.xcresult"), Path("out/DerivedData"))
    files = extract_results(Path("out/r.xcresult"), Path("out/results"))   # result-ios-*.json

Every command goes through a runner (:func:`subprocess_runner`, or a fake in tests); every failure is
an :class:`IosRunError` of one sentence. The result files are the harness test's XCTAttachments:
Xcode 16's ``xcrun xcresulttool export attachments`` writes them with a ``manifest.json``; before
Xcode 16 the ``get --format json`` objects are walked (``testsRef`` -> ``summaryRef`` ->
``ActionTestAttachment``) and each payload taken out with ``export --type file``.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mobrecon.errors import MobReconError

__all__ = [
    "SCHEME",
    "BUNDLE_TEST",
    "IosRunError",
    "CompletedRun",
    "Runner",
    "subprocess_runner",
    "xcodebuild_command",
    "check_host",
    "check_device",
    "classify_failure",
    "extract_results",
    "extract_xcresults",
]

#: Xcode's scheme for all targets of a package with several products.
SCHEME = "MobReconHarness-Package"
#: The test that runs the bundle and writes the result file.
BUNDLE_TEST = "MobReconDeviceTests/BundleBenchmarkTests"

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


def check_host(platform: str, which: Callable[[str], str | None], command: str = "`mobrecon device ios run`") -> None:
    if platform != "darwin":
        raise IosRunError(f"{command} needs macOS with Xcode (xcodebuild, xcrun); this machine runs {platform}")
    for tool in ("xcodebuild", "xcrun"):
        if which(tool) is None:
            raise IosRunError(f"{command} needs Xcode: {tool} is not on PATH "
                              "(install Xcode, then `sudo xcode-select -s /Applications/Xcode.app`)")  # fmt: skip


def check_device(device: str, runner: Runner) -> None:
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


def classify_failure(output: str, returncode: int, device: str, log: Path, xcresult: Path) -> IosRunError:
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
    check_host(platform, which, command="`mobrecon device ios extract`")
    return [path for xcresult in xcresults for path in extract_results(Path(xcresult), Path(out_dir), runner)]
