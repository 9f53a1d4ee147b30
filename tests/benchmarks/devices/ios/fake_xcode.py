"""A stand-in for xcodebuild and xcrun (xctrace, xcresulttool) for the driver tests.

``FakeXcode`` is an injected runner: it records every command, answers from the fixtures and,
for ``xcodebuild test``, checks the staged package and writes a result bundle folder. Scenarios:

- ``xcode="16"``: ``xcresulttool export attachments`` works (manifest + exported files);
- ``xcode="15"``: that command is unknown, the ``get --format json`` / ``export --type file`` walk works;
- ``build_log``: a fixture log (no team, no device, failed test) and exit code 65 instead of a pass.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobrecon_bench.devices.ios import BUNDLE_RESOURCE, CompletedRun

FIXTURES = Path(__file__).with_name("fixtures")
EXPORTED = "6F1C2A4E-9B3D-4C8E-A1F2-3D4E5F6A7B8C.json"
HARNESS_LINES = ["mobrecon: round 1/3 mobrecon-densestack.fp32.mlpackage coreml cpu x6: median 14.012 ms",
                 "mobrecon: wrote /var/mobile/.../Documents/mobrecon-results/result-ios-iPhone13,2-20260301T120000Z.json"]  # fmt: skip


def _arg(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


@dataclass
class FakeXcode:
    result_text: str
    xcode: str = "16"
    build_log: str | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    staged_bundle_files: list[str] = field(default_factory=list)

    def __call__(self, args, *, cwd=None, env=None, log=None, on_line=None) -> CompletedRun:
        args = list(args)
        self.calls.append({"args": args, "cwd": cwd, "env": dict(env or {})})
        if args[:4] == ["xcrun", "xctrace", "list", "devices"]:
            return CompletedRun(0, (FIXTURES / "xctrace-devices.txt").read_text())
        if args[:2] == ["xcodebuild", "test"]:
            return self._xcodebuild(args, Path(cwd), log, on_line)
        if args[:4] == ["xcrun", "xcresulttool", "export", "attachments"]:
            return self._export_attachments(args)
        if args[:3] == ["xcrun", "xcresulttool", "get"]:
            return self._get(args)
        if args[:5] == ["xcrun", "xcresulttool", "export", "--type", "file"]:
            assert _arg(args, "--id") == "0~payload-ref-id"
            Path(_arg(args, "--output-path")).write_text(self.result_text)
            return CompletedRun(0, "")
        raise AssertionError(f"unexpected command {args}")

    def _xcodebuild(self, args, cwd: Path, log, on_line) -> CompletedRun:
        assert (cwd / "Package.swift").is_file(), "xcodebuild must run in the staged package"
        resource = cwd / BUNDLE_RESOURCE
        self.staged_bundle_files = sorted(p.relative_to(resource).as_posix() for p in resource.rglob("*") if p.is_file())
        text = (FIXTURES / self.build_log).read_text() if self.build_log else "\n".join(HARNESS_LINES + ["** TEST SUCCEEDED **"]) + "\n"
        if log is not None:
            Path(log).write_text(text)
        for line in text.splitlines():
            if on_line is not None:
                on_line(line)
        if self.build_log:
            return CompletedRun(65 if "no-device" not in self.build_log else 70, text)
        Path(_arg(args, "-resultBundlePath")).mkdir(parents=True)
        return CompletedRun(0, text)

    def _export_attachments(self, args) -> CompletedRun:
        if self.xcode != "16":
            return CompletedRun(64, "Error: Unknown option 'attachments'\nUsage: xcresulttool export --type <type> ...\n")
        out = Path(_arg(args, "--output-path"))
        shutil.copyfile(FIXTURES / "attachments-manifest.json", out / "manifest.json")
        (out / EXPORTED).write_text(self.result_text)
        (out / "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D.txt").write_text("not a result")
        return CompletedRun(0, "Exported 2 attachments\n")

    def _get(self, args) -> CompletedRun:
        if self.xcode == "16" and "--legacy" not in args:
            return CompletedRun(1, "Error: This command is deprecated and will be removed in a future release, --legacy flag is required to use it.\n")
        ref = _arg(args, "--id") if "--id" in args else None
        name = {None: "legacy-root.json", "0~tests-ref-id": "legacy-tests.json", "0~summary-ref-id": "legacy-summary.json"}[ref]
        return CompletedRun(0, (FIXTURES / name).read_text())
