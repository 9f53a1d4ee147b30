"""Runners: load one artifact into a fresh session and run one inference on a fixed input.

Usage::

    from mobrecon_bench.running.runners import OrtRunner, TorchRunner

    runner = OrtRunner(name="densestack", path="out/densestack.onnx", variant="densestack", threads=2)
    with runner.load() as session:          # fresh session; entering pins threads
        session.run()                       # one inference on the input prepared at load time

A :class:`Runner` is an immutable description (what, which runtime, how many threads); ``load()``
builds a new :class:`Session` every call, so the timing loop can time session creation and give
every round a fresh session. Runtimes are imported on use: this module imports neither torch nor
onnxruntime at import time.

Runners that cannot run say why through :meth:`Runner.unavailable` (status and reason, e.g.
"skipped: ai-edge-litert is not installed"); :class:`FailedArtifact` stands for an artifact whose
export or verification failed upstream, so the result table still has its row.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mobrecon.files import sha256_file
from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.results.schema import Accuracy, Artifact, RuntimeInfo, Status

__all__ = [
    "Unavailable",
    "RunnerUnavailable",
    "Session",
    "Runner",
    "TorchRunner",
    "OrtRunner",
    "LiteRtRunner",
    "FailedArtifact",
    "random_input",
    "runner_for_file",
    "demo_runner",
]


@dataclass(frozen=True)
class Unavailable:
    """Why a runner produces no timings: a non-ok status and a one-sentence reason."""

    status: Status
    reason: str


class RunnerUnavailable(Exception):
    """Raised by ``load()`` when the runner cannot run here; carries the :class:`Unavailable`."""

    def __init__(self, unavailable: Unavailable):
        super().__init__(f"{unavailable.status}: {unavailable.reason}")
        self.unavailable = unavailable


class Session:
    """A loaded model with its input prepared; a context manager around a block of inferences.

    ``__enter__`` applies per-session runtime state (e.g. torch's thread count and inference mode)
    and ``__exit__`` restores it and releases the session. Call :meth:`run` inside the ``with``.
    """

    def run(self) -> None:
        """Run one inference on the fixed input prepared at load time."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the runtime session (default: nothing to release)."""

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def random_input(shape: Sequence[int], dtype: np.dtype | type, rng: np.random.Generator) -> np.ndarray:
    """A seeded input tensor: standard normal for floats, zeros for integers and booleans.

    Zeros keep integer inputs (indices, counts) inside any valid range.

    Args:
        shape: concrete dimensions.
        dtype: numpy dtype of the tensor.
        rng: seeded generator.

    Returns:
        Array of ``shape`` and ``dtype``.
    """
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.floating):
        return rng.standard_normal(tuple(shape)).astype(dtype)
    return np.zeros(tuple(shape), dtype=dtype)


def _package_version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True, eq=False, kw_only=True)
class Runner(ABC):
    """What to benchmark and how; immutable. Subclasses add the artifact and implement ``load``.

    Attributes:
        name: artifact name shown in tables and used to match records, e.g. "densestack".
        threads: intra-op threads given to the runtime.
        precision: numeric precision of the artifact, e.g. "fp32", "fp16", "int8".
        variant: model variant the targets are matched on, e.g. "densestack"; None if not a MobRecon model.
        mult_adds: multiply-adds of one inference, if known (for the achieved-rate figure).
        accuracy: verification errors and verdict to carry into the record, if known.
        form: which graph of the model ("reference", "deploy", "naive-export", "peer"), if said.
        task: what the model computes when it is not MobRecon's hand mesh, else None.
    """

    name: str
    threads: int = 1
    precision: str = "fp32"
    variant: str | None = None
    mult_adds: int | None = None
    accuracy: Accuracy = field(default_factory=Accuracy)
    form: str | None = None
    task: str | None = None

    runtime: str = field(init=False, default="")
    format: str = field(init=False, default="")
    compute_unit: str = field(init=False, default="cpu")

    @property
    @abstractmethod
    def runtime_version(self) -> str:
        """Version of the runtime package, or "not installed"."""

    @property
    def artifact_path(self) -> Path | None:
        """The artifact file, or None for an in-memory model."""
        return None

    @property
    def artifact_sha256(self) -> str | None:
        """sha256 of the artifact file (hashed on each call), or None without a readable file."""
        path = self.artifact_path
        return sha256_file(path) if path is not None and path.is_file() else None

    def describe(self) -> tuple[Artifact, RuntimeInfo]:
        """Schema objects naming this runner's artifact and runtime."""
        path = self.artifact_path
        artifact = Artifact(
            name=self.name,
            file=path.name if path is not None else None,
            sha256=self.artifact_sha256,
            variant=self.variant,
            precision=self.precision,
            format=self.format,
            form=self.form,
            task=self.task,
        )
        return artifact, RuntimeInfo(name=self.runtime, version=self.runtime_version, compute_unit=self.compute_unit)

    def unavailable(self) -> Unavailable | None:
        """Why this runner cannot run here (missing runtime, failed export), or None if it can."""
        return None

    def validate(self) -> None:
        """Check user inputs before any timing starts.

        Raises:
            BenchmarkError: if the artifact file is missing or has the wrong suffix.
        """

    def with_threads(self, threads: int) -> Runner:
        """The same runner with another thread count."""
        return dataclasses.replace(self, threads=threads)

    @abstractmethod
    def load(self) -> Session:
        """Build a fresh session and prepare its fixed input.

        Raises:
            RunnerUnavailable: if the runner cannot run here.
            BenchmarkError: if the artifact cannot be loaded.
        """


