"""Exact export-only ONNX graph rewrites, and the graph form each ORT Mobile target is built from.

Usage::

    from mobrecon_export.graph_rewrites import apply_graph_form
    nnapi_model, applied = apply_graph_form(model, "nnapi")   # model: onnx.ModelProto, not modified

Why they exist (found with ONNX Runtime's mobile usability checker on the deploy graph):

- ``name_resize_roi``: the deploy encoder's three nearest and one bilinear x2 ``Resize`` nodes
  leave the optional ``roi`` input empty (``""``). The checker treats that empty name as a tensor of
  unknown shape and counts the node as "dynamic input", splitting NNAPI and CoreML into 6+
  partitions. Both EPs ignore ``roi`` (it only matters for ``tf_crop_and_resize``); naming an empty
  constant there changes nothing at run time. Exact.
- ``abs_as_max``: ``Abs`` (older deploy graphs' tent weights of pose pooling) is not a CoreML EP ML Program op.
  ``|x| = max(x, 0 - x)``: negation is exact in IEEE arithmetic. Exact.
- ``neg_as_sub``: ``Neg`` (``-d`` in the Abs-free tent ``relu(1 - relu(d) - relu(-d))``) is not a
  CoreML EP ML Program op either. ``-x = 0 - x``. Exact.
- ``gather_as_gathernd``: ``Gather`` with constant indices (spiral and mesh-upsampling gathers,
  from ``index_select``) is not a CoreML EP ML Program op, while ``GatherND`` is not an NNAPI op.
  ``Gather(x, idx, axis=a) = Transpose(GatherND(Transpose(x, a first), idx[..., None]), back)``:
  pure data movement. Exact.

Each rewrite returns the number of nodes it changed; the rewritten graph is checked against
PyTorch by the verification stage (ORT CPU run of the ``.ort`` artifact built from it) and by
``tests/export``.
"""

from __future__ import annotations

import copy
from typing import Callable

import numpy as np
import onnx
from onnx import helper, numpy_helper

__all__ = ["GRAPH_FORMS", "REWRITES", "apply_graph_form", "name_resize_roi", "abs_as_max", "neg_as_sub", "gather_as_gathernd",
           "drop_unused_initializers"]

_PREFIX = "mobrecon_export"


def _add_initializer(model: onnx.ModelProto, name: str, array: np.ndarray) -> str:
    if not any(init.name == name for init in model.graph.initializer):
        model.graph.initializer.append(numpy_helper.from_array(array, name))
    return name


def _initializers(model: onnx.ModelProto) -> dict[str, onnx.TensorProto]:
    return {init.name: init for init in model.graph.initializer}


def _value_types(model: onnx.ModelProto) -> dict[str, onnx.TypeProto.Tensor]:
    inferred = onnx.shape_inference.infer_shapes(model)
    out = {}
    for vi in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        out[vi.name] = vi.type.tensor_type
    for init in model.graph.initializer:
        out[init.name] = helper.make_tensor_type_proto(init.data_type, list(init.dims)).tensor_type
    return out


def _replace_nodes(model: onnx.ModelProto, nodes: list[onnx.NodeProto]) -> None:
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def name_resize_roi(model: onnx.ModelProto) -> int:
    """Give every ``Resize`` with an empty ``roi`` slot a named empty float32 constant. In place."""
    changed = 0
    for node in model.graph.node:
        if node.op_type == "Resize" and len(node.input) > 2 and node.input[1] == "":
            node.input[1] = _add_initializer(model, f"{_PREFIX}/resize_roi_empty", np.zeros(0, np.float32))
            changed += 1
    return changed


def _rewrite_float_unary(model: onnx.ModelProto, op_type: str,
                         build: Callable[[onnx.NodeProto, str], list[onnx.NodeProto]]) -> int:
    """Replace every ``op_type`` node with a float input by ``build(node, zero)`` (zero: a scalar 0 of its dtype)."""
    types = _value_types(model)
    nodes, changed = [], 0
    for node in model.graph.node:
        elem = types[node.input[0]].elem_type if node.op_type == op_type and node.input[0] in types else None
        if elem not in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16):
            nodes.append(node)
            continue
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(elem))
        nodes += build(node, _add_initializer(model, f"{_PREFIX}/zero_{dtype.name}", np.zeros((), dtype)))
        changed += 1
    _replace_nodes(model, nodes)
    return changed


