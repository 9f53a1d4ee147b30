"""Analytic memory-traffic model of one DSConv layer, per form of :mod:`mobrecon.dsconv`.

Usage::

    from mobrecon.traffic import dsconv_traffic, format_decoder_traffic
    dsconv_traffic("reference", n_in=98, n_out=98, in_chs=256, out_chs=256)
    print(format_decoder_traffic())          # the decoder's 5 layers, every form

The paper's Discussion notes that DSConv "increases memory access cost"; this model says where.
Each form is a list of :class:`TrafficOp` (one row per kernel), so every number can be checked by
hand. Symbols: B batch, N vertices (``n_out``), C ``in_chs``, O ``out_chs``, S spiral length,
E ``dtype_bytes``, I ``index_bytes``.

Assumptions:

1. Operand traffic, no cache model: every kernel reads each operand element it uses once and
   writes each output element once; nothing stays in cache between kernels. A gather reads the
   S*N rows it fetches (repeated rows re-read) and S*N indices (int64, I = 8, as PyTorch stores
   them). Weights are read once per layer. Scalars are ignored. Views and reshapes are free.
2. Kernels are those of the graph each form exports to (``torch.onnx.export``, opset 17,
   checked by the tests):
   - ``reference``: Gather -> Transpose -> Conv (depthwise 3x3 over N tiny images) -> MatMul. The
     gather writes the S-fold tensor [B, N*S, C] and the Transpose copies it to [B*N, C, 3, 3].
     (Eager PyTorch skips the copy: the transposed view has channels-last strides that mkldnn
     consumes; use ``graph="eager"``.)
   - ``streamed``: per tap s a Gather of [B, N, C], then Mul by w[:, s] (s = 0) or Mul, Mul (by
     addcmul's value 1) and Add; then MatMul. (Eager: index_select, then mul or one addcmul.)
   - ``rank4`` (:class:`mobrecon.dsconv.DSConvRank4`): Gather to [B, C, 1, N*S] -> depthwise Conv
     (1, S) stride S -> 1x1 Conv.
   - ``rows`` (:class:`mobrecon.dsconv.DSConvRows`, the deploy default): Gather of whole rows to
     [B, N*S, C] -> Mul by the tap weights -> ReduceMean over S -> MatMul. It moves more bytes
     than ``rank4`` (the Mul writes a second S-fold tensor) yet runs faster on ONNX Runtime CPU,
     whose Gather copies contiguous rows but goes element by element along the innermost axis:
     bytes moved are not the whole story (``benchmarks/profiling/dsconv_forms.py`` measures both). A layer
     with at most ``FOLD_MAX_OUT_CHS`` outputs (the xyz head) is Gather -> MatMul over the S rows
     with the tap weights folded in (:class:`mobrecon.dsconv.DSConvRowsFolded`).
   - ``fused``: no form in dsconv.py; the lower bound of a custom kernel that gathers the S rows
     and accumulates the depthwise sum in registers, then the pointwise MatMul.
3. The layer's input is x [B, n_in, C] after mesh upsampling (not counted here); its output
   [B, N, O] is written once. ``compulsory_bytes`` = input read once + indices + weights + output:
   what any form must move.

Finding: only ``streamed`` and ``fused`` never materialise the S-fold tensor. ``rank4`` still
writes it once (its index_select); it removes the reference's Transpose copy and the
batch-of-N-images layout, not the S-fold gather (in eager PyTorch it moves exactly the
reference's bytes). ``streamed`` trades the S-fold tensor for S small ones and moves about 1.5x the
reference's bytes: it saves peak memory, not traffic. Only a fused kernel gets near the floor.
"""

from __future__ import annotations

from dataclasses import dataclass

from mobrecon.dsconv import FOLD_MAX_OUT_CHS

__all__ = ["TrafficOp", "Traffic", "dsconv_traffic", "decoder_traffic", "format_decoder_traffic", "TRAFFIC_FORMS", "DECODER_LAYERS"]

#: Forms the model knows (``fused`` is a hypothetical custom kernel, not a dsconv.py form).
TRAFFIC_FORMS = ("reference", "streamed", "rank4", "rows", "fused")
#: Graphs the ops are taken from.
GRAPHS = ("onnx", "eager")
#: The decoder's mesh convs (name, vertices, in_chs, out_chs) for the standard topology and
#: widths (32, 64, 128, 256); each runs after the x2 mesh upsampling, so n_in == n_out.
DECODER_LAYERS = (
    ("decoder.layers.0", 98, 256, 256),
    ("decoder.layers.1", 195, 256, 128),
    ("decoder.layers.2", 389, 128, 64),
    ("decoder.layers.3", 778, 64, 32),
    ("decoder.head", 778, 32, 3),
)


