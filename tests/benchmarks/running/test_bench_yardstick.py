"""The yardstick graph, and the gate's normalisation of two runs by it (synthetic samples, no timing)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from mobrecon_bench.running import yardstick
from mobrecon_bench.gate.gate import REGRESSION, compare_results, gate_files
from mobrecon_bench.results.stats import normalised_ratio_ci
from mobrecon_bench.results.schema import BenchmarkResult, load_result, save_result
from mobrecon_bench.results.stats import bootstrap_ratio_ci

from ..synthetic import make_record, make_result

STICK = dict(name=yardstick.YARDSTICK_NAME, variant=None, form=yardstick.YARDSTICK_FORM)


def _run(seed: int, *, machine: float = 1.0, code: float = 1.0, round_sigma: float = 0.02, rounds: int = 7,
         n: int = 100, stick: bool = True, threads: int = 1) -> list:  # fmt: skip
    """Records of one synthetic run: the artifact (10 ms) and, if ``stick``, the yardstick (3 ms).

    Both share each round's machine state (a lognormal factor per round, as interleaved rounds do);
    ``machine`` slows the whole run, ``code`` only the artifact. Per-sample noise 5%.
    """
    rng = np.random.default_rng(seed)
    states = machine * np.exp(rng.normal(0.0, round_sigma, rounds))
    rounds_of = lambda ms: [(ms * s * np.exp(rng.normal(0.0, 0.05, n))).tolist() for s in states]  # noqa: E731
    records = [make_record(rounds_of(10.0 * code), threads=threads)]
    if stick:
        records.append(make_record(rounds_of(3.0), threads=threads, **STICK))
    return records


def _gate(base: list, cand: list, **options):
    return compare_results(make_result(base), make_result(cand), n_boot=1000, **options)


def test_whole_machine_slower_is_not_a_regression_when_normalised():
    """Artifact and yardstick both x1.15 in the candidate's run: a regression raw, none normalised."""
    base, cand = _run(1), _run(2, machine=1.15)
    (raw,) = _gate(base, cand, normalise=False).pairs
    assert raw.verdict == REGRESSION and not raw.normalised
    outcome = _gate(base, cand)
    (pair,) = outcome.pairs
    assert pair.verdict != REGRESSION and outcome.exit_code == 0
    assert pair.normalised and pair.yardstick_ratio == pytest.approx(1.15, abs=0.03)
    assert pair.raw_ratio == pytest.approx(raw.ratio) and pair.ratio == pytest.approx(1.0, abs=0.03)
    assert "normalised by the yardstick, which moved x1.1" in pair.note
    assert any(n.startswith("yardstick x1: its p10 moved x1.1") for n in outcome.notes)


def test_slower_artifact_on_an_unchanged_machine_is_a_regression():
    outcome = _gate(_run(3), _run(4, code=1.25))
    (pair,) = outcome.pairs
    assert pair.verdict == REGRESSION and outcome.exit_code == 1 and pair.normalised
    assert pair.yardstick_ratio == pytest.approx(1.0, abs=0.03) and pair.ratio == pytest.approx(1.25, abs=0.04)


def test_the_yardstick_itself_is_not_gated():
    """A yardstick 30% slower in the candidate run is no regression of the yardstick (it is not judged)."""
    base, cand = _run(5), _run(6)
    cand[1] = make_record([[x * 1.3 for x in r] for r in cand[1].latency_ms_samples], **STICK)
    outcome = _gate(base, cand)
    assert [p.label for p in outcome.pairs] == ["densestack onnxruntime fp32 x1"]
    assert not any("only in" in n for n in _gate(base, cand[:1]).notes)


@pytest.mark.parametrize("side", ["baseline", "candidate"])
def test_missing_yardstick_on_one_side_falls_back_to_raw_with_a_note(side):
    with_stick, without = _run(7, machine=1.15), _run(8, machine=1.15, stick=False)
    base, cand = (without, with_stick) if side == "baseline" else (with_stick, without)
    outcome = _gate(base, cand)
    (pair,) = outcome.pairs
    assert not pair.normalised and pair.yardstick_ratio is None and pair.ratio == pytest.approx(pair.raw_ratio)
    assert pair.note.startswith(f"judged raw: the {side} run has no yardstick at x1")
    assert any("pairs at x1 are judged on raw ratios" in n for n in outcome.notes)
    neither = _gate(_run(7, stick=False), _run(8, stick=False))
    assert "neither run timed the yardstick" in neither.notes[0]
    assert neither.pairs[0].note == "judged raw: neither run has a yardstick at x1"


def test_a_different_yardstick_graph_or_runtime_is_not_used():
    base, cand = _run(9), _run(10)
    cand[1].artifact.sha256 = "1" * 64
    assert "different yardstick graphs" in _gate(base, cand).pairs[0].note
    cand = _run(10)
    cand[1].runtime.version = "2.0"
    assert "a runtime change moves it too" in _gate(base, cand).pairs[0].note


