"""The yardstick: a fixed ONNX graph measured in the same rounds as every artifact, to normalise two runs.

Usage::

    from mobrecon_bench.running.yardstick import yardstick_bytes, yardstick_runner

    data = yardstick_bytes()                    # the same bytes in every process and checkout
    runner = yardstick_runner(workdir)          # writes workdir/yardstick.onnx, an OrtRunner on it

Two benchmark runs made one after the other (the CI gate's baseline and candidate) see different
machine states: a neighbour's job, the clock, the cache. On a shared 2-core host their A/A ratios
spread over about +-5%, as large as the regressions the gate should catch. ``mobrecon bench run``
therefore times this graph interleaved with every artifact, at every thread count (record
``yardstick.onnx``, ``artifact.form == "yardstick"``); the gate divides each artifact's latency by
the yardstick's of the same run before comparing runs (``mobrecon_bench.gate.gate``).

The graph is built here with ``onnx.helper`` from seeded constants and depends on nothing in
``mobrecon``: a code change under test cannot change it. It does the same kinds of work as
MobRecon's encoder on ONNX Runtime's CPU EP: a 3x3 stem, depthwise-separable blocks (depthwise 3x3,
ReLU, pointwise 1x1, ReLU, residual Add) over three strides, global pooling and a small two-layer
MatMul head: about 101 M multiply-adds, 2.1-2.7 ms at one thread on the 2-core AMD EPYC host of
benchmarks/README.md (roughly 2-4 ms on a desktop-class x86-64 core). Its bytes are fixed (explicit
IR version, opset and producer), so the gate can check that two runs hold the same yardstick
(``artifact.sha256``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.running.runners import OrtRunner
from mobrecon_bench.results.schema import BenchmarkRecord

__all__ = [
    "YARDSTICK_NAME",
    "YARDSTICK_FORM",
    "YARDSTICK_SEED",
    "INPUT_SHAPE",
    "OUTPUT_SHAPE",
    "STAGES",
    "Stage",
    "yardstick_model",
    "yardstick_bytes",
    "yardstick_mult_adds",
    "write_yardstick",
    "yardstick_runner",
    "is_yardstick",
]

#: Artifact name of the yardstick's records (with ``YARDSTICK_FORM``, how tables and the gate find it).
YARDSTICK_NAME = "yardstick.onnx"
#: ``artifact.form`` of the yardstick's records: a fixed reference graph, not a model.
YARDSTICK_FORM = "yardstick"
#: Seed of the weights; changing it changes the yardstick (and its sha256), so old runs fall back to raw.
YARDSTICK_SEED = 20240611
#: Input "x": [1, 3, 128, 128] float32, MobRecon's image size.
INPUT_SHAPE = (1, 3, 128, 128)
#: Output "y": [1, 64] float32 (meaningless values; only the time matters).
OUTPUT_SHAPE = (1, 64)
_STEM_CHS = 24
_HEAD_CHS = 256
_OPSET = 17
_IR_VERSION = 8


@dataclass(frozen=True)
class Stage:
    """One stage of depthwise-separable blocks.

    Attributes:
        out_chs: channels after the stage's first pointwise conv.
        stride: stride of the first block's depthwise conv (2 halves height and width).
        blocks: depthwise-separable blocks; every block after the first adds a residual.
    """

    out_chs: int
    stride: int
    blocks: int


#: The yardstick's body, after a 3x3 stride-2 stem (3 -> 24 channels, 128 -> 64 px).
STAGES: tuple[Stage, ...] = (Stage(48, 1, 3), Stage(96, 2, 4), Stage(192, 2, 4))


class _Builder:
    """Collects nodes and seeded initializers of the graph, counting multiply-adds."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes: list = []
        self.inits: list = []
        self.mult_adds = 0

    def _weight(self, name: str, shape: tuple[int, ...], scale: float) -> str:
        """Seeded normal values times ``scale``, float32, as an initializer; returns its name."""
        from onnx import numpy_helper

        w = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        self.inits.append(numpy_helper.from_array(w, name))
        return name

    def conv(self, x: str, name: str, in_chs: int, out_chs: int, k: int, stride: int, groups: int, hw: int) -> str:
        """Conv + bias + ReLU of a [1, in_chs, hw, hw] tensor; returns the name of [1, out_chs, hw/stride, hw/stride].

        He-scaled weights keep activations O(1), so no denormal numbers slow the kernels down.
        """
        from onnx import helper

        fan_in = in_chs // groups * k * k
        w = self._weight(f"{name}.weight", (out_chs, in_chs // groups, k, k), np.sqrt(2.0 / fan_in))
        b = self._weight(f"{name}.bias", (out_chs,), 0.01)
        self.nodes.append(helper.make_node("Conv", [x, w, b], [f"{name}.conv"], name=f"{name}.conv",
                                           kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4,
                                           group=groups))  # fmt: skip
        self.nodes.append(helper.make_node("Relu", [f"{name}.conv"], [f"{name}.relu"], name=f"{name}.relu"))
        out_hw = hw // stride
        self.mult_adds += out_chs * (in_chs // groups) * k * k * out_hw * out_hw
        return f"{name}.relu"

    def matmul(self, x: str, name: str, in_chs: int, out_chs: int, relu: bool) -> str:
        """[1, in_chs] @ [in_chs, out_chs] (+ ReLU); returns the output name."""
        from onnx import helper

        w = self._weight(f"{name}.weight", (in_chs, out_chs), np.sqrt(2.0 / in_chs))
        self.nodes.append(helper.make_node("MatMul", [x, w], [f"{name}.mm"], name=f"{name}.mm"))
        self.mult_adds += in_chs * out_chs
        if not relu:
            return f"{name}.mm"
        self.nodes.append(helper.make_node("Relu", [f"{name}.mm"], [f"{name}.relu"], name=f"{name}.relu"))
        return f"{name}.relu"


def _build(seed: int) -> tuple[object, int]:
    """The yardstick ModelProto and its multiply-adds (convs and MatMuls)."""
    from onnx import TensorProto, helper

    b = _Builder(seed)
    hw = INPUT_SHAPE[2]
    x = b.conv("x", "stem", INPUT_SHAPE[1], _STEM_CHS, 3, 2, 1, hw)
    chs, hw = _STEM_CHS, hw // 2
    for s, stage in enumerate(STAGES):
        for i in range(stage.blocks):
            stride, name = (stage.stride if i == 0 else 1), f"s{s}b{i}"
            h = b.conv(x, f"{name}.dw", chs, chs, 3, stride, chs, hw)
            hw //= stride
            h = b.conv(h, f"{name}.pw", chs, stage.out_chs, 1, 1, 1, hw)
            if i > 0:
                b.nodes.append(helper.make_node("Add", [x, h], [f"{name}.add"], name=f"{name}.add"))
                h = f"{name}.add"
            x, chs = h, stage.out_chs
    b.nodes.append(helper.make_node("GlobalAveragePool", [x], ["pool"], name="pool"))
    b.inits.append(helper.make_tensor("flat_shape", TensorProto.INT64, [2], [1, chs]))
    b.nodes.append(helper.make_node("Reshape", ["pool", "flat_shape"], ["flat"], name="flatten"))
    h = b.matmul("flat", "head0", chs, _HEAD_CHS, relu=True)
    y = b.matmul(h, "head1", _HEAD_CHS, OUTPUT_SHAPE[1], relu=False)
    b.nodes.append(helper.make_node("Identity", [y], ["y"], name="output"))
    graph = helper.make_graph(
        b.nodes, "mobrecon_bench_yardstick",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(INPUT_SHAPE))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(OUTPUT_SHAPE))],
        initializer=b.inits,
    )  # fmt: skip
    # producer_name is the module's path before benchmarks/ had subpackages; it is part of the fixed bytes.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)], ir_version=_IR_VERSION,
                              producer_name="mobrecon_bench.yardstick", producer_version="1")  # fmt: skip
    return model, b.mult_adds