def abs_as_max(model: onnx.ModelProto) -> int:
    """Replace ``Abs(x)`` by ``Max(x, Sub(0, x))`` (float inputs only). In place."""

    def build(node: onnx.NodeProto, zero: str) -> list[onnx.NodeProto]:
        neg = f"{node.output[0]}/neg"
        return [helper.make_node("Sub", [zero, node.input[0]], [neg], name=f"{node.name}/neg"),
                helper.make_node("Max", [node.input[0], neg], [node.output[0]], name=f"{node.name}/max")]

    return _rewrite_float_unary(model, "Abs", build)


def neg_as_sub(model: onnx.ModelProto) -> int:
    """Replace ``Neg(x)`` by ``Sub(0, x)`` (float inputs only). In place."""
    return _rewrite_float_unary(
        model, "Neg", lambda node, zero: [helper.make_node("Sub", [zero, node.input[0]], [node.output[0]], name=f"{node.name}/sub")])


def gather_as_gathernd(model: onnx.ModelProto) -> int:
    """Replace ``Gather`` with constant indices by Transpose -> ``GatherND`` -> Transpose. In place.

    ``Gather(x, idx, axis=a)`` with x of rank r and idx of rank q: move axis a to the front, gather
    rows with ``GatherND(., idx[..., None])`` (batch_dims 0), move the q index dims back to a.
    """
    inits, types = _initializers(model), _value_types(model)
    nodes, changed = [], 0
    for node in model.graph.node:
        data_type = types.get(node.input[0]) if node.op_type == "Gather" else None
        if data_type is None or node.input[1] not in inits or not data_type.HasField("shape"):
            nodes.append(node)
            continue
        rank = len(data_type.shape.dim)
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0) % rank
        idx = numpy_helper.to_array(inits[node.input[1]]).astype(np.int64)
        q = idx.ndim
        nd_index = _add_initializer(model, f"{node.input[1]}/gathernd", idx[..., None])
        src = node.input[0]
        if axis:
            src = f"{node.output[0]}/axis_first"
            nodes.append(helper.make_node("Transpose", [node.input[0]], [src], name=f"{node.name}/axis_first",
                                          perm=[axis] + [d for d in range(rank) if d != axis]))
        gathered = f"{node.output[0]}/gathernd" if axis else node.output[0]
        nodes.append(helper.make_node("GatherND", [src, nd_index], [gathered], name=f"{node.name}/gathernd"))
        if axis:
            back = list(range(q, q + axis)) + list(range(q)) + list(range(q + axis, q + rank - 1))
            nodes.append(helper.make_node("Transpose", [gathered], [node.output[0]], name=f"{node.name}/axis_back", perm=back))
        changed += 1
    _replace_nodes(model, nodes)
    return changed


#: name -> rewrite (in place, returns nodes changed).
REWRITES: dict[str, Callable[[onnx.ModelProto], int]] = {
    "name_resize_roi": name_resize_roi,
    "abs_as_max": abs_as_max,
    "neg_as_sub": neg_as_sub,
    "gather_as_gathernd": gather_as_gathernd,
}

#: Graph form -> rewrites applied to the portable ONNX graph to build it.
GRAPH_FORMS: dict[str, tuple[str, ...]] = {
    "portable": ("name_resize_roi",),
    "nnapi": ("name_resize_roi",),
    "coreml": ("name_resize_roi", "abs_as_max", "neg_as_sub", "gather_as_gathernd"),
}


def drop_unused_initializers(model: onnx.ModelProto) -> int:
    """Remove initializers no node reads any more (e.g. Gather indices replaced by GatherND ones). In place."""
    used = {name for node in model.graph.node for name in node.input}
    keep = [init for init in model.graph.initializer if init.name in used]
    removed = len(model.graph.initializer) - len(keep)
    if removed:
        del model.graph.initializer[:]
        model.graph.initializer.extend(keep)
    return removed


def apply_graph_form(model: onnx.ModelProto, form: str) -> tuple[onnx.ModelProto, dict[str, int]]:
    """A copy of ``model`` in graph form ``form``, and how many nodes each rewrite changed.

    Raises:
        KeyError: unknown form (a programming error: forms come from the target table).
    """
    out = copy.deepcopy(model)
    applied = {name: REWRITES[name](out) for name in GRAPH_FORMS[form]}
    drop_unused_initializers(out)
    return out, applied