@dataclass(frozen=True)
class TrafficOp:
    """One kernel: bytes read and written, and whether its output stays inside the layer."""

    name: str
    read_bytes: int
    written_bytes: int
    intermediate: bool


@dataclass(frozen=True)
class Traffic:
    """Memory traffic of one DSConv layer, in bytes.

    Attributes:
        read_bytes: read by all kernels (activations, intermediates, indices, weights).
        written_bytes: written by all kernels (intermediates and the output).
        intermediate_bytes: the part of ``written_bytes`` that is read back inside the layer.
        largest_intermediate_bytes: the largest single intermediate tensor (peak extra memory).
        compulsory_bytes: input once + indices + weights + output: the floor for any form.
        ops: the kernels, in order.
    """

    read_bytes: int
    written_bytes: int
    intermediate_bytes: int
    largest_intermediate_bytes: int = 0
    compulsory_bytes: int = 0
    ops: tuple[TrafficOp, ...] = ()

    @property
    def total_bytes(self) -> int:
        return self.read_bytes + self.written_bytes


def _ops(form: str, graph: str, b: int, n: int, c: int, o: int, s: int, e: int, i: int) -> list[TrafficOp]:
    x1, xs = b * n * c * e, s * b * n * c * e             # one [B, N, C] tensor, the S-fold tensor
    idx1, idxs = n * i, s * n * i                         # indices of one tap, of all taps
    dw_w, pw_w, out = s * c * e, c * o * e, b * n * o * e
    pointwise = TrafficOp("MatMul / 1x1 Conv (pointwise)", x1 + pw_w, out, False)
    if form in ("reference", "rank4"):
        ops = [TrafficOp("Gather S-fold", xs + idxs, xs, True)]
        if form == "reference" and graph == "onnx":
            ops.append(TrafficOp("Transpose S-fold copy", xs, xs, True))
        return ops + [TrafficOp("Conv depthwise over S taps", xs + dw_w, x1, True), pointwise]
    if form == "fused":
        return [TrafficOp("gather + depthwise in registers", xs + idxs + dw_w, x1, True), pointwise]
    if form == "rows" and o <= FOLD_MAX_OUT_CHS:
        return [TrafficOp("Gather S-fold rows", xs + idxs, xs, True),
                TrafficOp("MatMul over the S rows (tap weights folded in)", xs + s * c * o * e, out, False)]
    if form == "rows":
        return [TrafficOp("Gather S-fold rows", xs + idxs, xs, True), TrafficOp("Mul by tap weights", xs + dw_w, xs, True),
                TrafficOp("ReduceMean over S taps", xs, x1, True), pointwise]
    ops = [TrafficOp("Gather tap 0", x1 + idx1, x1, True), TrafficOp("Mul tap 0", x1 + c * e, x1, True)]
    for t in range(1, s):
        ops.append(TrafficOp(f"Gather tap {t}", x1 + idx1, x1, True))
        if graph == "eager":
            ops.append(TrafficOp(f"addcmul tap {t}", 2 * x1 + c * e, x1, True))
        else:
            ops += [TrafficOp(f"Mul tap {t}", x1 + c * e, x1, True), TrafficOp(f"Mul tap {t} by 1", x1, x1, True),
                    TrafficOp(f"Add tap {t}", 2 * x1, x1, True)]
    return ops + [pointwise]


