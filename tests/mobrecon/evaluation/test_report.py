"""The whole protocol on a generated FreiHAND-format set with known answers, through files and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from mobrecon.cli import app
from mobrecon.evaluation.errors import EvaluationError
from mobrecon.evaluation.freihand import read_ground_truth, read_predictions, write_ground_truth, write_predictions
from mobrecon.evaluation.generated import generated_ground_truth, known_answer_check, known_cases
from mobrecon.evaluation.report import evaluate, evaluate_files

TOLERANCE = {"mm": 1e-4, "1": 1e-9, "px": 1e-6}


def test_every_known_answer_holds():
    from mobrecon.evaluation.report import METRICS

    rows, metrics = known_answer_check()
    assert len(rows) > 30
    for row in rows:
        assert row.error <= TOLERANCE[METRICS[row.metric][0]], row
    # the mirrored case separates the two alignments, the noise case moves PA below the raw error
    assert metrics["mirror"]["pa_mpjpe_rigid_align_mm"] > 1.0
    assert 0 < metrics["noise 3 mm"]["pa_mpjpe_mm"] < 3.0


def test_files_round_trip_and_give_the_same_report(tmp_path):
    gt = generated_ground_truth(4, seed=3)
    write_ground_truth(tmp_path / "gt", gt.xyz, gt.verts, gt.k)
    case = known_cases(gt)[3]
    write_predictions(tmp_path / "pred.json", case.xyz, case.verts)
    read = read_ground_truth(tmp_path / "gt")
    assert read.set_name == "evaluation" and np.array_equal(read.xyz, gt.xyz)
    from_files = evaluate_files(tmp_path / "gt", tmp_path / "pred.json")
    direct = evaluate(gt, case.xyz, case.verts)
    assert from_files.metrics == pytest.approx(direct.metrics, rel=1e-12, abs=1e-12)
    assert from_files.metrics["mpvpe_mm"] == pytest.approx(3.0, abs=1e-9)

    result = CliRunner().invoke(app, ["eval", "--gt", str(tmp_path / "gt"), "--pred", str(tmp_path / "pred.json"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["samples"] == 4 and data["metrics"]["mpjpe_mm"] == pytest.approx(3.0, abs=1e-9)
    assert "align_w_scale" in data["definitions"]["pa_mpjpe_mm"]


def test_without_verts_or_k_the_metrics_that_need_them_are_left_out(tmp_path):
    gt = generated_ground_truth(2)
    write_ground_truth(tmp_path, gt.xyz, None, None)
    write_predictions(tmp_path / "p.json", gt.xyz, gt.verts)
    report = evaluate_files(tmp_path, tmp_path / "p.json")
    assert "pa_mpvpe_mm" not in report.metrics and "proj2d_mean_px" not in report.metrics and report.metrics["mpjpe_mm"] == 0.0
    assert any("verts" in n for n in report.notes) and any("K" in n for n in report.notes)


@pytest.mark.parametrize("content, message", [
    ("[[1, 2]]", "not a submission"),
    ("not json", "cannot be read as JSON"),
    ("[[[[0, 0, 0]]], []]", "expected [S, 21, 3]"),
])
def test_malformed_predictions_are_one_sentence(tmp_path, content, message):
    (tmp_path / "p.json").write_text(content)
    with pytest.raises(EvaluationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_predictions(tmp_path / "p.json")


def test_sample_count_mismatch(tmp_path):
    gt = generated_ground_truth(3)
    write_ground_truth(tmp_path / "gt", gt.xyz, gt.verts, gt.k)
    write_predictions(tmp_path / "p.json", gt.xyz[:2], gt.verts[:2])
    with pytest.raises(EvaluationError, match="holds 2 samples but"):
        evaluate_files(tmp_path / "gt", tmp_path / "p.json")


def test_eval_without_options_prints_the_known_answer_table():
    result = CliRunner().invoke(app, ["eval"])
    assert result.exit_code == 0, result.output
    assert "known answers" in result.output and "noise 3 mm" in result.output
