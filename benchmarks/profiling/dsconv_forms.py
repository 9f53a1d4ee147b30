"""DSConv forms and deploy layouts, measured side by side: latency, peak memory, bytes moved,
and whether NNAPI / CoreML take every node. A benchmark script, not a unit test.

Usage::

    python -m mobrecon_bench.profiling.dsconv_forms                       # 1 and 2 threads, ~2 min
    python -m mobrecon_bench.profiling.dsconv_forms --threads 1 --rounds 7 --out dsconv.json

What runs, interleaved in one :func:`mobrecon_bench.running.timing.measure` call (every comparison is a
ratio taken under the same machine load):

- the decoder alone (input [1, 49, 256]) in each form: ``reference`` (the HandMesh form),
  ``streamed`` (never writes the 9x gather), and the deploy forms ``rows`` / ``rank4`` with
  ``gather`` / ``dense`` mesh upsampling, in PyTorch eager and in ONNX Runtime CPU;
- the whole DenseStack network: reference form in PyTorch, the naive ONNX export of the
  reference form, and every deploy form in ONNX Runtime.

Peak memory is the growth of the process's resident-set high-water mark over one decoder forward
(``/proc/self/clear_refs`` reset, ``VmHWM`` read), in a child process whose glibc returns every
freed block above 16 KiB to the OS (``MALLOC_MMAP_THRESHOLD_``), so transient tensors show.
Bytes moved per form come from the analytic model in :mod:`mobrecon.traffic`. Mobile coverage is
ONNX Runtime's own usability check (one partition over 100% of nodes, per accelerator).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import typer

from mobrecon import Topology, create_model, to_deploy
from mobrecon.decoder import MeshDecoder
from mobrecon_bench.running.benchmark import run_benchmark
from mobrecon_bench.running.runners import OrtRunner, Runner, TorchRunner
from mobrecon_bench.results.schema import save_result

__all__ = ["DECODER_FORMS", "decoder_forms", "measure_peak_memory", "main"]

#: Decoder forms: name -> (DSConv form of the reference decoder, or deploy (upsample form, layout)).
DECODER_FORMS: dict[str, tuple[str, str] | str] = {
    "reference": "reference",
    "streamed": "streamed",
    "rows+mixed": ("mixed", "rows"),
    "rows+gather": ("gather", "rows"),
    "rows+dense": ("dense", "rows"),
    "rank4+gather": ("gather", "rank4"),
    "rank4+dense": ("dense", "rank4"),
}


def decoder_forms(model: torch.nn.Module) -> dict[str, torch.nn.Module]:
    """Every decoder form of ``model`` with its weights, eval mode; input [B, 49, 256] -> [B, 778, 3]."""
    out = {}
    for name, form in DECODER_FORMS.items():
        if isinstance(form, str):
            dec = MeshDecoder(model.topology, model.cfg.decoder_widths, model.cfg.mesh_conv, form)
            dec.load_state_dict(model.decoder.state_dict())
        else:
            dec = model.decoder.fuse(*form)
        out[name] = dec.eval()
    return out


def _seeded_densestack() -> torch.nn.Module:
    torch.manual_seed(0)
    return create_model("densestack", topology=Topology.synthetic()).eval()


def _vm(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{key} not in /proc/self/status")


def _peak_growth_mib(module: torch.nn.Module, x: torch.Tensor, repeats: int = 3) -> float:
    with torch.inference_mode():
        module(x)
        growth = []
        for _ in range(repeats):
            before = _vm("VmRSS:")
            Path("/proc/self/clear_refs").write_text("5")
            module(x)
            growth.append(_vm("VmHWM:") - before)
    return min(growth) / 2**20


def _memory_child() -> None:
    torch.set_num_threads(1)
    forms = decoder_forms(_seeded_densestack())
    x = torch.randn(1, 49, 256, generator=torch.Generator().manual_seed(0))
    print(json.dumps({name: _peak_growth_mib(mod, x) for name, mod in forms.items()}))


def measure_peak_memory() -> dict[str, float] | None:
    """Peak resident-memory growth (MiB) of one decoder forward per form, or None off Linux."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="16384", MALLOC_TRIM_THRESHOLD_="0")
    proc = subprocess.run([sys.executable, "-m", "mobrecon_bench.profiling.dsconv_forms", "--memory-child"], env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _export(module: torch.nn.Module, example: torch.Tensor, path: Path, names: tuple[list[str], list[str]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), str(path), input_names=names[0], output_names=names[1], opset_version=18, dynamo=False)
    return path


def _coverage(path: Path) -> dict[str, str]:
    """Usability verdict per accelerator, on the graph the exporter would ship for it: onnxsim'd,
    then the per-EP graph form (CoreML: GatherND for Gather, as :mod:`mobrecon_export.graph_rewrites`)."""
    import onnx

    from mobrecon_export.graph_rewrites import apply_graph_form
    from mobrecon_export.onnx_export import simplify
    from mobrecon_export.ort_export import check_partitions

    simplified, _ = simplify(onnx.load(str(path)))
    verdicts = {}
    for accelerator, form in (("NNAPI", "nnapi"), ("CoreML (ML Program)", "coreml")):
        form_path = path.with_suffix(f".{form}.onnx")
        onnx.save(apply_graph_form(simplified, form)[0], str(form_path))
        verdicts[accelerator] = check_partitions(form_path, accelerator).summary
    return verdicts


@dataclass(frozen=True)
class _Candidate:
    name: str
    torch_module: torch.nn.Module | None
    onnx_path: Path | None


def _runners(candidates: list[_Candidate], example: torch.Tensor) -> list[Runner]:
    runners: list[Runner] = []
    for c in candidates:
        if c.torch_module is not None:
            runners.append(TorchRunner(name=f"{c.name} (torch)", model_factory=_const(c.torch_module), example_inputs=(example,)))
        if c.onnx_path is not None:
            runners.append(OrtRunner(name=f"{c.name} (ort)", path=c.onnx_path))
    return runners


def _const(module: torch.nn.Module) -> Callable[[], torch.nn.Module]:
    return lambda: module


def _ratio_table(result, kind: str, threads: int) -> list[str]:
    """Rows of ``kind`` ("decoder" or "network") at ``threads``, each with its speed-up over the
    reference form on the same runtime (for ORT networks: the naive export of the reference form)."""
    lines = []
    for runtime in ("torch", "ort"):
        group = [r for r in result.records if r.threads == threads and r.status == "ok"
                 and r.artifact.name.startswith(f"{kind}:") and r.artifact.name.endswith(f"({runtime})")]
        base = next((r for r in group if r.artifact.name == f"{kind}:reference ({runtime})"), None)
        for r in group:
            ratio = base.median_ms / r.median_ms if base is not None else float("nan")
            lines.append(f"{r.artifact.name:<30} x{threads}  median {r.median_ms:8.3f} ms  p10 {r.p10_ms:8.3f}  p90 {r.p90_ms:8.3f}  "
                         f"rounds spread {r.round_spread_pct:5.1f}%  vs reference {ratio:5.2f}x")
    return lines


def main(
    threads: list[int] = typer.Option([1, 2], "--threads", help="Thread counts (interleaved)."),
    rounds: int = typer.Option(5, "--rounds", help="Fresh sessions per candidate."),
    time_budget_s: float = typer.Option(0.3, "--time-budget-s", help="Timed seconds per candidate per round."),
    out: Path | None = typer.Option(None, "--out", help="Write the benchmark result JSON here."),
    memory_child: bool = typer.Option(False, "--memory-child", hidden=True),
) -> None:
    """Measure every DSConv form and deploy layout; print latency, ratios, memory, traffic, coverage."""
    if memory_child:
        _memory_child()
        return
    from mobrecon.traffic import format_decoder_traffic

    model = _seeded_densestack()
    forms = decoder_forms(model)
    feats = torch.randn(1, 49, 256, generator=torch.Generator().manual_seed(0))
    image = torch.zeros(1, 3, 128, 128)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        decoder = [_Candidate(f"decoder:{n}", m, _export(m, feats, tmpdir / f"decoder-{n}.onnx", (["feats"], ["verts"]))) for n, m in forms.items()]
        network = [_Candidate("network:reference", model, _export(model, image, tmpdir / "network-reference.onnx", (["image"], ["verts", "uv"])))]
        for name, form in DECODER_FORMS.items():
            if not isinstance(form, str):
                deployed = to_deploy(model, *form)
                network.append(_Candidate(f"network:{name}", deployed if name == "rows+mixed" else None, _export(deployed, image, tmpdir / f"network-{name}.onnx", (["image"], ["verts", "uv"]))))
        coverage = {c.name: _coverage(c.onnx_path) for c in decoder + network if c.onnx_path is not None}
        result = run_benchmark(_runners(decoder, feats) + _runners(network, image), threads=threads, rounds=rounds, time_budget_s=time_budget_s, warmup=5, min_iters=10)
    if out is not None:
        save_result(result, out)
    print(f"\nhost: {result.device.cpu_model}, {result.device.logical_cores} cores; torch {torch.__version__}, onnxruntime {_ort_version()}")
    for t in threads:
        print(f"\n-- latency, {t} thread(s): decoder forms vs reference, network forms vs the naive reference export")
        print("\n".join(_ratio_table(result, "decoder", t) + _ratio_table(result, "network", t)))
    memory = measure_peak_memory()
    if memory is not None:
        print("\n-- peak resident-memory growth over one decoder forward, PyTorch eager, 1 thread (MiB)")
        print("\n".join(f"{k:<16} {v:6.2f}" for k, v in memory.items()))
    print("\n-- bytes moved per decoder layer (analytic, float32, ONNX graph; mobrecon.traffic)")
    print(format_decoder_traffic())
    print("\n-- ONNX Runtime mobile usability (one partition over every node = full coverage)")
    print("\n".join(f"{name:<24} {verdict}" for name, v in coverage.items() for verdict in v.values()))


def _ort_version() -> str:
    import onnxruntime

    return onnxruntime.__version__


if __name__ == "__main__":
    typer.run(main)