def dsconv_traffic(
    form: str,
    n_in: int,
    n_out: int,
    in_chs: int,
    out_chs: int,
    spiral_len: int = 9,
    batch: int = 1,
    dtype_bytes: int = 4,
    index_bytes: int = 8,
    graph: str = "onnx",
) -> Traffic:
    """Bytes moved by one DSConv layer (see the module docstring for the assumptions).

    Args:
        form: one of :data:`TRAFFIC_FORMS`.
        n_in: input vertices (read once in ``compulsory_bytes``).
        n_out: output vertices N (rows of the spiral table).
        in_chs: input channels C.
        out_chs: output channels O.
        spiral_len: spiral length S.
        batch: batch B (indices and weights are read once per layer, not per sample).
        dtype_bytes: bytes per activation / weight element E (4 for float32).
        index_bytes: bytes per gather index I (8 for int64).
        graph: ``"onnx"`` (the exported graph) or ``"eager"`` (PyTorch kernels).

    Returns:
        :class:`Traffic`, all in bytes.

    Raises:
        ValueError: unknown form or graph, or a non-positive size.
    """
    if form not in TRAFFIC_FORMS:
        raise ValueError(f"unknown DSConv form {form!r}; choose one of {TRAFFIC_FORMS}")
    if graph not in GRAPHS:
        raise ValueError(f"unknown graph {graph!r}; choose one of {GRAPHS}")
    if min(n_in, n_out, in_chs, out_chs, spiral_len, batch, dtype_bytes, index_bytes) <= 0:
        raise ValueError("all sizes must be positive")
    e = dtype_bytes
    ops = _ops(form, graph, batch, n_out, in_chs, out_chs, spiral_len, e, index_bytes)
    inter = [op.written_bytes for op in ops if op.intermediate]
    weights = (spiral_len * in_chs + in_chs * out_chs) * e
    compulsory = batch * (n_in * in_chs + n_out * out_chs) * e + weights + spiral_len * n_out * index_bytes
    return Traffic(
        read_bytes=sum(op.read_bytes for op in ops),
        written_bytes=sum(op.written_bytes for op in ops),
        intermediate_bytes=sum(inter),
        largest_intermediate_bytes=max(inter, default=0),
        compulsory_bytes=compulsory,
        ops=tuple(ops),
    )


def decoder_traffic(
    forms: tuple[str, ...] = TRAFFIC_FORMS,
    layers: tuple[tuple[str, int, int, int], ...] = DECODER_LAYERS,
    graph: str = "onnx",
    **kwargs: int,
) -> dict[str, list[tuple[str, Traffic]]]:
    """Traffic of every decoder mesh conv, per form: ``{form: [(layer name, Traffic), ...]}``.

    ``kwargs`` go to :func:`dsconv_traffic` (``spiral_len``, ``batch``, ``dtype_bytes``...).
    """
    return {form: [(name, dsconv_traffic(form, n, n, cin, cout, graph=graph, **kwargs)) for name, n, cin, cout in layers]
            for form in forms}


def format_decoder_traffic(graph: str = "onnx", **kwargs: int) -> str:
    """Table of :func:`decoder_traffic` in KB (1 KB = 1000 bytes), one block per form, with totals.

    Columns: bytes read, written, written to intermediates, largest intermediate, the compulsory
    floor, and ``x floor`` = (read + written) / compulsory.
    """
    kb = 1e3
    head = (f"{'layer':18s} {'N':>4s} {'C->O':>8s} {'read KB':>9s} {'written KB':>10s} "
            f"{'interm. KB':>10s} {'largest KB':>10s} {'compulsory':>10s} {'x floor':>7s}")
    lines = [f"DSConv memory traffic per decoder layer ({graph} graph, batch {kwargs.get('batch', 1)}, "
             f"{kwargs.get('dtype_bytes', 4)}-byte elements; see mobrecon.traffic for the assumptions)"]
    shapes = {name: (n, cin, cout) for name, n, cin, cout in DECODER_LAYERS}
    for form, rows in decoder_traffic(graph=graph, **kwargs).items():
        lines += ["", f"form {form}", head]
        for name, t in rows:
            n, cin, cout = shapes[name]
            lines.append(f"{name:18s} {n:4d} {f'{cin}->{cout}':>8s} {t.read_bytes / kb:9.1f} {t.written_bytes / kb:10.1f} "
                         f"{t.intermediate_bytes / kb:10.1f} {t.largest_intermediate_bytes / kb:10.1f} "
                         f"{t.compulsory_bytes / kb:10.1f} {t.total_bytes / t.compulsory_bytes:7.2f}")
        tot = [sum(getattr(t, f) for _, t in rows) for f in ("read_bytes", "written_bytes", "intermediate_bytes", "compulsory_bytes")]
        lines.append(f"{'total':18s} {'':4s} {'':8s} {tot[0] / kb:9.1f} {tot[1] / kb:10.1f} {tot[2] / kb:10.1f} "
                     f"{'':10s} {tot[3] / kb:10.1f} {(tot[0] + tot[1]) / tot[3]:7.2f}")
    return "\n".join(lines)
