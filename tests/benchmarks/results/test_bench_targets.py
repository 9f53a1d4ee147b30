"""Target verdicts: pass/fail only on the target's own device class; a host is never a pass."""

from __future__ import annotations

import pytest

from mobrecon_bench.results.targets import (
    ACCURACY_FAIL_VERDICT,
    HOST_VERDICT,
    NO_RESULT_VERDICT,
    OTHER_DEVICE_VERDICT,
    OTHER_UNIT_VERDICT,
    TARGETS,
    UNVERIFIED_VERDICT,
    judge,
    variant_from_name,
)

from ..synthetic import make_record


def _record_at(fps: float, variant: str, accuracy: str | None = "pass", **kw):
    rec = make_record([[1000.0 / fps] * 5], name=variant, variant=variant, **kw)
    rec.accuracy.verdict = accuracy
    return rec


def test_paper_targets_as_data():
    by_variant = {t.variant: t for t in TARGETS}
    assert by_variant["densestack"].fps == 67.0
    assert by_variant["ghoststack"].fps == 83.0
    assert all(t.device_class == "apple-a14" and t.compute_unit == "cpu" for t in TARGETS)
    assert all("CVPR 2022, Table 4" in t.source for t in TARGETS)
    assert by_variant["densestack"].latency_ms == pytest.approx(1000.0 / 67.0)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.variant)
def test_verdicts_per_target(target):
    fast, slow = _record_at(target.fps * 10, target.variant), _record_at(target.fps / 2, target.variant)
    assert [v.verdict for v in judge(fast, device_class=target.device_class)] == ["pass"]
    assert [v.verdict for v in judge(slow, device_class=target.device_class)] == ["fail"]
    (host,) = judge(fast, device_class="host-x86_64")
    assert host.verdict == HOST_VERDICT and host.fps_ratio == pytest.approx(10.0)
    assert judge(fast, device_class="snapdragon-888")[0].verdict == OTHER_DEVICE_VERDICT
    gpu = _record_at(target.fps * 10, target.variant, compute_unit="gpu")
    assert judge(gpu, device_class=target.device_class)[0].verdict == OTHER_UNIT_VERDICT
    failed = make_record(None, variant=target.variant, status="skipped", reason="no runtime")
    assert judge(failed, device_class=target.device_class)[0].verdict == NO_RESULT_VERDICT


@pytest.mark.parametrize("device_class", ["host-x86_64", "host-arm64", "host-aarch64"])
def test_a_host_is_never_a_pass(device_class):
    for target in TARGETS:
        verdicts = judge(_record_at(1e6, target.variant), device_class=device_class)
        assert verdicts and all(v.verdict == HOST_VERDICT for v in verdicts)


def test_records_without_a_target_variant_get_no_verdict():
    assert judge(_record_at(100.0, "unknown"), device_class="apple-a14") == []


def test_variant_from_name():
    assert variant_from_name("densestack_fp16") == "densestack"
    assert variant_from_name("GhostStack") == "ghoststack"
    assert variant_from_name("tiny") is None


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.variant)
def test_a_fast_record_whose_accuracy_failed_or_is_unknown_never_passes(target):
    for accuracy, expected in (("fail", ACCURACY_FAIL_VERDICT), ("not-run", UNVERIFIED_VERDICT), (None, UNVERIFIED_VERDICT)):
        rec = _record_at(target.fps * 10, target.variant, accuracy=accuracy)
        assert [v.verdict for v in judge(rec, device_class=target.device_class)] == [expected]