class _TorchSession(Session):
    def __init__(self, module: Any, inputs: tuple[Any, ...], threads: int):
        self._module, self._inputs, self._threads = module, inputs, threads
        self._saved_threads: int | None = None
        self._mode: Any = None

    def __enter__(self) -> Session:
        import torch

        self._saved_threads = torch.get_num_threads()
        torch.set_num_threads(self._threads)
        self._mode = torch.inference_mode()
        self._mode.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        import torch

        self._mode.__exit__(None, None, None)
        torch.set_num_threads(self._saved_threads)
        self.close()

    def run(self) -> None:
        self._module(*self._inputs)

    def close(self) -> None:
        self._module = None


@dataclass(frozen=True, eq=False, kw_only=True)
class TorchRunner(Runner):
    """PyTorch eager model on CPU.

    ``load()`` calls ``model_factory()`` (new module each round, put in eval mode) and clones the
    example inputs; the session sets ``torch.set_num_threads(threads)`` and ``torch.inference_mode``
    while entered and restores the previous thread count on exit.

    Attributes:
        model_factory: returns a new ``nn.Module`` (e.g. ``lambda: create_model("densestack")``).
        example_inputs: tuple of input tensors, e.g. ``(image,)`` with image [1, 3, 128, 128] float32.
    """

    model_factory: Callable[[], Any]
    example_inputs: tuple[Any, ...]

    runtime: str = field(init=False, default="torch")
    format: str = field(init=False, default="torch")

    @property
    def runtime_version(self) -> str:
        return _package_version("torch")

    def load(self) -> Session:
        module = self.model_factory().eval()
        inputs = tuple(t.detach().clone() for t in self.example_inputs)
        return _TorchSession(module, inputs, self.threads)


class _OrtSession(Session):
    def __init__(self, session: Any, feeds: dict[str, np.ndarray]):
        self._session, self._feeds = session, feeds

    def run(self) -> None:
        self._session.run(None, self._feeds)

    def end_profiling(self) -> str:
        """Stop ONNX Runtime's profiler (session loaded with a profile prefix); returns the trace file."""
        return self._session.end_profiling()

    def close(self) -> None:
        self._session = None


_ORT_DTYPES = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(int16)": np.int16,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
    "tensor(bool)": np.bool_,
}


def _check_file(path: Path, suffixes: tuple[str, ...], kind: str) -> None:
    if path.suffix.lower() not in suffixes:
        raise BenchmarkError(f"{path} is not a {kind} file (expected {' or '.join(suffixes)})")
    if not path.is_file():
        raise BenchmarkError(f"{kind} file {path} does not exist")


@dataclass(frozen=True, eq=False, kw_only=True)
class _FileRunner(Runner):
    """A runner of an artifact file: path, input seed, suffix check; format from the suffix."""

    path: Path
    seed: int = 0

    _suffixes: ClassVar[tuple[str, ...]] = ()
    _kind: ClassVar[str] = ""
    _distribution: ClassVar[str] = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        object.__setattr__(self, "format", self.path.suffix.lower().lstrip("."))

    @property
    def runtime_version(self) -> str:
        return _package_version(self._distribution)

    @property
    def artifact_path(self) -> Path:
        return self.path

    def validate(self) -> None:
        _check_file(self.path, self._suffixes, self._kind)