def test_yardsticks_are_matched_by_thread_count():
    base = _run(11, threads=1) + _run(12, threads=2, stick=False)
    cand = _run(13, threads=1) + _run(14, threads=2, stick=False)
    by_threads = {p.label[-2:]: p for p in _gate(base, cand).pairs}
    assert by_threads["x1"].normalised and not by_threads["x2"].normalised


def test_joint_round_resampling_cancels_a_shared_round_effect():
    """Large machine swings shared by artifact and yardstick round by round: the normalised interval
    is narrower than the raw one (it would be wider if their rounds were resampled apart)."""
    base, cand = _run(15, round_sigma=0.1), _run(16, round_sigma=0.1)
    b, by, c, cy = (r.latency_ms_samples for r in (base[0], base[1], cand[0], cand[1]))
    norm = normalised_ratio_ci(b, c, by, cy, n_boot=1000, quantile=0.1)
    raw = bootstrap_ratio_ci(b, c, n_boot=1000, quantile=0.1)
    assert norm.upper / norm.lower - 1 < 0.5 * (raw.upper / raw.lower - 1)
    assert norm.raw_ratio == pytest.approx(raw.ratio)


def test_normalised_interval_is_seeded_and_refuses_bad_input():
    b, by = _run(17)[0].latency_ms_samples, _run(17)[1].latency_ms_samples
    assert normalised_ratio_ci(b, b, by, by, n_boot=200, seed=3) == normalised_ratio_ci(b, b, by, by, n_boot=200, seed=3)
    with pytest.raises(ValueError, match="candidate yardstick has no latency samples"):
        normalised_ratio_ci(b, b, by, [], n_boot=200)
    with pytest.raises(ValueError, match="quantile"):
        normalised_ratio_ci(b, b, by, by, quantile=1.0)


def test_old_result_files_without_a_yardstick_still_load_and_gate(tmp_path):
    """A file written before the yardstick existed (no form field, no yardstick record)."""
    doc = json.loads(make_result(_run(18, stick=False)).to_json())
    del doc["records"][0]["artifact"]["form"], doc["records"][0]["artifact"]["task"], doc["host_load"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc), encoding="utf-8")
    new = save_result(make_result(_run(19)), tmp_path / "new.json")
    assert load_result(old).records[0].artifact.form is None
    outcome = gate_files(old, new)
    assert outcome.exit_code == 0 and "judged raw: the baseline run has no yardstick" in outcome.pairs[0].note


def test_yardstick_records_round_trip_through_the_schema():
    result = make_result(_run(20))
    assert BenchmarkResult.from_json(result.to_json()) == result
    assert [yardstick.is_yardstick(r) for r in result.records] == [False, True]


def test_graph_is_deterministic_and_independent_of_the_model():
    """Same bytes when built again and in another process; the module imports nothing of the model."""
    import ast
    import hashlib
    import inspect

    data = yardstick.yardstick_bytes()
    assert yardstick.yardstick_model().SerializeToString() == data  # built again from the seed
    code = "import sys, hashlib; from mobrecon_bench.running.yardstick import yardstick_bytes; " \
           "sys.stdout.write(hashlib.sha256(yardstick_bytes()).hexdigest())"  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == hashlib.sha256(data).hexdigest(), done.stderr
    tree = ast.parse(inspect.getsource(yardstick))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not [m for m in imported if m.split(".")[0] in ("mobrecon", "mobrecon_export")]


def test_graph_runs_on_onnxruntime_with_the_expected_shape(tmp_path):
    import onnxruntime as ort

    path = yardstick.write_yardstick(tmp_path)
    assert path.name == "yardstick.onnx" and path.read_bytes() == yardstick.yardstick_bytes()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (spec,) = session.get_inputs()
    assert (spec.name, tuple(spec.shape)) == ("x", yardstick.INPUT_SHAPE)
    x = np.random.default_rng(0).standard_normal(yardstick.INPUT_SHAPE).astype(np.float32)
    (y,) = session.run(None, {"x": x})
    assert y.shape == yardstick.OUTPUT_SHAPE and np.all(np.isfinite(y))


def test_multiply_adds_match_the_graph(tmp_path):
    """The builder's count equals a count of the graph's Conv and MatMul nodes from their shapes."""
    import onnx

    from mobrecon_bench.gate.heavier_graph import node_costs

    path = yardstick.write_yardstick(tmp_path)
    kinds = [n.op_type for n in onnx.load(str(path)).graph.node]
    counted = sum(c for c, k in zip(node_costs(path), kinds) if k in ("Conv", "MatMul"))
    assert counted == yardstick.yardstick_mult_adds() and 50e6 < counted < 200e6


def test_runner_describes_a_yardstick_record(tmp_path):
    runner = yardstick.yardstick_runner(tmp_path, threads=2)
    artifact, runtime = runner.describe()
    assert (artifact.name, artifact.form, artifact.variant, runner.threads) == ("yardstick.onnx", "yardstick", None, 2)
    assert artifact.sha256 is not None and runtime.name == "onnxruntime"
