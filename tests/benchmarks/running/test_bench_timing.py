"""The measurement loop: interleaving logic on a fake runner, and ONE short smoke run on tiny models."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from mobrecon_bench.running.benchmark import record_from_measurement
from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.gate.gate import head_to_head
from mobrecon_bench.running.runners import (
    FailedArtifact,
    LiteRtRunner,
    OrtRunner,
    Runner,
    Session,
    TorchRunner,
    runner_for_file,
)
from mobrecon_bench.results.schema import BenchmarkRecord
from mobrecon_bench.running.timing import measure


class _FakeSession(Session):
    def __init__(self, log: list[str], tag: str):
        self.log, self.tag = log, tag

    def run(self) -> None:
        self.log.append(f"run {self.tag}")


@dataclass(frozen=True, eq=False, kw_only=True)
class _FakeRunner(Runner):
    """Pure-python runner that logs every load and run."""

    log: list[str] = field(default_factory=list)
    runtime: str = field(init=False, default="fake")
    format: str = field(init=False, default="fake")

    @property
    def runtime_version(self) -> str:
        return "0"

    def load(self) -> Session:
        self.log.append(f"load {self.name} x{self.threads}")
        return _FakeSession(self.log, self.name)


def _loads(log: list[str]) -> list[str]:
    return [e.removeprefix("load ") for e in log if e.startswith("load")]


def test_rounds_are_interleaved_and_alternate():
    log: list[str] = []
    a, b = _FakeRunner(name="a", log=log), _FakeRunner(name="b", log=log)
    out = measure([a, b], rounds=3, warmup=2, min_iters=4, time_budget_s=0.0, progress=False)
    assert _loads(log) == ["a x1", "b x1", "b x1", "a x1", "a x1", "b x1"]
    assert [len(r) for r in out[0].latency_ms_samples] == [4, 4, 4]
    assert len(out[0].session_load_ms) == 3
    assert log.count("run a") == 3 * (2 + 4)  # warm-up + timed, every round


def test_thread_counts_expand_candidates_without_alternation():
    log: list[str] = []
    out = measure([_FakeRunner(name="a", log=log)], threads=[1, 2], rounds=2, warmup=0, min_iters=1,
                  time_budget_s=0.0, alternate_order=False, progress=False)  # fmt: skip
    assert _loads(log) == ["a x1", "a x2", "a x1", "a x2"]
    assert [m.threads for m in out] == [1, 2]


def test_unavailable_runners_get_a_status_not_samples(tmp_path):
    failed = FailedArtifact(name="ghoststack", status="export_failed", reason="unsupported op",
                            runtime_name="onnxruntime", artifact_format="onnx")  # fmt: skip
    out = measure([failed], rounds=2, warmup=0, min_iters=1, time_budget_s=0.0, progress=False)
    assert (out[0].status, out[0].reason, out[0].latency_ms_samples) == ("export_failed", "unsupported op", [])
    record = record_from_measurement(out[0])
    assert record.status == "export_failed" and record.median_ms is None


@pytest.mark.parametrize(
    "options, words",
    [({"rounds": 0}, "rounds"), ({"min_iters": 0}, "min_iters"), ({"threads": [0]}, "thread counts"),
     ({"warmup": -1}, "warmup"), ({"max_iters": 1, "min_iters": 2}, "max_iters")],
)  # fmt: skip
def test_bad_options_are_one_sentence(options, words):
    with pytest.raises(BenchmarkError, match=words):
        measure([_FakeRunner(name="a")], progress=False, **options)


def test_missing_artifact_is_reported_before_timing(tmp_path):
    log: list[str] = []
    with pytest.raises(BenchmarkError, match="does not exist"):
        measure([_FakeRunner(name="a", log=log), OrtRunner(name="x", path=tmp_path / "x.onnx")], progress=False)
    assert log == []
    with pytest.raises(BenchmarkError, match="suffix"):
        runner_for_file(tmp_path / "model.bin")


def test_corrupt_onnx_is_one_sentence(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(BenchmarkError, match="onnxruntime cannot load"):
        measure([OrtRunner(name="bad", path=bad)], rounds=1, progress=False)


def test_smoke_run_on_tiny_models(tiny_torch, tiny_onnx, tmp_path):
    """ONE short real run: tiny torch + tiny ONNX (+ LiteRT: skipped without its package; with it, a
    missing file is a user error before any timing)."""
    factory, inputs = tiny_torch
    lite = LiteRtRunner(name="tiny", path=tmp_path / "tiny.tflite")
    if lite.unavailable() is None:
        with pytest.raises(BenchmarkError, match="does not exist"):
            measure([lite], rounds=1, progress=False)
    runners = [
        TorchRunner(name="tiny", model_factory=factory, example_inputs=inputs),
        OrtRunner(name="tiny", path=tiny_onnx),
        lite,
    ]
    if lite.unavailable() is None:
        runners.pop()
    out = measure(runners, threads=[1], rounds=2, warmup=3, min_iters=5, time_budget_s=0.02, progress=True)
    records: list[BenchmarkRecord] = [record_from_measurement(m) for m in out]
    torch_rec, ort_rec, *rest = records
    for rec in (torch_rec, ort_rec):
        assert rec.status == "ok"
        assert len(rec.latency_ms_samples) == 2 and len(rec.session_load_ms) == 2
        assert all(len(r) == rec.iterations_per_round >= 5 for r in rec.latency_ms_samples)
        assert rec.median_ms > 0 and rec.fps == pytest.approx(1000.0 / rec.median_ms)
        assert rec.peak_rss_mib is None or rec.peak_rss_mib > 0
    assert ort_rec.artifact.sha256 is not None and len(ort_rec.artifact.sha256) == 64
    ort_names = (ort_rec.artifact.file, ort_rec.artifact.format, ort_rec.runtime.name)
    assert ort_names == ("tiny.onnx", "onnx", "onnxruntime")
    assert torch_rec.artifact.file is None and torch_rec.runtime.name == "torch"
    for lite_rec in rest:
        assert lite_rec.status == "skipped" and "ai-edge-litert is not installed" in lite_rec.reason

    outcome = head_to_head(OrtRunner(name="old", path=tiny_onnx), OrtRunner(name="new", path=tiny_onnx),
                           rounds=2, warmup=3, min_iters=5, time_budget_s=0.02, n_boot=200, progress=False)  # fmt: skip
    assert len(outcome.pairs) == 1 and outcome.pairs[0].ratio is not None  # no timing verdict asserted


def test_torch_session_restores_thread_count(tiny_torch):
    import torch

    factory, inputs = tiny_torch
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    with TorchRunner(name="t", model_factory=factory, example_inputs=inputs, threads=target).load() as session:
        assert torch.get_num_threads() == target
        assert torch.is_inference_mode_enabled()
        session.run()
    assert torch.get_num_threads() == before