@dataclass(frozen=True, eq=False, kw_only=True)
class OrtRunner(_FileRunner):
    """ONNX Runtime on the CPU execution provider, for ``.onnx`` or ``.ort`` files.

    Session options: ``intra_op_num_threads = threads``, ``inter_op_num_threads = 1``, sequential
    execution, default (full) graph optimisation. Inputs follow the model's declared shapes and
    dtypes; symbolic dimensions take ``dim_values[name]`` or 1; values come from ``seed``.

    Attributes:
        path: the ``.onnx`` / ``.ort`` file.
        dim_values: sizes for symbolic dimensions, e.g. ``{"batch": 1}``.
        seed: seed of the input generator.
    """

    dim_values: Mapping[str, int] = field(default_factory=dict)

    runtime: str = field(init=False, default="onnxruntime")
    _suffixes: ClassVar[tuple[str, ...]] = (".onnx", ".ort")
    _kind: ClassVar[str] = "ONNX"
    _distribution: ClassVar[str] = "onnxruntime"

    def _feeds(self, inputs: Sequence[Any]) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        feeds = {}
        for spec in inputs:
            if spec.type not in _ORT_DTYPES:
                raise BenchmarkError(f"{self.path}: input '{spec.name}' has unsupported type {spec.type}")
            shape = [d if isinstance(d, int) else self.dim_values.get(str(d), 1) for d in spec.shape]
            feeds[spec.name] = random_input(shape, _ORT_DTYPES[spec.type], rng)
        return feeds

    def load(self, profile_prefix: str | None = None) -> Session:
        """Build a fresh session; with ``profile_prefix``, ONNX Runtime's profiler writes ``<prefix>_*.json``."""
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        if profile_prefix is not None:
            opts.enable_profiling = True
            opts.profile_file_prefix = profile_prefix
        try:
            session = ort.InferenceSession(str(self.path), sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own Fail/InvalidGraph/NoSuchFile types
            first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise BenchmarkError(f"onnxruntime cannot load {self.path}: {first_line}") from None
        return _OrtSession(session, self._feeds(session.get_inputs()))


class _LiteRtSession(Session):
    def __init__(self, interpreter: Any):
        self._interpreter = interpreter

    def run(self) -> None:
        self._interpreter.invoke()

    def close(self) -> None:
        self._interpreter = None


@dataclass(frozen=True, eq=False, kw_only=True)
class LiteRtRunner(_FileRunner):
    """LiteRT (TensorFlow Lite) interpreter on CPU for a ``.tflite`` file (package ``ai-edge-litert``).

    Inputs follow the model's declared shapes and dtypes, values from ``seed``. Without the package
    the runner is unavailable with status "skipped" and the install command as reason.

    Attributes:
        path: the ``.tflite`` file.
        seed: seed of the input generator.
    """

    runtime: str = field(init=False, default="litert")
    _suffixes: ClassVar[tuple[str, ...]] = (".tflite",)
    _kind: ClassVar[str] = "TFLite"
    _distribution: ClassVar[str] = "ai-edge-litert"

    def unavailable(self) -> Unavailable | None:
        if importlib.util.find_spec("ai_edge_litert") is None:
            return Unavailable("skipped", "ai-edge-litert is not installed (pip install ai-edge-litert)")
        return None

    def load(self) -> Session:
        missing = self.unavailable()
        if missing is not None:
            raise RunnerUnavailable(missing)
        from ai_edge_litert.interpreter import Interpreter

        try:
            interpreter = Interpreter(model_path=str(self.path), num_threads=self.threads)
            interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise BenchmarkError(f"LiteRT cannot load {self.path}: {err}") from None
        rng = np.random.default_rng(self.seed)
        for spec in interpreter.get_input_details():
            interpreter.set_tensor(spec["index"], random_input(spec["shape"], spec["dtype"], rng))
        return _LiteRtSession(interpreter)


@dataclass(frozen=True, eq=False, kw_only=True)
class FailedArtifact(Runner):
    """Placeholder for an artifact that failed upstream, so the result still has its row.

    Attributes:
        status: "export_failed", "verification_failed" or "skipped".
        reason: one sentence saying what failed.
        runtime_name: runtime the artifact was meant for, e.g. "onnxruntime".
        artifact_format: format it was meant to have, e.g. "onnx".
    """

    status: Status
    reason: str
    runtime_name: str
    artifact_format: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "runtime", self.runtime_name)
        object.__setattr__(self, "format", self.artifact_format)

    @property
    def runtime_version(self) -> str:
        return _package_version(self.runtime_name)

    def unavailable(self) -> Unavailable:
        return Unavailable(self.status, self.reason)

    def load(self) -> Session:
        raise RunnerUnavailable(self.unavailable())


def runner_for_file(path: str | Path, *, name: str | None = None, variant: str | None = None) -> Runner:
    """The runner for an artifact file, chosen by suffix: ``.onnx``/``.ort`` -> OrtRunner, ``.tflite`` -> LiteRtRunner.

    Args:
        path: the artifact file.
        name: artifact name; defaults to the file stem.
        variant: model variant the targets are matched on; None if unknown.

    Raises:
        BenchmarkError: for any other suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".onnx", ".ort"):
        return OrtRunner(name=name or path.stem, path=path, variant=variant)
    if suffix == ".tflite":
        return LiteRtRunner(name=name or path.stem, path=path, variant=variant)
    raise BenchmarkError(f"{path} has suffix {suffix or '(none)'}; benchmarks read .onnx, .ort or .tflite files")


def _demo_model() -> Any:
    """A small conv net of hand-pipeline shape: [1, 3, 128, 128] image -> [1, 42] (21 joints x 2)."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(3, 16, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, 42),
    )


def demo_runner(*, threads: int = 1) -> TorchRunner:
    """Built-in placeholder: a small PyTorch conv net (NOT MobRecon), named "builtin-demo".

    It lets ``bench run`` work with no artifacts; its figures say nothing about MobRecon.
    Input: image [1, 3, 128, 128] float32, seeded standard normal.
    """
    import torch

    image = torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(0))
    return TorchRunner(name="builtin-demo", model_factory=_demo_model, example_inputs=(image,), threads=threads)
