"""The slower candidate of the gate error-rate script: same outputs, one extra output, real work."""

from __future__ import annotations

import numpy as np
import pytest

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.heavier_graph import EXTRA_OUTPUT, add_extra_work, block_mult_adds


def test_extra_work_keeps_the_outputs_and_adds_one(tiny_onnx, tmp_path):
    import onnxruntime as ort

    heavy = add_extra_work(tiny_onnx, tmp_path / "heavy.onnx", blocks=3)
    x = np.random.default_rng(0).standard_normal((1, 16)).astype(np.float32)
    base = ort.InferenceSession(str(tiny_onnx), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    sess = ort.InferenceSession(str(heavy), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"x": x})
    assert [o.name for o in sess.get_outputs()] == ["y", EXTRA_OUTPUT]
    np.testing.assert_array_equal(out[0], base[0])
    # orthogonal blocks keep the scale of the input: no overflow, no denormals
    assert np.linalg.norm(out[1]) == pytest.approx(np.linalg.norm(x), rel=1e-4)
    assert block_mult_adds([1, 3, 128, 128]) == 384 * 128 * 128


def test_extra_work_needs_a_block(tiny_onnx, tmp_path):
    with pytest.raises(BenchmarkError, match="at least 1"):
        add_extra_work(tiny_onnx, tmp_path / "x.onnx", blocks=0)
