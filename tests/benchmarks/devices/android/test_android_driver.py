"""The adb driver without a phone: command construction, device choice, errors, pull and ingest.

A fake runner stands in for adb in most tests; one test puts a fake ``adb`` executable on PATH so
the real subprocess path is exercised. No phone has run this driver.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
import types
from pathlib import Path

import pytest

from mobrecon_bench.devices import android
from mobrecon_bench.devices.android import AdbResult, AndroidDriverError, AndroidRunOptions, instrument_command, run_on_device
from tests.benchmarks.devices.android import am_outputs


@pytest.fixture()
def bundle(tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "bundle.json").write_text("{}")
    return folder


@pytest.fixture()
def apks(tmp_path: Path) -> tuple[Path, Path]:
    app, test = tmp_path / "app-debug.apk", tmp_path / "app-debug-androidTest.apk"
    app.write_bytes(b"PK")
    test.write_bytes(b"PK")
    return app, test


@pytest.fixture()
def fake_ingest(monkeypatch):
    calls = []

    def ingest_results(paths, bundle, out=None):
        calls.append((list(paths), bundle, out))
        return types.SimpleNamespace(format=lambda: f"ingested {len(paths)} file(s)")

    module = types.ModuleType("mobrecon_bench.devices.ingest")
    module.ingest_results = ingest_results
    monkeypatch.setitem(sys.modules, "mobrecon_bench.devices.ingest", module)
    return calls


class FakeAdb:
    """Records every adb argv; answers by subcommand."""

    def __init__(self, devices: str = "List of devices attached\nR5CT1234\tdevice\n\n", instrument: str = am_outputs.SUCCESS, pull_ok: bool = True):
        self.calls: list[list[str]] = []
        self.devices, self.instrument, self.pull_ok = devices, instrument, pull_ok

    def __call__(self, argv, timeout):
        argv = list(argv)
        self.calls.append(argv)
        args = argv[3:] if argv[1] == "-s" else argv[1:]
        if args[0] == "devices":
            return AdbResult(0, self.devices, "")
        if args[:3] == ["shell", "am", "instrument"]:
            return AdbResult(0, self.instrument, "")
        if args[0] == "pull":
            if not self.pull_ok:
                return AdbResult(1, "", f"adb: error: failed to stat remote object '{args[1]}': No such file or directory")
            Path(args[2]).write_text(json.dumps({"from": args[1]}))
            return AdbResult(0, f"{args[1]}: 1 file pulled.", "")
        return AdbResult(0, "", "")


ENV = {"PATH": "/nonexistent", "ANDROID_HOME": ""}


@pytest.fixture()
def adb_on_home(tmp_path: Path) -> dict[str, str]:
    tools = tmp_path / "sdk" / "platform-tools"
    tools.mkdir(parents=True)
    (tools / "adb").write_text("#!/bin/sh\n")
    return {"PATH": "/nonexistent", "ANDROID_HOME": str(tmp_path / "sdk")}


def _options(apks, tmp_path, **kw) -> AndroidRunOptions:
    return AndroidRunOptions(app_apk=apks[0], test_apk=apks[1], out_dir=tmp_path / "out", **kw)


def test_full_run_builds_the_documented_commands(bundle, apks, tmp_path, adb_on_home, fake_ingest):
    fake = FakeAdb()
    outcome = run_on_device(bundle, _options(apks, tmp_path, eps="nnapi,cpu", threads="1,4", rounds=7, time_budget_s=0.5), runner=fake, env=adb_on_home)
    adb = str(Path(adb_on_home["ANDROID_HOME"]) / "platform-tools" / "adb")
    s = [adb, "-s", "R5CT1234"]
    assert fake.calls == [
        [adb, "devices"],
        s + ["install", "-r", "-t", str(apks[0])],
        s + ["install", "-r", "-t", str(apks[1])],
        s + ["shell", "rm", "-rf", "/data/local/tmp/mobrecon-bundle"],
        s + ["push", str(bundle), "/data/local/tmp/mobrecon-bundle"],
        s + ["shell", "chmod", "-R", "a+rX", "/data/local/tmp/mobrecon-bundle"],
        s + ["shell", "am", "instrument", "-w", "-r", "-e", "bundle", "/data/local/tmp/mobrecon-bundle", "-e", "eps", "nnapi,cpu",
             "-e", "threads", "1,4", "-e", "rounds", "7", "-e", "warmup", "10", "-e", "min_iters", "20", "-e", "time_budget_s", "0.5",
             "-e", "placement", "true", "-e", "nnapi_fp16", "false", "-e", "force_nnapi", "false", "-e", "diagnostic", "false",
             "-e", "class", "mobrecon.harness.app.HarnessInstrumentedTest", "com.mobrecon.harness.test/androidx.test.runner.AndroidJUnitRunner"],
        s + ["pull", am_outputs.RESULT, str(tmp_path / "out" / Path(am_outputs.RESULT).name)],
    ]
    assert outcome.serial == "R5CT1234" and outcome.device_result == am_outputs.RESULT
    assert json.loads(outcome.result_file.read_text()) == {"from": am_outputs.RESULT}
    assert fake_ingest == [([outcome.result_file], bundle, tmp_path / "out" / f"ingested-{outcome.result_file.name}")]
    assert "ingested 1 file(s)" in outcome.format()


def test_instrument_command_quotes_values_for_the_device_shell():
    cmd = instrument_command({"bundle": "/sdcard/my bundle", "artifacts": "a.ort,b.onnx"})
    assert cmd[5:11] == ["-e", "bundle", "'/sdcard/my bundle'", "-e", "artifacts", "a.ort,b.onnx"]


@pytest.mark.parametrize(("devices", "serial", "message"), [
    ("List of devices attached\n\n", None, "no Android device is connected: connect one with USB debugging on (adb devices lists none)"),
    ("List of devices attached\nA\tunauthorized\n", None, "no Android device is connected and ready: A (unauthorized)"),
    ("List of devices attached\nA\tdevice\nB\tdevice\n", None, "2 devices are connected (A, B): choose one with --serial"),
    ("List of devices attached\nA\tdevice\n", "C", "no device 'C' is connected (adb devices lists A)"),
    ("List of devices attached\nA\toffline\n", "A", "device A is offline: reconnect it"),
])
def test_device_choice_errors_are_one_sentence(bundle, apks, tmp_path, adb_on_home, devices, serial, message):
    with pytest.raises(AndroidDriverError) as err:
        run_on_device(bundle, _options(apks, tmp_path, serial=serial), runner=FakeAdb(devices=devices), env=adb_on_home)
    assert str(err.value) == message


def test_several_devices_with_a_serial_use_that_one(bundle, apks, tmp_path, adb_on_home, fake_ingest):
    fake = FakeAdb(devices="List of devices attached\nA\tdevice\nB\tdevice\n")
    assert run_on_device(bundle, _options(apks, tmp_path, serial="B"), runner=fake, env=adb_on_home).serial == "B"
    assert all(c[1:3] == ["-s", "B"] for c in fake.calls[1:])


def test_no_adb(bundle, apks, tmp_path):
    with pytest.raises(AndroidDriverError, match=r"^adb was not found: install the Android SDK platform-tools"):
        run_on_device(bundle, _options(apks, tmp_path), runner=FakeAdb(), env=ENV)


def test_apks_not_built_names_the_gradle_command(bundle, tmp_path, adb_on_home):
    with pytest.raises(AndroidDriverError) as err:
        run_on_device(bundle, AndroidRunOptions(app_apk=tmp_path / "none.apk", out_dir=tmp_path), runner=FakeAdb(), env=adb_on_home)
    assert "the harness APKs are not built" in str(err.value)
    assert "`cd android_harness && ./gradlew assembleDebug assembleDebugAndroidTest`" in str(err.value)


def test_default_apk_paths_are_the_gradle_outputs():
    assert android.APP_APK.parts[-6:] == ("app", "build", "outputs", "apk", "debug", "app-debug.apk")
    assert android.TEST_APK.parts[-7:] == ("app", "build", "outputs", "apk", "androidTest", "debug", "app-debug-androidTest.apk")


@pytest.mark.parametrize(("output", "message"), [
    (am_outputs.FAILURE, am_outputs.FAILURE_MESSAGE),
    (am_outputs.CRASH, "the app process ended on the phone: Process crashed."),
    (am_outputs.NOT_INSTALLED, "the instrumentation did not run"),
    (am_outputs.PASSED_WITHOUT_RESULT, "the test passed but reported no result file"),
])
def test_instrumentation_failures_carry_the_phones_message(bundle, apks, tmp_path, adb_on_home, output, message):
    with pytest.raises(AndroidDriverError) as err:
        run_on_device(bundle, _options(apks, tmp_path), runner=FakeAdb(instrument=output), env=adb_on_home)
    assert str(err.value).startswith(message)


def test_result_missing_on_the_phone(bundle, apks, tmp_path, adb_on_home):
    with pytest.raises(AndroidDriverError) as err:
        run_on_device(bundle, _options(apks, tmp_path), runner=FakeAdb(pull_ok=False), env=adb_on_home)
    assert str(err.value).startswith(f"the result file {am_outputs.RESULT} could not be pulled from the phone: adb: error: failed to stat")


def test_bad_options_fail_before_adb(bundle, apks, tmp_path):
    for kw, message in (({"eps": "nnapi,gpu"}, "unknown compute unit 'gpu' in --ep"), ({"threads": "1,0"}, "--threads takes thread counts"),
                        ({"rounds": 0}, "--rounds must be at least 1")):
        fake = FakeAdb()
        with pytest.raises(AndroidDriverError, match=message):
            run_on_device(bundle, _options(apks, tmp_path, **kw), runner=fake, env=ENV)
        assert fake.calls == []
    with pytest.raises(AndroidDriverError, match=r"^no bundle.json in .*: make the bundle with `mobrecon device bundle EXPORT_DIR`"):
        run_on_device(tmp_path, _options(apks, tmp_path), runner=FakeAdb(), env=ENV)


def test_skip_install_and_skip_ingest(bundle, tmp_path, adb_on_home):
    fake = FakeAdb()
    out = run_on_device(bundle, AndroidRunOptions(app_apk=tmp_path / "absent.apk", out_dir=tmp_path / "o", skip_install=True, skip_ingest=True),
                        runner=fake, env=adb_on_home)
    assert not any("install" in c for c in fake.calls)
    assert out.ingested is None and out.result_file.is_file()


FAKE_ADB = textwrap.dedent('''\
    #!{python}
    """A fake adb for the driver tests: logs its argv, answers from canned output."""
    import json, os, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_ADB_LOG"], "a") as log:
        log.write(json.dumps(args) + "\\n")
    if args[:2] == ["-s", "R5CT1234"]:
        args = args[2:]
    if args == ["devices"]:
        print("List of devices attached\\nR5CT1234\\tdevice\\n")
    elif args[:3] == ["shell", "am", "instrument"]:
        sys.stdout.write(open(os.environ["FAKE_ADB_INSTRUMENT"]).read())
    elif args[0] == "pull":
        open(args[2], "w").write("{{}}")
    ''')


def test_a_fake_adb_on_path_through_the_cli(bundle, apks, tmp_path, monkeypatch, fake_ingest):
    from typer.testing import CliRunner

    from mobrecon_bench.devices.android_cli import android_app

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    adb = bin_dir / "adb"
    adb.write_text(FAKE_ADB.format(python=sys.executable))
    adb.chmod(adb.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "instrument.txt").write_text(am_outputs.SUCCESS)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_ADB_LOG", str(tmp_path / "adb.log"))
    monkeypatch.setenv("FAKE_ADB_INSTRUMENT", str(tmp_path / "instrument.txt"))
    res = CliRunner().invoke(android_app, ["run", str(bundle), "--ep", "cpu", "--threads", "1,4", "--app-apk", str(apks[0]),
                                           "--test-apk", str(apks[1]), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert f"phone R5CT1234: result {am_outputs.RESULT}" in res.output
    logged = [json.loads(line) for line in (tmp_path / "adb.log").read_text().splitlines()]
    assert logged[0] == ["devices"] and logged[-1][2] == "pull"
    instrument = next(c for c in logged if c[2:5] == ["shell", "am", "instrument"])
    assert instrument[instrument.index("eps") + 1] == "cpu" and instrument[instrument.index("threads") + 1] == "1,4"

    (tmp_path / "instrument.txt").write_text(am_outputs.CRASH)
    res = CliRunner().invoke(android_app, ["run", str(bundle), "--app-apk", str(apks[0]), "--test-apk", str(apks[1]), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert res.output.strip().splitlines()[-1] == "error: the app process ended on the phone: Process crashed."
