"""A deliberately slower copy of an ONNX model: the same graph plus extra copies of its first layers.

Usage::

    from mobrecon_bench.gate.heavier_graph import add_duplicate_work, plan_prefixes

    prefixes = plan_prefixes("densestack.onnx", fraction=0.2)   # e.g. [19, 19, 16]: ~20% of the estimated work
    add_duplicate_work("densestack.onnx", "densestack.slow.onnx", prefixes=prefixes)

The extra work is the model's own leading layers run again: copy ``j`` runs the first
``prefixes[j]`` nodes (graph order) on the input scaled by ``1 + (j + 1) * 2^-10`` (exact in
float32, and different for every copy, so no common-subexpression elimination can merge a copy
with the original or with another copy). Every tensor a copy produces and nothing in it consumes
becomes an extra graph output (``dup<j>/...``), so no optimiser can drop it; the model's own
outputs are unchanged. Because the extra work is the same kind of work as the model (the same
convolutions on the same shapes), its share of the latency holds whatever the machine is doing;
synthetic work of another kind (small dense matrix products, say) slows down differently from the
model under a neighbour's load, which makes "+20%" drift between +10% and +25%.

Several copies of short prefixes, rather than one long prefix, give fine control: in a chain-like
network one node can hold 15% of the work (DenseStack's reorg convolution), so one prefix can only
step over it. :func:`plan_prefixes` picks them greedily from an estimate of each node's cost;
calibrate the fraction by measurement (``mobrecon_bench.gate.gate_error_rates`` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mobrecon_bench.errors import BenchmarkError

__all__ = ["INPUT_STEP", "copy_prefix", "add_duplicate_work", "node_costs", "plan_prefixes"]

#: Input scale step between copies: copy j sees ``input * (1 + (j + 1) * INPUT_STEP)``.
INPUT_STEP = 2.0**-10


def copy_prefix(j: int) -> str:
    """Name prefix of copy ``j``'s tensors and nodes, e.g. "dup0/"."""
    return f"dup{j}/"


def node_costs(path: str | Path) -> list[float]:
    """Estimated cost of every node, in multiply-adds: Conv output elements x (Cin / groups) x kh x kw;
    MatMul / Gemm output elements x K; any other node its output elements (a memory-bound op)."""
    import onnx
    from onnx import numpy_helper

    g = onnx.shape_inference.infer_shapes(onnx.load(str(path))).graph
    shapes = {i.name: tuple(numpy_helper.to_array(i).shape) for i in g.initializer}
    for v in [*g.input, *g.value_info, *g.output]:
        shapes[v.name] = tuple(d.dim_value if d.dim_value > 0 else 1 for d in v.type.tensor_type.shape.dim)
    costs = []
    for node in g.node:
        out = shapes.get(node.output[0], ()) if node.output else ()
        elems = float(np.prod(out)) if out else 1.0
        ins = [shapes.get(name, ()) for name in node.input]
        if node.op_type == "Conv" and len(ins) > 1 and len(ins[1]) >= 3:
            costs.append(elems * float(np.prod(ins[1][1:])))
        elif node.op_type in ("MatMul", "Gemm") and ins and ins[0]:
            costs.append(elems * float(ins[0][-1]))
        else:
            costs.append(elems)
    return costs


def plan_prefixes(path: str | Path, *, fraction: float, max_copies: int = 16) -> list[int]:
    """Prefix lengths whose summed estimated cost is about ``fraction`` of the model's, longest first.

    Greedy: repeatedly take the longest prefix that fits in what is left of the budget, until no
    prefix ending on a node that does real work (at least 0.1% of the estimated total) fits, or
    ``max_copies`` copies.

    Raises:
        BenchmarkError: if ``fraction`` is not in (0, 10].
    """
    if not 0 < fraction <= 10:
        raise BenchmarkError(f"fraction must be in (0, 10], got {fraction}")
    costs = np.asarray(node_costs(path))
    cumulative = np.cumsum(costs)
    # candidate prefixes end on a node that does real work (a conv or a matrix product, by cost)
    ends = [i + 1 for i, c in enumerate(costs) if c >= 1e-3 * cumulative[-1]]
    left, prefixes = fraction * cumulative[-1], []
    while len(prefixes) < max_copies:
        fits = [k for k in ends if cumulative[k - 1] <= left]
        if not fits:
            break
        prefixes.append(fits[-1])
        left -= cumulative[fits[-1] - 1]
    return prefixes


def add_duplicate_work(src: str | Path, dst: str | Path, *, prefixes: Sequence[int]) -> Path:
    """Write ``src`` plus one extra copy of its first ``prefixes[j]`` nodes per ``j`` to ``dst``.

    Args:
        src: ONNX model with one float32 graph input (besides initializers), nodes in graph order.
        dst: output ``.onnx`` path.
        prefixes: prefix lengths, each in 1 .. number of nodes (e.g. from :func:`plan_prefixes`).

    Returns:
        ``dst``; the extra outputs are named ``dup<j>/<tensor>``.

    Raises:
        BenchmarkError: for no prefix, a length out of range, or a model without a float32 input.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    n = len(graph.node)
    if not prefixes or any(not 1 <= k <= n for k in prefixes):
        raise BenchmarkError(f"prefix lengths must be in 1..{n}, got {list(prefixes)}")
    initializers = {init.name for init in graph.initializer}
    first = next((i for i in graph.input if i.name not in initializers), None)
    if first is None or first.type.tensor_type.elem_type != TensorProto.FLOAT:
        raise BenchmarkError(f"{src}: needs a float32 graph input")
    types = {v.name: v.type for v in onnx.shape_inference.infer_shapes(model).graph.value_info}
    types.update({v.name: v.type for v in graph.output})
    originals = list(graph.node)
    for j, length in enumerate(prefixes):
        pre = copy_prefix(j)
        scale = np.array(1.0 + (j + 1) * INPUT_STEP, np.float32)
        graph.initializer.append(numpy_helper.from_array(scale, pre + "input_scale"))
        graph.node.append(helper.make_node("Mul", [first.name, pre + "input_scale"], [pre + first.name], name=pre + "scale"))
        produced, consumed, order = set(), set(), []
        for node in originals[:length]:
            copy = onnx.NodeProto()
            copy.CopyFrom(node)
            copy.name = pre + (node.name or f"node{len(order)}")
            for i, name in enumerate(copy.input):
                if name == first.name or name in produced:
                    copy.input[i] = pre + name
                    consumed.add(name)
            for i, name in enumerate(copy.output):
                if name:
                    produced.add(name)
                    order.append(name)
                    copy.output[i] = pre + name
            graph.node.append(copy)
        for name in (o for o in order if o not in consumed):
            out = onnx.ValueInfoProto()
            out.name = pre + name
            if name in types:
                out.type.CopyFrom(types[name])
            else:
                out.type.tensor_type.elem_type = TensorProto.FLOAT
            graph.output.append(out)
    onnx.checker.check_model(model)
    dst = Path(dst)
    onnx.save(model, str(dst))
    return dst
