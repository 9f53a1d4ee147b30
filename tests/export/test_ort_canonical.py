"""Canonical .ort bytes: ONNX Runtime writes part of the file in hash-map order; we rewrite it in key order.

A small graph with seven op types is converted several times by ONNX Runtime's own converter:
the raw files differ (measured, not assumed: the test skips if they ever stop differing, since
there is then nothing to canonicalise), the canonical files do not, and they load and compute
exactly what the raw ones do. The whole-model check (every exported .ort kind, two CLI exports)
is in test_export.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import io

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from mobrecon_export.errors import ExportError
from mobrecon_export.ort_canonical import canonical_ort_bytes, read_kernel_type_str_resolver
from mobrecon_export.ort_export import convert_to_ort

CONVERSIONS = 6


def _graph() -> onnx.ModelProto:
    nodes = [helper.make_node("MatMul", ["image", "w"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
             helper.make_node("Sigmoid", ["b"], ["c"]), helper.make_node("Concat", ["c", "b"], ["d"], axis=1),
             helper.make_node("Slice", ["d", "starts", "ends", "axes"], ["e"]), helper.make_node("Add", ["e", "image"], ["f"]),
             helper.make_node("Clip", ["f", "lo", "hi"], ["verts"])]
    inits = [numpy_helper.from_array(np.linspace(-1, 1, 16, dtype=np.float32).reshape(4, 4), "w"),
             numpy_helper.from_array(np.array([0], np.int64), "starts"), numpy_helper.from_array(np.array([4], np.int64), "ends"),
             numpy_helper.from_array(np.array([1], np.int64), "axes"),
             numpy_helper.from_array(np.array(-0.5, np.float32), "lo"), numpy_helper.from_array(np.array(2.0, np.float32), "hi")]
    graph = helper.make_graph(nodes, "seven-ops", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("verts", TensorProto.FLOAT, [1, 4])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


@pytest.fixture(scope="module")
def raw_ort_files(tmp_path_factory) -> list[bytes]:
    """The same graph converted CONVERSIONS times by ONNX Runtime's converter, as it writes them."""
    from onnxruntime.tools.convert_onnx_models_to_ort import OptimizationStyle, convert_onnx_models_to_ort

    root = tmp_path_factory.mktemp("ort-raw")
    (root / "in").mkdir()
    onnx.save(_graph(), str(root / "in" / "model.onnx"))
    files = []
    for i in range(CONVERSIONS):
        with contextlib.redirect_stdout(io.StringIO()):
            convert_onnx_models_to_ort(root / "in", output_dir=root / f"out{i}", optimization_styles=[OptimizationStyle.Runtime],
                                       target_platform="arm")
        files.append((root / f"out{i}" / "model.with_runtime_opt.ort").read_bytes())
    if len({hashlib.sha256(f).digest() for f in files}) == 1:
        pytest.skip(f"ONNX Runtime {ort.__version__} wrote identical bytes {CONVERSIONS} times: nothing to canonicalise")
    return files


def _run(data: bytes, x: np.ndarray) -> np.ndarray:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"]).run(None, {"image": x})[0]


def test_raw_conversions_differ_only_before_the_model_and_canonical_ones_not_at_all(raw_ort_files):
    canonical = [canonical_ort_bytes(data) for data in raw_ort_files]
    assert len({out for out, _ in canonical}) == 1  # byte-identical
    for data, (out, report) in zip(raw_ort_files, canonical):
        kept = report["kept_bytes"]
        assert data[-kept:] == raw_ort_files[0][-kept:] == out[-kept:]  # the model region: never varies, never touched
        assert report["rewritten_bytes"] == len(data) - kept and report["written_bytes"] == len(out) - kept
        assert len(out) % report["alignment"] == 0 and len(data) % report["alignment"] == 0
        assert read_kernel_type_str_resolver(out) == read_kernel_type_str_resolver(data)
        assert read_kernel_type_str_resolver(out)[0][0] == b":Add:14"  # domain:op_type:since_version, sorted


def test_canonical_files_load_and_compute_exactly_what_the_raw_ones_do(raw_ort_files):
    x = np.array([[0.3, -1.2, 2.5, 0.0]], np.float32)
    expected = _run(raw_ort_files[0], x)
    for data in raw_ort_files:
        out, _ = canonical_ort_bytes(data)
        np.testing.assert_array_equal(_run(out, x), expected)
        np.testing.assert_array_equal(_run(data, x), expected)


def test_canonical_form_is_a_fixed_point(raw_ort_files):
    once, _ = canonical_ort_bytes(raw_ort_files[0])
    twice, _ = canonical_ort_bytes(once)
    assert twice == once


def test_convert_to_ort_writes_the_canonical_form(tmp_path):
    onnx.save(_graph(), str(tmp_path / "model.onnx"))
    outputs = []
    for i in range(3):
        report = convert_to_ort(tmp_path / "model.onnx", tmp_path / f"m{i}.ort", tmp_path / f"m{i}.config")
        assert report["resolver_ops"] == 7
        outputs.append((tmp_path / f"m{i}.ort").read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert not list(tmp_path.glob("*.canonical"))  # the temp file of the in-place rewrite is gone


def test_a_buffer_that_is_not_an_ort_model_is_refused(tmp_path):
    onnx_bytes = _graph().SerializeToString()
    with pytest.raises(ExportError, match="not an ORT format model"):
        canonical_ort_bytes(onnx_bytes)
