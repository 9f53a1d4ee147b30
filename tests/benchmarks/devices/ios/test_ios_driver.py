"""``mobrecon device ios run``: checks, command construction, result extraction, ingest hand-off.

No iPhone, Mac or Xcode ran any of this: xcodebuild and xcrun are fakes (fake_xcode.py, and shell
programs on PATH in the end-to-end test) answering from hand-written fixtures.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import types
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from mobrecon_bench.devices.ios import (
    BUNDLE_RESOURCE,
    SCHEME,
    IosRunError,
    IosRunOptions,
    extract_results,
    run_ios,
    subprocess_runner,
    xcodebuild_command,
)
from mobrecon_bench.devices.ios_cli import ios_app
from tests.benchmarks.devices.ios.conftest import IOS_HARNESS
from tests.benchmarks.devices.ios.fake_xcode import FIXTURES, FakeXcode
from tests.benchmarks.devices.ios.phone_result import example_result, example_result_text

UDID = "00008101-000A1B2C3D4E5F6A"
RESULT_NAME = "result-ios-iPhone13,2-20260301T120000Z.json"
ON_MAC = {"platform": "darwin", "which": lambda tool: f"/usr/bin/{tool}"}


@pytest.fixture
def bundle(tmp_path) -> Path:
    """A minimal bundle folder: bundle.json with iOS runs and one artifact file."""
    folder = tmp_path / "bundle"
    (folder / "artifacts").mkdir(parents=True)
    (folder / "artifacts" / "mobrecon-densestack.coreml-ep.fp32.ort").write_bytes(b"ORT")
    index = {"format": "mobrecon-device-bundle/1", "artifacts": [
        {"id": "mobrecon-densestack.fp32.mlpackage", "runs": [
            {"platform": p, "runtime": "coreml", "compute_unit": cu, "execution_provider": None}
            for p in ("ios", "macos") for cu in ("cpu", "cpu+gpu", "cpu+ane", "all")]},
        {"id": "mobrecon-densestack.nnapi.fp32.ort", "runs": [
            {"platform": "android", "runtime": "onnxruntime", "compute_unit": "nnapi", "execution_provider": "NnapiExecutionProvider"}]},
    ]}  # fmt: skip
    (folder / "bundle.json").write_text(json.dumps(index))
    return folder


@pytest.fixture
def fake_ingest(monkeypatch):
    """``mobrecon_bench.devices.ingest`` replaced by a recorder (the real one is the lead's)."""
    calls = []

    class Outcome:
        def format(self) -> str:
            return "ingested (fake): 1 record"

    def ingest_results(paths, bundle, out=None):
        calls.append({"paths": list(paths), "bundle": bundle, "out": out})
        return Outcome()

    module = types.ModuleType("mobrecon_bench.devices.ingest")
    module.ingest_results = ingest_results
    monkeypatch.setitem(sys.modules, "mobrecon_bench.devices.ingest", module)
    return calls


def test_example_phone_result_is_a_valid_v2_result(result_schema):
    jsonschema.Draft202012Validator(result_schema).validate(example_result())


def test_xcodebuild_command_targets_the_device_and_the_bundle_test(tmp_path):
    command = xcodebuild_command(UDID, "AB12CD34EF", tmp_path / "r.xcresult", tmp_path / "dd")
    assert command[:2] == ["xcodebuild", "test"]
    assert command[command.index("-scheme") + 1] == SCHEME
    assert command[command.index("-destination") + 1] == f"platform=iOS,id={UDID}"
    assert "-only-testing:MobReconDeviceTests/BundleBenchmarkTests" in command
    assert command[command.index("-resultBundlePath") + 1] == str(tmp_path / "r.xcresult")
    assert "-allowProvisioningUpdates" in command and "DEVELOPMENT_TEAM=AB12CD34EF" in command


def test_the_scheme_and_test_names_are_the_packages():
    package = (IOS_HARNESS / "Package.swift").read_text()
    assert f'name: "{SCHEME.removesuffix("-Package")}"' in package
    assert (IOS_HARNESS / "Tests/MobReconDeviceTests/BundleBenchmarkTests.swift").read_text().count("func testRunBundle()") == 1
    assert '.copy("Resources/MobReconBundle")' in package and (IOS_HARNESS / BUNDLE_RESOURCE / "PLACEHOLDER.md").is_file()


def test_options_become_test_runner_variables():
    env = IosRunOptions(compute_units=("cpuOnly", "all", "cpu"), threads=(1, 2), rounds=7, time_budget_s=0.5).test_runner_environment()
    assert env == {"TEST_RUNNER_MOBRECON_COMPUTE_UNITS": "cpu,all", "TEST_RUNNER_MOBRECON_THREADS": "1,2",
                   "TEST_RUNNER_MOBRECON_ROUNDS": "7", "TEST_RUNNER_MOBRECON_TIME_BUDGET_S": "0.5"}  # fmt: skip


def test_variable_names_match_the_swift_run_options():
    swift = (IOS_HARNESS / "Sources/MobReconHarness/Method/RunOptions.swift").read_text()
    everything = IosRunOptions(compute_units=("cpu",), runtimes=("coreml",), artifacts=("a",), threads=(1,), rounds=1,
                               warmup=0, min_iters=1, time_budget_s=1.0).test_runner_environment()  # fmt: skip
    for name in everything:
        assert f'"{name.removeprefix("TEST_RUNNER_")}"' in swift, f"{name} is not read by RunOptions.swift"


@pytest.mark.parametrize("xcode", ["16", "15"])
def test_run_stages_builds_extracts_and_ingests(tmp_path, bundle, fake_ingest, xcode):
    fake = FakeXcode(result_text=example_result_text(), xcode=xcode)
    lines = []
    outcome = run_ios(bundle, UDID, team="AB12CD34EF", options=IosRunOptions(compute_units=("cpuOnly",)),
                      out=tmp_path / "run", package=IOS_HARNESS, runner=fake, log=lines.append, **ON_MAC)  # fmt: skip
    build = next(c for c in fake.calls if c["args"][:2] == ["xcodebuild", "test"])
    assert build["cwd"] == tmp_path / "run" / "package"
    assert build["env"]["TEST_RUNNER_MOBRECON_COMPUTE_UNITS"] == "cpu"
    assert "bundle.json" in fake.staged_bundle_files and "artifacts/mobrecon-densestack.coreml-ep.fp32.ort" in fake.staged_bundle_files
    assert [p.name for p in outcome.results] == [RESULT_NAME]
    assert json.loads(outcome.results[0].read_text()) == example_result()
    assert fake_ingest == [{"paths": outcome.results, "bundle": bundle, "out": tmp_path / "run" / "ingested.json"}]
    assert "ingested (fake): 1 record" in outcome.format()
    assert any(line.startswith("mobrecon: round 1/3") for line in lines), "the harness's progress lines are shown"
    assert not (IOS_HARNESS / BUNDLE_RESOURCE / "bundle.json").exists(), "the checkout's package is not modified"


def test_a_second_run_replaces_the_staged_package_and_result_bundle(tmp_path, bundle, fake_ingest):
    for _ in range(2):
        fake = FakeXcode(result_text=example_result_text())
        run_ios(bundle, UDID, team="T", out=tmp_path / "run", package=IOS_HARNESS, runner=fake, **ON_MAC)
    assert len(list((tmp_path / "run" / "results").iterdir())) == 1


def test_skip_ingest_only_extracts(tmp_path, bundle, fake_ingest):
    outcome = run_ios(bundle, UDID, team="T", out=tmp_path / "run", package=IOS_HARNESS, ingest=False,
                      runner=FakeXcode(result_text=example_result_text()), **ON_MAC)  # fmt: skip
    assert outcome.ingested is None and fake_ingest == []


def test_off_macos_it_says_so_in_one_sentence(bundle):
    with pytest.raises(IosRunError) as err:
        run_ios(bundle, UDID, team="T", runner=FakeXcode(result_text=""), platform="linux", which=lambda t: None)
    assert str(err.value) == "`mobrecon device ios run` needs macOS with Xcode (xcodebuild, xcrun); this machine runs linux"
    assert err.value.exit_code == 2


def test_without_xcode_on_a_mac(bundle):
    with pytest.raises(IosRunError, match="needs Xcode: xcodebuild is not on PATH") as err:
        run_ios(bundle, UDID, team="T", runner=FakeXcode(result_text=""), platform="darwin", which=lambda t: None)
    assert err.value.exit_code == 2


def test_no_signing_team(bundle, monkeypatch):
    monkeypatch.delenv("DEVELOPMENT_TEAM", raising=False)
    with pytest.raises(IosRunError, match="^no signing team: pass --team TEAMID") as err:
        run_ios(bundle, UDID, runner=FakeXcode(result_text=""), **ON_MAC)
    assert err.value.exit_code == 2


def test_team_from_the_environment(tmp_path, bundle, monkeypatch, fake_ingest):
    monkeypatch.setenv("DEVELOPMENT_TEAM", "ENVTEAM123")
    fake = FakeXcode(result_text=example_result_text())
    run_ios(bundle, UDID, out=tmp_path / "run", package=IOS_HARNESS, runner=fake, **ON_MAC)
    build = next(c for c in fake.calls if c["args"][0] == "xcodebuild")
    assert "DEVELOPMENT_TEAM=ENVTEAM123" in build["args"]


@pytest.mark.parametrize("udid, message", [
    ("00008030-00FFFFFFFFFFFFFF", "no iPhone with UDID 00008030-00FFFFFFFFFFFFFF is connected"),
    ("00008020-0011223344556677", "is offline: unlock it, trust this Mac"),
    ("8C2B5F3E-1D4A-4E6B-9C7D-2F1E0A9B8C7D", "is a simulator; phone results need a real iPhone"),
])  # fmt: skip
def test_no_such_device(tmp_path, bundle, udid, message):
    fake = FakeXcode(result_text="")
    with pytest.raises(IosRunError, match=message) as err:
        run_ios(bundle, udid, team="T", out=tmp_path / "run", runner=fake, **ON_MAC)
    assert err.value.exit_code == 2
    assert not any(c["args"][0] == "xcodebuild" for c in fake.calls), "nothing is built for a missing device"


@pytest.mark.parametrize("log, message, code", [
    ("xcodebuild-no-team.log", "code signing failed: check the team (--team)", 2),
    ("xcodebuild-no-device.log", "xcodebuild cannot reach the iPhone", 2),
    ("xcodebuild-test-failed.log", "the on-device test failed (", 1),
])  # fmt: skip
def test_a_failed_xcodebuild_gives_one_sentence(tmp_path, bundle, log, message, code):
    fake = FakeXcode(result_text="", build_log=log)
    with pytest.raises(IosRunError) as err:
        run_ios(bundle, UDID, team="T", out=tmp_path / "run", package=IOS_HARNESS, runner=fake, **ON_MAC)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert err.value.exit_code == code
    if log == "xcodebuild-test-failed.log":
        assert "sha256 5b1e0c9a8d7f6e54" in str(err.value), "the test's own failure line is quoted"


def test_bad_bundles_and_units_are_refused_before_anything_runs(tmp_path, bundle):
    fake = FakeXcode(result_text="")
    with pytest.raises(IosRunError, match="is not a bundle \\(no bundle.json\\)"):
        run_ios(tmp_path, UDID, team="T", runner=fake, **ON_MAC)
    with pytest.raises(IosRunError, match="unknown compute unit 'gpu'"):
        run_ios(bundle, UDID, team="T", options=IosRunOptions(compute_units=("gpu",)), runner=fake, **ON_MAC)
    with pytest.raises(IosRunError, match="has no iOS run on coreml-ep \\(it has all, cpu, cpu\\+ane, cpu\\+gpu\\)"):
        run_ios(bundle, UDID, team="T", options=IosRunOptions(compute_units=("coreml-ep",)), runner=fake, **ON_MAC)
    assert fake.calls == []


def test_extract_keeps_only_result_attachments(tmp_path):
    xcresult = tmp_path / "r.xcresult"
    xcresult.mkdir()
    found = extract_results(xcresult, tmp_path / "out", FakeXcode(result_text=example_result_text()))
    assert [p.name for p in found] == [RESULT_NAME]


def test_cli_run_off_macos_exits_2_with_one_line(bundle):
    if sys.platform == "darwin":
        pytest.skip("this test is about a non-macOS host")
    result = CliRunner().invoke(ios_app, ["run", str(bundle), "--device", UDID, "--compute-units", "cpuOnly"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: `mobrecon device ios run` needs macOS with Xcode (xcodebuild, xcrun); this machine runs {sys.platform}"]


def test_cli_rejects_a_bad_thread_count(bundle):
    result = CliRunner().invoke(ios_app, ["run", str(bundle), "--device", UDID, "--threads", "0"])
    assert result.exit_code == 2 and "error: --threads 0: thread counts are integers of at least 1" in result.output


def _fake_program(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_end_to_end_with_fake_programs_on_path(tmp_path, bundle, fake_ingest, monkeypatch):
    """The real subprocess runner against fake `xcrun` / `xcodebuild` programs: env, cwd, files."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "xcodebuild-call.json"
    result_file = tmp_path / "phone-result.json"
    result_file.write_text(example_result_text())
    _fake_program(bin_dir, "xcodebuild", f"""
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
Path({str(record)!r}).write_text(json.dumps({{"args": args, "cwd": os.getcwd(),
    "env": {{k: v for k, v in os.environ.items() if k.startswith("TEST_RUNNER_")}}}}))
Path(args[args.index("-resultBundlePath") + 1]).mkdir(parents=True)
print("mobrecon: round 1/5 mobrecon-densestack.fp32.mlpackage coreml cpu x6: median 14.000 ms")
print("** TEST SUCCEEDED **")
""")
    _fake_program(bin_dir, "xcrun", f"""
import shutil, sys
from pathlib import Path
args = sys.argv[1:]
if args[:3] == ["xctrace", "list", "devices"]:
    print(Path({str(FIXTURES / "xctrace-devices.txt")!r}).read_text())
elif args[:3] == ["xcresulttool", "export", "attachments"]:
    out = Path(args[args.index("--output-path") + 1])
    shutil.copyfile({str(FIXTURES / "attachments-manifest.json")!r}, out / "manifest.json")
    shutil.copyfile({str(result_file)!r}, out / "6F1C2A4E-9B3D-4C8E-A1F2-3D4E5F6A7B8C.json")
else:
    sys.exit("unexpected xcrun " + " ".join(args))
""")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    outcome = run_ios(bundle, UDID, team="T", options=IosRunOptions(compute_units=("cpuOnly",), rounds=5),
                      out=tmp_path / "run", package=IOS_HARNESS, runner=subprocess_runner, platform="darwin")  # fmt: skip
    call = json.loads(record.read_text())
    assert Path(call["cwd"]) == (tmp_path / "run" / "package").resolve()
    assert call["env"] == {"TEST_RUNNER_MOBRECON_COMPUTE_UNITS": "cpu", "TEST_RUNNER_MOBRECON_ROUNDS": "5"}
    assert "mobrecon: round 1/5" in outcome.log.read_text()
    assert [p.name for p in outcome.results] == [RESULT_NAME] and len(fake_ingest) == 1


def test_the_readme_command_uses_real_options():
    """The iPhone 12 command in ios_harness/README.md parses with the real CLI (flags exist, BUNDLE given)."""
    import re
    import shlex

    text = (IOS_HARNESS / "README.md").read_text()
    match = re.search(r"mobrecon device ios run (exports/\S+) \\\n\s+(.+)\n", text)
    assert match, "the README's `mobrecon device ios run` command is missing"
    args = ["run", match.group(1), *shlex.split(match.group(2))]
    result = CliRunner().invoke(ios_app, args)
    assert "No such option" not in result.output and "Missing" not in result.output, result.output
    assert result.exit_code == 2  # off macOS: the one-sentence refusal, after the options parsed


@pytest.mark.slow
@pytest.mark.parametrize("median_ms, verdict", [(12.5, "pass"), (20.0, "fail")])
def test_end_to_end_with_the_real_ingest(tmp_path, default_bundle, median_ms, verdict):
    """A fake iPhone 12 run of a real bundle, through the real `mobrecon bench ingest`: apple-a14, judged on cpu.

    The result file has the Swift writer's shape (phone_result.py); its numbers are made up."""
    from tests.benchmarks.devices.ios.phone_result import example_result_for_bundle

    doc = example_result_for_bundle(default_bundle, "mobrecon-densestack.fp32.onnx", median_ms=median_ms)
    jsonschema.Draft202012Validator(json.loads((IOS_HARNESS.parent / "benchmarks/results/result.schema.json").read_text())).validate(doc)
    fake = FakeXcode(result_text=json.dumps(doc))
    outcome = run_ios(default_bundle.folder, UDID, team="T", options=IosRunOptions(compute_units=("cpuOnly",)),
                      out=tmp_path / "run", package=IOS_HARNESS, runner=fake, **ON_MAC)  # fmt: skip
    text = outcome.format()
    print(text)
    assert "apple-a14" in text and f"67 FPS: {verdict}" in text
    assert "note:" not in text, "the phone's own figures (host definitions) agree with the recomputation"
    record = outcome.ingested.results[0].records[0]
    assert record.accuracy.verdict == "pass" and record.accuracy.vertex_error_mm_max == pytest.approx(0.0, abs=1e-6)