def yardstick_model() -> object:
    """The yardstick as an ``onnx.ModelProto`` (checked): x [1, 3, 128, 128] float32 -> y [1, 64] float32."""
    import onnx

    model, _ = _build(YARDSTICK_SEED)
    onnx.checker.check_model(model)
    return model


@cache
def yardstick_bytes() -> bytes:
    """Serialised yardstick, built once per process; byte-identical across processes for a given seed."""
    return yardstick_model().SerializeToString()


@cache
def yardstick_mult_adds() -> int:
    """Multiply-adds of one yardstick inference (convs and MatMuls), about 101 M."""
    return _build(YARDSTICK_SEED)[1]


def write_yardstick(directory: str | Path) -> Path:
    """Write ``yardstick.onnx`` into ``directory`` (created if needed); returns its path.

    Raises:
        BenchmarkError: if the folder cannot be written.
    """
    path = Path(directory) / YARDSTICK_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != yardstick_bytes():
            path.write_bytes(yardstick_bytes())
    except OSError as err:
        raise BenchmarkError(f"cannot write the yardstick to {path}: {err.strerror or err}") from None
    return path


def yardstick_runner(directory: str | Path, *, threads: int = 1) -> OrtRunner:
    """An ONNX Runtime runner of the yardstick, written into ``directory`` (the caller deletes it).

    The record it yields is named :data:`YARDSTICK_NAME` with ``form`` :data:`YARDSTICK_FORM`, no
    variant, precision fp32 and the yardstick's multiply-adds; its input is seeded like any ORT row's.
    """
    return OrtRunner(name=YARDSTICK_NAME, path=write_yardstick(directory), form=YARDSTICK_FORM, threads=threads,
                     mult_adds=yardstick_mult_adds())  # fmt: skip


def is_yardstick(record: BenchmarkRecord) -> bool:
    """True for a yardstick record (``artifact.form == "yardstick"``): not a model, never gated itself."""
    return record.artifact.form == YARDSTICK_FORM
