"""The host: what machine this is, which tool versions run, and its compute floor.

Usage::

    from mobrecon_bench.running.host import describe_host, tool_versions, measure_compute_floor

    device = describe_host()               # Device(device_class="host-x86_64", cpu_model=..., ...)
    floor = measure_compute_floor()        # [ComputeFloor(runtime="torch", threads=1, ...), ...]

The compute floor is the sustained fp32 rate of a square matrix product (N^3 multiply-adds for
N x N by N x N) through the same runtimes the artifacts use: ``torch.matmul`` and an ONNX Runtime
session of a single ``MatMul`` node built with ``onnx.helper``, at 1 thread and at all usable
threads. Each figure is the median over ``runs`` timed runs of about ``run_seconds`` each, after
one warm-up product. It tells how fast dense fp32 arithmetic is on this machine, so latencies from
different hosts can be read against it (``Cost.compute_floor_fraction`` in the records). It is not
the peak the CPU advertises: memory traffic and the runtime's kernels are in it, by design.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.results.schema import ComputeFloor, Device

__all__ = [
    "describe_host",
    "host_name",
    "tool_versions",
    "usable_cores",
    "measure_compute_floor",
    "DEFAULT_MATRIX_SIZE",
]

#: N of the N x N fp32 product used for the compute floor (512: 134 M multiply-adds per product).
DEFAULT_MATRIX_SIZE = 512

_TOOL_DISTRIBUTIONS = ("mobrecon-deploy", "numpy", "torch", "onnx", "onnxruntime", "ai-edge-litert", "coremltools")


def _cpu_model() -> str:
    """CPU brand string: /proc/cpuinfo on Linux, sysctl on macOS, else platform.processor()."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, timeout=5, check=True
            )
            return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown"


def _model_name() -> str:
    """The machine's product name (DMI on Linux, hw.model on macOS), or "unknown"."""
    try:
        return Path("/sys/class/dmi/id/product_name").read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            out = subprocess.run(["sysctl", "-n", "hw.model"], capture_output=True, text=True, timeout=5, check=True)
            return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return "unknown"


def usable_cores() -> int:
    """CPUs this process may run on (scheduler affinity where known, else the logical count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def host_name() -> str:
    """This machine's host name."""
    return socket.gethostname()


def describe_host() -> Device:
    """Describe this machine in the result schema's terms.

    Returns:
        Device with class ``host-<arch>`` (e.g. "host-x86_64", "host-arm64"), product name, OS,
        CPU model and core counts. Host classes never match a phone target's class.
    """
    arch = platform.machine().lower() or "unknown"
    return Device(
        device_class=f"host-{arch}",
        model_name=_model_name(),
        os=f"{platform.system()} {platform.release()}".strip(),
        cpu_model=_cpu_model(),
        logical_cores=os.cpu_count() or 1,
        usable_cores=usable_cores(),
    )


def tool_versions() -> dict[str, str]:
    """Versions of python and of the installed packages the benchmarks may use (absent ones omitted)."""
    versions = {"python": platform.python_version()}
    for dist in _TOOL_DISTRIBUTIONS:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _rate(step: Callable[[], object], mult_adds: int, *, runs: int, run_seconds: float) -> float:
    """Median multiply-adds per second over ``runs`` timed runs of repeated ``step()`` calls."""
    start = time.perf_counter_ns()
    step()  # warm-up; also sizes the runs
    once_s = max((time.perf_counter_ns() - start) / 1e9, 1e-6)
    reps = max(1, int(run_seconds / once_s))
    rates = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        for _ in range(reps):
            step()
        rates.append(reps * mult_adds / ((time.perf_counter_ns() - start) / 1e9))
    return float(np.median(rates))


def _torch_floor(size: int, threads: int, runs: int, run_seconds: float) -> ComputeFloor:
    import torch

    gen = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=gen)
    b = torch.randn(size, size, generator=gen)
    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.inference_mode():
            rate = _rate(lambda: torch.matmul(a, b), size**3, runs=runs, run_seconds=run_seconds)
    finally:
        torch.set_num_threads(saved)
    return ComputeFloor("torch", torch.__version__, threads, rate, size, runs)


def _matmul_model(size: int) -> bytes:
    """Serialized ONNX model: Y[N, N] = A[N, N] @ B, with B a seeded fp32 initializer."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    b = np.random.default_rng(0).standard_normal((size, size)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["Y"])],
        "compute_floor_matmul",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [size, size])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [size, size])],
        initializer=[numpy_helper.from_array(b, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _ort_floor(size: int, threads: int, runs: int, run_seconds: float) -> ComputeFloor:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(_matmul_model(size), sess_options=opts, providers=["CPUExecutionProvider"])
    feeds = {"A": np.random.default_rng(1).standard_normal((size, size)).astype(np.float32)}
    rate = _rate(lambda: session.run(None, feeds), size**3, runs=runs, run_seconds=run_seconds)
    return ComputeFloor("onnxruntime", ort.__version__, threads, rate, size, runs)


_FLOOR_RUNTIMES: dict[str, Callable[[int, int, int, float], ComputeFloor]] = {
    "torch": _torch_floor,
    "onnxruntime": _ort_floor,
}


def measure_compute_floor(
    *,
    runtimes: Sequence[str] = ("torch", "onnxruntime"),
    threads: Sequence[int] | None = None,
    matrix_size: int = DEFAULT_MATRIX_SIZE,
    runs: int = 5,
    run_seconds: float = 0.15,
) -> list[ComputeFloor]:
    """Sustained fp32 matrix-product rate per runtime and thread count.

    With the defaults this takes about 2 runtimes x 2 thread counts x 5 runs x 0.15 s = 3 s.

    Args:
        runtimes: runtimes to measure through: "torch" and/or "onnxruntime"; those not installed
            are left out.
        threads: thread counts; None means 1 and all usable cores.
        matrix_size: N of the N x N fp32 product.
        runs: timed runs per figure; the median is reported.
        run_seconds: approximate length of one timed run, seconds.

    Returns:
        One ComputeFloor per (runtime, threads), in multiply-adds per second.

    Raises:
        BenchmarkError: for a runtime name other than "torch" or "onnxruntime".
    """
    unknown = [name for name in runtimes if name not in _FLOOR_RUNTIMES]
    if unknown:
        raise BenchmarkError(f"no compute-floor probe for runtime {unknown[0]!r}; known: {sorted(_FLOOR_RUNTIMES)}")
    counts = sorted({1, usable_cores()}) if threads is None else list(threads)
    floors = []
    for name in runtimes:
        if importlib.util.find_spec(name) is None:
            continue
        for t in counts:
            floors.append(_FLOOR_RUNTIMES[name](matrix_size, t, runs, run_seconds))
    return floors
