"""Per-layer profile of the deploy-form ONNX file against the naive export, and what closes the gap.

Usage::

    from mobrecon_bench.profiling.profiling import profile_export

    report = profile_export()                        # built-in default densestack, exported now
    report = profile_export("exports/densestack", threads=1, iterations=50)
    print(report.format())                           # Markdown

For each export folder: the deploy-form ``.onnx`` fp32 file and ``torch.onnx.export`` of the
reference form (built into a temp folder) are profiled with ONNX Runtime's own profiler
(``mobrecon_bench.profiling.ort_profile``) at the same thread count, and this host's fp32 matrix-product rate
through ONNX Runtime at that thread count is measured once. The report gives, per variant:

- both profiles (per op kind with multiply-adds, achieved rate and fraction of the floor; per
  module scope; slowest nodes);
- a side-by-side table of kernel time per kind (naive, deploy, difference): where the deploy
  form's speedup comes from and what it added;
- the budget: the deploy run time that a 1.5x speedup over the naive export needs, the run time
  that 60% of the floor needs, the time at the floor for the model's multiply-adds, and the time
  spent in kinds that do no multiply-adds (data movement: gathers, means, concats, reorders),
  which is where a gap to either target sits when the convolutions already run near the floor.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mobrecon_bench.errors import BenchmarkError
from mobrecon_bench.profiling.ort_profile import OrtProfile, profile_onnx, render_profiles
from mobrecon_bench.results.run_targets import RUN_TARGETS, FloorTarget, SpeedupTarget
from mobrecon_bench.running.suite import ExportFolder, export_folders, load_export

__all__ = ["VariantProfile", "ProfileReport", "profile_export"]

Log = Callable[[str], None]


@dataclass
class VariantProfile:
    """Deploy-form and naive-export profiles of one variant.

    Attributes:
        variant: e.g. "densestack".
        deploy: profile of the deploy-form ``.onnx`` fp32 file.
        naive: profile of the naive export of the reference form.
        mult_adds: the variant's multiply-adds (cost counter, paper convention).
    """

    variant: str
    deploy: OrtProfile
    naive: OrtProfile
    mult_adds: int


@dataclass
class ProfileReport:
    """Result of :func:`profile_export`.

    Attributes:
        variants: one entry per export folder.
        floor_mult_adds_per_s: this host's fp32 matrix-product rate through ONNX Runtime at ``threads``.
        threads: intra-op threads of every profile.
        min_speedup: the in-run speedup target (deploy vs naive), x.
        min_floor_fraction: the in-run compute-floor target, 0..1.
    """

    variants: list[VariantProfile]
    floor_mult_adds_per_s: float
    threads: int
    min_speedup: float
    min_floor_fraction: float

    def format(self, top: int = 12) -> str:
        """Markdown: budget and side-by-side table per variant, then the full profiles."""
        lines = [f"# ONNX Runtime profile, {self.threads} thread(s)", "",
                 f"Host fp32 matrix-product rate through ONNX Runtime at {self.threads} thread(s): "
                 f"{self.floor_mult_adds_per_s / 1e9:.1f} GMAC/s (512x512, median of 5 runs).", ""]  # fmt: skip
        for v in self.variants:
            lines += self._budget(v) + [""] + self._side_by_side(v) + [""]
        for v in self.variants:
            lines.append(render_profiles([v.deploy, v.naive], floor_mult_adds_per_s=self.floor_mult_adds_per_s, top=top))
        return "\n".join(lines)

    def _budget(self, v: VariantProfile) -> list[str]:
        at_floor = v.mult_adds / self.floor_mult_adds_per_s * 1000.0
        need_speedup = v.naive.run_ms / self.min_speedup
        need_floor = at_floor / self.min_floor_fraction
        data = [r for r in v.deploy.by_kind() if r.mult_adds == 0]
        data_ms = sum(r.total_ms for r in data)
        top = ", ".join(f"{r.kind} {r.total_ms:.2f} ms" for r in data[:6])
        macs = [r for r in v.deploy.by_kind() if r.mult_adds > 0]
        macs_ms = sum(r.total_ms for r in macs)
        return [
            f"## {v.variant}",
            "",
            f"- Run time with the profiler on: deploy {v.deploy.run_ms:.3f} ms, naive export {v.naive.run_ms:.3f} ms "
            f"(speedup {v.naive.run_ms / v.deploy.run_ms:.2f}x).",
            f"- {v.mult_adds / 1e6:.1f} M multiply-adds at the floor: {at_floor:.2f} ms. The {self.min_speedup:g}x target "
            f"needs the deploy run at or under {need_speedup:.2f} ms; {self.min_floor_fraction:.0%} of the floor needs "
            f"{need_floor:.2f} ms.",
            f"- Deploy kernels that do multiply-adds: {macs_ms:.2f} ms "
            f"({sum(r.mult_adds for r in macs) / (macs_ms / 1000.0) / self.floor_mult_adds_per_s:.0%} of the floor "
            f"over them). Kernels that do none (data movement): {data_ms:.2f} ms, largest: {top}.",
            f"- Gap to the speedup target: {max(0.0, v.deploy.run_ms - need_speedup):.2f} ms; to the floor target: "
            f"{max(0.0, v.deploy.run_ms - need_floor):.2f} ms.",
        ]

    @staticmethod
    def _side_by_side(v: VariantProfile) -> list[str]:
        naive = {r.kind: r for r in v.naive.by_kind()}
        deploy = {r.kind: r for r in v.deploy.by_kind()}
        kinds = sorted(set(naive) | set(deploy), key=lambda k: -max(naive[k].total_ms if k in naive else 0.0,
                                                                     deploy[k].total_ms if k in deploy else 0.0))  # fmt: skip
        rows = []
        for k in kinds:
            a = naive[k].total_ms if k in naive else 0.0
            b = deploy[k].total_ms if k in deploy else 0.0
            if max(a, b) >= 0.02:
                rows.append(f"| {k} | {a:.3f} | {b:.3f} | {b - a:+.3f} |")
        return ["Kernel time per kind, ms per inference (naive export vs deploy form):", "",
                "| kind | naive | deploy | deploy - naive |", "|---|---|---|---|", *rows]  # fmt: skip


def _targets() -> tuple[float, float]:
    speedup = next(t.min_ratio for t in RUN_TARGETS if isinstance(t, SpeedupTarget))
    fraction = next(t.min_fraction for t in RUN_TARGETS if isinstance(t, FloorTarget))
    return speedup, fraction


def _deploy_onnx(folder: ExportFolder) -> Path:
    entry = next((a for a in folder.manifest.artifacts if a.target == "onnx" and a.precision == "fp32"), None)
    if entry is None:
        raise BenchmarkError(f"{folder.folder} has no fp32 .onnx artifact to profile (export with --targets onnx)")
    return folder.folder / entry.file


def profile_export(
    directory: str | Path | None = None,
    *,
    variants: Sequence[str] = ("densestack",),
    threads: int = 1,
    iterations: int = 50,
    warmup: int = 10,
    log: Log = lambda m: None,
) -> ProfileReport:
    """Profile the deploy-form ONNX file and the naive export of each export folder.

    Args:
        directory: export folder (or folder of export folders); None exports the built-in default
            ``variants`` (``onnx`` fp32 only) into a temp folder.
        variants: variants exported when ``directory`` is None.
        threads: intra-op threads.
        iterations: profiled runs per model, after ``warmup`` untimed runs.
        warmup: untimed runs per model.
        log: callback for setup messages.

    Returns:
        ProfileReport (``.format()`` gives Markdown).

    Raises:
        BenchmarkError: missing or changed export folder, no fp32 ``.onnx`` in it, bad option.
    """
    from mobrecon_bench.running.host import measure_compute_floor
    from mobrecon_bench.running.naive_onnx import export_naive_onnx
    from mobrecon.profile import profile_variant

    if threads < 1 or iterations < 1 or warmup < 0:
        raise BenchmarkError(f"threads and iterations must be at least 1 and warmup 0 or more, got {threads}, {iterations}, {warmup}")
    speedup, fraction = _targets()
    out = []
    with tempfile.TemporaryDirectory(prefix="mobrecon-profile-") as tmp:
        if directory is None:
            from mobrecon_export.pipeline import export_model

            paths = []
            for variant in variants:
                log(f"exporting the built-in default {variant} (onnx fp32) to a temp folder")
                paths.append(export_model(variant=variant, targets="onnx", precision="fp32", out=Path(tmp) / variant,
                                          skip_verify=True, progress=False).out_dir)  # fmt: skip
        else:
            paths = export_folders(directory)
        for path in paths:
            folder = load_export(path, log)
            naive = export_naive_onnx(folder.model, Path(tmp) / f"mobrecon-{folder.variant}.naive.fp32.onnx",
                                      input_size=folder.model.card.input_size)  # fmt: skip
            log(f"profiling {folder.variant}: deploy form and naive export, {iterations} runs each")
            out.append(VariantProfile(folder.variant, profile_onnx(_deploy_onnx(folder), threads=threads, iterations=iterations,
                                                                   warmup=warmup),
                                      profile_onnx(naive, threads=threads, iterations=iterations, warmup=warmup),
                                      profile_variant(folder.variant).total_mult_adds))  # fmt: skip
    (floor,) = measure_compute_floor(runtimes=("onnxruntime",), threads=[threads])
    return ProfileReport(out, floor.mult_adds_per_s, threads, speedup, fraction)
