"""Smoke tests of the `mobrecon` command's default paths and its one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mobrecon.cli import app

runner = CliRunner()


def test_info_default_says_synthetic_and_counts_paper_params():
    result = runner.invoke(app, ["info"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output
    assert "8,095,741 without BatchNorm" in result.output


def test_info_list_names_every_variant():
    from mobrecon import list_models

    result = runner.invoke(app, ["info", "--list", "--json"])
    assert result.exit_code == 0
    assert [c["name"] for c in json.loads(result.output)] == list_models()


def test_info_on_golden_checkpoint_reports_layout(reference_dir, template_dir):
    result = runner.invoke(app, ["info", "--checkpoint", str(reference_dir / "golden-densestack-spiralconv.pt"), "--template", str(template_dir), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["layout"] == "densestack-spiralconv"
    assert report["dropped_keys"] == 60
    assert "HandMesh MANO template" in report["topology"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from mobrecon.cli import main; main()", *args], capture_output=True, text=True)


@pytest.mark.parametrize(
    "args, message",
    [
        (["info", "--checkpoint", "/nonexistent/x.pt"], "does not exist"),
        (["info", "--variant", "densestak"], "did you mean 'densestack'"),
        (["info", "--template", "/nonexistent"], "template"),
    ],
)
def test_errors_are_one_line_with_exit_2(args, message):
    proc = _run(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_topology_convert_roundtrip(template_dir, tmp_path):
    from mobrecon import Topology

    out = tmp_path / "hand.npz"
    result = runner.invoke(app, ["topology", "convert", str(template_dir), str(out)])
    assert result.exit_code == 0, result.output
    assert Topology.load(out).sha256() == Topology.from_handmesh(template_dir).sha256()


def test_profile_json_reproduces_the_paper_for_densestack():
    result = runner.invoke(app, ["profile", "--variant", "densestack", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["total"]["mult_adds"] == 439_943_168
    assert report["stages"]["decoder"]["mult_adds"] == 19_462_400
    assert report["total"]["params"] == 8_095_741


def test_profile_ghoststack_within_five_percent_of_the_paper():
    report = json.loads(runner.invoke(app, ["profile", "--variant", "ghoststack", "--json"]).output)
    assert abs(report["total"]["mult_adds"] / 123.5e6 - 1) <= 0.05
    assert abs(report["total"]["params"] / 5.3e6 - 1) <= 0.05
    assert abs(report["stages"]["encoder"]["mult_adds"] / 96.2e6 - 1) <= 0.05
    assert abs(report["stages"]["encoder"]["params"] / 5.0e6 - 1) <= 0.05
