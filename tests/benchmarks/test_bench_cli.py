"""CLI: thin commands, exit codes, one-sentence errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mobrecon_bench.cli import bench_app
from mobrecon_bench.results.schema import load_result, save_result

from .synthetic import lognormal_rounds, make_record, make_result

runner = CliRunner()


@pytest.fixture
def results(tmp_path):
    """Paths of a baseline, an equal candidate and a 30% slower candidate."""
    base = save_result(make_result([make_record(lognormal_rounds(1))]), tmp_path / "base.json")
    same = save_result(make_result([make_record(lognormal_rounds(2))]), tmp_path / "same.json")
    slow = save_result(make_result([make_record(lognormal_rounds(3, factor=1.3))]), tmp_path / "slow.json")
    return base, same, slow


def _gate(base, cand, *extra):
    return runner.invoke(bench_app, ["gate", "--baseline", str(base), "--candidate", str(cand), *extra])


def test_gate_exit_codes(results, tmp_path):
    base, same, slow = results
    assert _gate(base, same).exit_code == 0
    outcome = _gate(base, slow, "--max-slowdown", "10%", "--markdown", str(tmp_path / "summary.md"))
    assert outcome.exit_code == 1
    assert "**regression**" in outcome.stdout
    assert "regression" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert _gate(base, slow, "--max-slowdown", "0.5").exit_code == 0


@pytest.mark.parametrize(
    "args, words",
    [
        (["--max-slowdown", "10"], "ambiguous"),
        (["--max-slowdown", "lots"], "is not a percentage"),
        (["--candidate", "absent.json"], "does not exist"),
    ],
)
def test_gate_bad_input_is_one_sentence(results, args, words):
    base, same, _ = results
    outcome = runner.invoke(bench_app, ["gate", "--baseline", str(base), "--candidate", str(same), *args])
    assert outcome.exit_code == 2
    assert words in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1 and "Traceback" not in outcome.output


def test_gate_rejects_a_file_of_the_wrong_schema(results, tmp_path):
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"records": []}', encoding="utf-8")
    outcome = _gate(results[0], wrong)
    assert outcome.exit_code == 2 and "not a valid benchmark result" in outcome.stderr


def test_report_command(results, tmp_path):
    outcome = runner.invoke(bench_app, ["report", str(results[0]), "--out", str(tmp_path / "rep")])
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "rep" / "report.md").is_file()


def _run_onnx(tiny_onnx, out, *extra):
    args = ["run", "--onnx", str(tiny_onnx), "--threads", "1", "--rounds", "1", "--warmup", "1", "--min-iters", "3",
            "--time-budget-s", "0.01", "--skip-floor", "--no-progress", "--out", str(out), *extra]  # fmt: skip
    return runner.invoke(bench_app, args)


def test_run_on_onnx_writes_a_valid_result_with_the_yardstick(tiny_onnx, tmp_path):
    outcome = _run_onnx(tiny_onnx, tmp_path / "r.json")
    assert outcome.exit_code == 0, outcome.output
    record, stick = load_result(tmp_path / "r.json").records
    assert (record.artifact.name, record.status, record.threads) == ("tiny", "ok", 1)
    assert (stick.artifact.name, stick.artifact.form, stick.status, stick.threads) == ("yardstick.onnx", "yardstick", "ok", 1)
    assert "yardstick.onnx is not a model" in outcome.stdout


def test_run_without_the_yardstick(tiny_onnx, tmp_path):
    assert _run_onnx(tiny_onnx, tmp_path / "r.json", "--skip-yardstick").exit_code == 0
    assert [r.artifact.name for r in load_result(tmp_path / "r.json").records] == ["tiny"]


def test_run_default_exports_the_builtin_models(tmp_path, monkeypatch):
    """No DIR: the suite runs on the built-in variants (the suite itself is stubbed: it takes minutes)."""
    from mobrecon_bench.running import suite

    seen = {}

    def fake_run_suite(directory, **options):
        seen.update(options, directory=directory)
        return make_result([make_record(lognormal_rounds(0))])

    monkeypatch.setattr(suite, "run_suite", fake_run_suite)
    args = ["run", "--threads", "1", "--rounds", "1", "--no-progress", "--out", str(tmp_path / "r.json")]
    outcome = runner.invoke(bench_app, args)
    assert outcome.exit_code == 0, outcome.output
    assert seen["directory"] is None and tuple(seen["variants"]) == ("densestack", "ghoststack")
    assert "built-in default models" in outcome.stderr and "in-run targets:" in outcome.stdout
    assert load_result(tmp_path / "r.json").records[0].status == "ok"


def test_run_refuses_a_folder_and_files_together(tiny_onnx, tmp_path):
    outcome = runner.invoke(bench_app, ["run", str(tmp_path), "--onnx", str(tiny_onnx), "--no-progress"])
    assert outcome.exit_code == 2 and "not both" in outcome.stderr


def test_run_on_a_folder_without_manifest_is_one_sentence(tmp_path):
    outcome = runner.invoke(bench_app, ["run", str(tmp_path), "--no-progress"])
    assert outcome.exit_code == 2
    assert "has no manifest.json" in outcome.stderr and "Traceback" not in outcome.output


def test_run_missing_file_is_one_sentence(tmp_path):
    outcome = runner.invoke(bench_app, ["run", "--onnx", str(tmp_path / "absent.onnx"), "--no-progress"])
    assert outcome.exit_code == 2
    assert outcome.stderr.strip() == f"error: ONNX file {tmp_path / 'absent.onnx'} does not exist"


def test_python_dash_m_entry_point():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-m", "mobrecon_bench", "--help"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "gate" in done.stdout and "report" in done.stdout
