"""The slower candidate of the gate error-rate script: same outputs, leading layers run again."""

from __future__ import annotations

import numpy as np
import pytest

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.gate.heavier_graph import INPUT_STEP, add_duplicate_work, copy_prefix, node_costs, plan_prefixes


def test_copies_keep_the_outputs_and_add_their_own(tiny_onnx, tmp_path):
    import onnxruntime as ort

    heavy = add_duplicate_work(tiny_onnx, tmp_path / "heavy.onnx", prefixes=[3, 2])  # Gemm, Relu, Gemm
    x = np.random.default_rng(0).standard_normal((1, 16)).astype(np.float32)
    (base,) = ort.InferenceSession(str(tiny_onnx), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    sess = ort.InferenceSession(str(heavy), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    assert names[0] == "y" and len(names) == 3 and names[1] == copy_prefix(0) + "y"
    outs = sess.run(None, {"x": x})
    np.testing.assert_array_equal(outs[0], base)
    # copy 0 runs the whole tiny model on x * (1 + INPUT_STEP): close to y, but not y (no merging)
    assert not np.array_equal(outs[1], base)
    np.testing.assert_allclose(outs[1], base, rtol=0, atol=4 * INPUT_STEP * np.abs(base).max() + 1e-6)


def test_prefix_plan_follows_the_cost_estimate(tiny_onnx, tmp_path):
    assert node_costs(tiny_onnx) == [16 * 32, 32, 32 * 4]  # Gemm 16x32, Relu, Gemm 32x4
    assert plan_prefixes(tiny_onnx, fraction=1.0) == [3]
    assert plan_prefixes(tiny_onnx, fraction=1.8) == [3, 1]  # 672 + 512 <= 1209.6
    assert plan_prefixes(tiny_onnx, fraction=0.5) == []  # even the first Gemm is over the budget
    with pytest.raises(BenchmarkError, match="prefix lengths"):
        add_duplicate_work(tiny_onnx, tmp_path / "x.onnx", prefixes=[0])
    with pytest.raises(BenchmarkError, match="fraction"):
        plan_prefixes(tiny_onnx, fraction=0)
