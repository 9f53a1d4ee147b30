"""The export target table and option validation (fast: no export runs)."""

from __future__ import annotations

import pytest

from mobrecon_export.errors import OptionError
from mobrecon_export.graph_rewrites import GRAPH_FORMS
from mobrecon_export.targets import PRECISIONS, TARGET_GROUPS, TARGETS, plan, resolve_precisions, resolve_targets


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.key)
def test_every_row_is_consistent(target):
    assert set(target.precisions) <= set(PRECISIONS) and target.precisions
    assert target.gate in ("onnx-checker", "ort-partition", "ane-op-scan")
    assert target.graph_form in GRAPH_FORMS or target.graph_form == "pytorch"
    if target.gate == "ort-partition":
        from mobrecon_export.ort_export import EP_CHECKS

        assert target.accelerator in EP_CHECKS
    names = {target.filename("mobrecon-x", p) for p in target.precisions}
    assert len(names) == len(target.precisions)


def test_file_names_are_unique_across_the_table():
    names = [t.filename("m", p) for t in TARGETS for p in t.precisions]
    assert len(names) == len(set(names))


def test_groups_expand_in_table_order():
    assert [t.key for t in resolve_targets("coreml,ort")] == ["ort-nnapi", "ort-coreml", "coreml"]
    assert [t.key for t in resolve_targets(["onnx", "ort-nnapi"])] == ["onnx", "ort-nnapi"]
    assert set(TARGET_GROUPS) == {"onnx", "ort", "coreml"}
    assert resolve_precisions("int8, FP32") == ("fp32", "int8")


@pytest.mark.parametrize("spec, close", [("onx", "onnx"), ("ort-nnap", "ort-nnapi"), ("corml", "coreml")])
def test_unknown_target_suggests_the_close_match(spec, close):
    with pytest.raises(OptionError, match=f"unknown target '{spec}'; did you mean '{close}'"):
        resolve_targets(spec)


def test_unknown_precision_suggests_the_close_match():
    with pytest.raises(OptionError, match="unknown precision 'fp61'; did you mean 'fp16'"):
        resolve_precisions("fp32,fp61")
    with pytest.raises(OptionError, match="no precision given"):
        resolve_precisions(" , ")


def test_plan_skips_unsupported_pairs_with_a_reason_and_refuses_an_empty_plan():
    jobs, skipped = plan(resolve_targets("ort"), resolve_precisions("fp32,fp16,int8"))
    assert [(t.key, p) for t, p in jobs] == [("ort-nnapi", "fp32"), ("ort-nnapi", "int8"), ("ort-coreml", "fp32")]
    assert any("ort-coreml int8" in s and "QuantizeLinear" in s for s in skipped)
    with pytest.raises(OptionError, match="supports"):
        plan(resolve_targets("ort-coreml"), ["int8"])
