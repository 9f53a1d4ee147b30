"""A deliberately slower copy of an ONNX model: the same graph plus real, input-dependent extra work.

Usage::

    from mobrecon_bench.heavier_graph import add_extra_work

    add_extra_work("densestack.onnx", "densestack.slow.onnx", blocks=20)

The extra work is a chain of ``blocks`` matrix products on the first input, reshaped to
[rows, cols]: ``x <- x @ Q_i`` with a fixed random orthogonal Q_i [cols, cols] each (orthogonal, so
values keep their scale: no overflow and no denormals that would make the time depend on the
data). The chain ends in an extra graph output ``extra_work``, so no optimiser can drop it, and it
depends on the input, so no constant folding can precompute it. The model's own outputs are
unchanged. Each block costs ``rows x cols x cols`` multiply-adds (384 x 128 x 128 = 6.3 M for a
[1, 3, 128, 128] input), about 0.1 ms on one desktop core: calibrate ``blocks`` by measurement
(``mobrecon_bench.gate_error_rates`` does).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from mobrecon_bench.errors import BenchmarkError

__all__ = ["EXTRA_OUTPUT", "add_extra_work", "block_mult_adds"]

EXTRA_OUTPUT = "extra_work"


def _layout(shape: list[int]) -> tuple[int, int]:
    """[rows, cols] the first input is reshaped to: cols = the last dimension."""
    cols = shape[-1]
    return math.prod(shape) // cols, cols


def block_mult_adds(input_shape: list[int]) -> int:
    """Multiply-adds of one extra block for a first input of ``input_shape``."""
    rows, cols = _layout(input_shape)
    return rows * cols * cols


def add_extra_work(src: str | Path, dst: str | Path, *, blocks: int, seed: int = 0) -> Path:
    """Write ``src`` plus ``blocks`` chained orthogonal matrix products on its first input to ``dst``.

    Args:
        src: ONNX model whose first input is float32 with fixed dimensions.
        dst: output path (``.onnx``).
        blocks: number of [rows, cols] x [cols, cols] products (>= 1).
        seed: seed of the orthogonal matrices.

    Returns:
        ``dst``.

    Raises:
        BenchmarkError: for blocks < 1 or a first input that is not fixed-shape float32.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    if blocks < 1:
        raise BenchmarkError(f"blocks must be at least 1, got {blocks}")
    model = onnx.load(str(src))
    graph = model.graph
    initializers = {init.name for init in graph.initializer}
    first = next(i for i in graph.input if i.name not in initializers)
    dims = [d.dim_value for d in first.type.tensor_type.shape.dim]
    if first.type.tensor_type.elem_type != TensorProto.FLOAT or not dims or any(d <= 0 for d in dims):
        raise BenchmarkError(f"{src}: the first input must be float32 with fixed dimensions")
    rows, cols = _layout(dims)
    rng = np.random.default_rng(seed)
    graph.initializer.append(numpy_helper.from_array(np.array([rows, cols], np.int64), "extra_work_shape"))
    graph.node.append(helper.make_node("Reshape", [first.name, "extra_work_shape"], ["extra_work_0"], name="extra_work/Reshape"))
    for i in range(blocks):
        q, _ = np.linalg.qr(rng.standard_normal((cols, cols)))
        graph.initializer.append(numpy_helper.from_array(q.astype(np.float32), f"extra_work_q{i}"))
        out = EXTRA_OUTPUT if i == blocks - 1 else f"extra_work_{i + 1}"
        graph.node.append(helper.make_node("MatMul", [f"extra_work_{i}", f"extra_work_q{i}"], [out], name=f"extra_work/MatMul_{i}"))
    graph.output.append(helper.make_tensor_value_info(EXTRA_OUTPUT, TensorProto.FLOAT, [rows, cols]))
    onnx.checker.check_model(model)
    dst = Path(dst)
    onnx.save(model, str(dst))
    return dst
