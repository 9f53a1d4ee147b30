"""The export-only ONNX rewrites are exact: the rewritten graph gives bit-identical results in ONNX Runtime.

Each rewrite is applied to a small graph holding the op it replaces, then both graphs run on the
same random inputs. Whole-network exactness against PyTorch is covered by test_export.py (the
``.ort`` artifacts are built from the rewritten graphs and verified).
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from mobrecon_export.graph_rewrites import GRAPH_FORMS, apply_graph_form


def _model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.checker.check_model(model, full_check=True)
    return model


def _run(model, feeds):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def _f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


@pytest.mark.parametrize("axis, shape", [(1, [1, 12, 5]), (3, [1, 5, 1, 12]), (0, [12, 3])])
def test_gather_as_gathernd_is_exact(axis, shape):
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 12, size=30).astype(np.int64)
    out_shape = list(shape)
    out_shape[axis] = 30
    model = _model([helper.make_node("Gather", ["x", "idx"], ["y"], axis=axis)], [_f32("x", shape)], [_f32("y", out_shape)],
                   [numpy_helper.from_array(idx, "idx")])
    rewritten, counts = apply_graph_form(model, "coreml")
    assert counts["gather_as_gathernd"] == 1
    assert "Gather" not in {n.op_type for n in rewritten.graph.node} and "GatherND" in {n.op_type for n in rewritten.graph.node}
    assert "idx" not in {i.name for i in rewritten.graph.initializer}  # unused originals dropped
    onnx.checker.check_model(rewritten, full_check=True)
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(_run(rewritten, {"x": x})[0], _run(model, {"x": x})[0])


@pytest.mark.parametrize("op, rewrite, gone", [("Abs", "abs_as_max", "Abs"), ("Neg", "neg_as_sub", "Neg")])
def test_abs_and_neg_rewrites_are_exact(op, rewrite, gone):
    model = _model([helper.make_node(op, ["x"], ["y"])], [_f32("x", [4, 7])], [_f32("y", [4, 7])])
    rewritten, counts = apply_graph_form(model, "coreml")
    assert counts[rewrite] == 1 and gone not in {n.op_type for n in rewritten.graph.node}
    x = np.random.default_rng(1).standard_normal((4, 7)).astype(np.float32)
    x[0, :3] = [0.0, -0.0, 1e-40]
    np.testing.assert_array_equal(_run(rewritten, {"x": x})[0], _run(model, {"x": x})[0])


def test_named_resize_roi_keeps_the_result_and_is_in_every_form():
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="nearest", coordinate_transformation_mode="asymmetric",
                            nearest_mode="floor")
    model = _model([node], [_f32("x", [1, 2, 3, 3])], [_f32("y", [1, 2, 6, 6])], [scales])
    x = np.random.default_rng(2).standard_normal((1, 2, 3, 3)).astype(np.float32)
    for form, rewrites in GRAPH_FORMS.items():
        assert "name_resize_roi" in rewrites
        rewritten, counts = apply_graph_form(model, form)
        assert counts["name_resize_roi"] == 1 and rewritten.graph.node[0].input[1] != ""
        np.testing.assert_array_equal(_run(rewritten, {"x": x})[0], _run(model, {"x": x})[0])
    assert model.graph.node[0].input[1] == ""  # the input model is not modified
