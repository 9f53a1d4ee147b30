"""Cost counter: multiply-adds, parameters and bytes per layer and per stage, in the paper's convention.

Usage::

    from mobrecon.profile import profile_variant
    report = profile_variant("ghoststack")
    print(report.format())                 # per-stage table; report.format(layers=True) adds rows
    report.total_mult_adds, report.to_dict()

Convention (MobRecon, arXiv 2112.02753, Table 4; reproduces 439.9M / 8.1M for DenseStack exactly,
see ``shared/reference/PAPER.md`` section 2.1): multiply-adds of every ``nn.Conv2d`` call
(output elements x in/groups x kh x kw) and ``nn.Linear`` call (output elements x in_features)
at batch 1 and 128x128, counted with forward hooks on the reference-form model. BatchNorm,
activations, pooling, interpolation, SE scaling, grid_sample, the PVL matmul and the mesh
upsampling are not counted; the last three are listed apart, analytically, and are **not in the
total**. Parameters are those of the forward pass without BatchNorm (our models build no unused
modules, so: every non-BatchNorm parameter of a called Conv2d / Linear, plus free parameters).

Stages (``STAGES``), by module name:

- ``encoder``: stem ... last hourglass (PAPER.md 6.3 "encoder"). The encoder's latent projection
  ``mid_proj`` is counted with the head, as the paper's cost tables do.
- ``head2d``: ``encoder.mid_proj`` + the MapReg head (``reduce`` and MLP).
- ``lifting``: pose pooling and PVL (only the 2022 layout's ``latent_conv`` has multiply-adds).
- ``decoder``: DSConv / SpiralConv layers, plus the PVL matrix ``lifting.pvl`` [49, 21] (its
  1,029 parameters are in the paper's 0.1M decoder figure).

The stem is the encoder child ``pre_layer`` (DenseStack) or ``stem`` (GhostStack); the report
also gives the encoder without it (PAPER.md 2.3: the paper's 373.0M fits only that boundary).
Bytes are at float32 whatever the model's dtype: activations read (every input tensor of the call)
and written (its output), and weight bytes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from mobrecon.model import MobRecon

__all__ = ["LayerCost", "StageCost", "UncountedOp", "CostReport", "profile_model", "profile_variant", "STAGES"]

#: Stage names in forward order.
STAGES = ("encoder", "head2d", "lifting", "decoder")
#: Encoder children that form the stem (DenseStack, GhostStack).
STEM_MODULES = ("pre_layer", "stem")
#: Encoder children counted in the ``head2d`` stage (the latent projection).
HEAD_MODULES = ("mid_proj",)
#: Parameters counted in another stage than their module's: the PVL matrix belongs to the decoder.
STAGE_OVERRIDES = {"lifting.pvl": "decoder"}
#: Bytes per element: costs are reported at float32.
FLOAT32_BYTES = 4


@dataclass(frozen=True)
class LayerCost:
    """One counted call (or one free parameter).

    Attributes:
        name: module (or parameter) name in the model.
        op: e.g. ``"Conv2d 3x3 s2"``, ``"Conv2d 3x3 dw"``, ``"Linear"``, ``"Parameter"``.
        stage: one of :data:`STAGES`.
        stem: part of the encoder's stem.
        mult_adds: multiply-adds of the call.
        params: parameters (counted on a module's first call only).
        read_bytes: input activation bytes at float32.
        written_bytes: output activation bytes at float32.
        weight_bytes: parameter bytes at float32.
    """

    name: str
    op: str
    stage: str
    stem: bool
    mult_adds: int
    params: int
    read_bytes: int
    written_bytes: int
    weight_bytes: int


@dataclass(frozen=True)
class StageCost:
    """Sum of :class:`LayerCost` rows over a stage or a named boundary."""

    name: str
    mult_adds: int
    params: int
    read_bytes: int
    written_bytes: int
    weight_bytes: int

    @classmethod
    def of(cls, name: str, layers: list[LayerCost] | tuple[LayerCost, ...]) -> "StageCost":
        fields = ("mult_adds", "params", "read_bytes", "written_bytes", "weight_bytes")
        return cls(name, *(sum(getattr(layer, f) for layer in layers) for f in fields))


@dataclass(frozen=True)
class UncountedOp:
    """A functional op the paper's convention leaves out; analytic, not in any total.

    Attributes:
        name: what it is.
        stage: where it runs.
        mult_adds: multiply-adds at batch 1.
        formula: how ``mult_adds`` was computed.
    """

    name: str
    stage: str
    mult_adds: int
    formula: str


@dataclass(frozen=True)
class CostReport:
    """Costs of one model at batch 1. Totals are properties over ``layers``.

    Attributes:
        model: variant name (or class name for an unregistered model).
        input_size: square input side in pixels.
        layers: counted calls in call order, then free parameters.
        uncounted: functional ops outside the convention (not in the totals).
    """

    model: str
    input_size: int
    layers: tuple[LayerCost, ...]
    uncounted: tuple[UncountedOp, ...] = ()

    @property
    def total(self) -> StageCost:
        return StageCost.of("total", self.layers)

    @property
    def total_mult_adds(self) -> int:
        return self.total.mult_adds

    @property
    def total_params(self) -> int:
        return self.total.params

    def stage(self, name: str) -> StageCost:
        """Totals of one stage of :data:`STAGES`."""
        if name not in STAGES:
            raise ValueError(f"unknown stage {name!r}; choose one of {STAGES}")
        return StageCost.of(name, [layer for layer in self.layers if layer.stage == name])

    @property
    def stages(self) -> tuple[StageCost, ...]:
        return tuple(self.stage(name) for name in STAGES)

    @property
    def boundaries(self) -> tuple[StageCost, ...]:
        """Other encoder boundaries the paper's figures may use (PAPER.md 2.3)."""
        enc = [layer for layer in self.layers if layer.stage == "encoder"]
        return (
            StageCost.of("encoder without stem", [layer for layer in enc if not layer.stem]),
            StageCost.of("stem", [layer for layer in enc if layer.stem]),
            StageCost.of("forward_encoder (encoder + mid_proj)", enc + [layer for layer in self.layers if layer.name.startswith("encoder.")
                                                                        and layer.stage != "encoder"]),
            StageCost.of("backbone (encoder + head2d)", [layer for layer in self.layers if layer.stage in ("encoder", "head2d")]),
        )

    def to_dict(self) -> dict:
        """JSON-able dict: model, convention, stages, boundaries, total, uncounted ops, layers."""
        return {
            "model": self.model,
            "input_size": self.input_size,
            "batch": 1,
            "convention": "Conv2d + Linear multiply-adds; params without BatchNorm; bytes at float32",
            "stages": {s.name: _costs(s) for s in self.stages},
            "boundaries": {b.name: _costs(b) for b in self.boundaries},
            "total": _costs(self.total),
            "uncounted_not_in_total": [asdict(op) for op in self.uncounted],
            "layers": [asdict(layer) for layer in self.layers],
        }

    def format(self, layers: bool = False) -> str:
        """Readable table: per-stage totals, boundaries, total, uncounted ops; per-layer rows if ``layers``."""
        lines = [f"{self.model}: batch 1, 3x{self.input_size}x{self.input_size}; Conv2d + Linear multiply-adds, "
                 "params without BatchNorm, bytes at float32"]
        if layers:
            width = max(len(layer.name) for layer in self.layers)
            lines.append(f"{'layer':{width}s} {'op':14s} {'stage':8s}{_HEADER}")
            lines += [f"{layer.name:{width}s} {layer.op:14s} {layer.stage + ('*' if layer.stem else ''):8s}"
                      f"{_numbers(layer)}" for layer in self.layers]
            lines.append("(* = stem)\n")
        lines.append(f"{'stage':42s}{_HEADER}")
        lines += [_row(s.name, s) for s in self.stages]
        lines.append(_row("total", self.total))
        lines.append("boundaries:")
        lines += [_row("  " + b.name, b) for b in self.boundaries]
        if self.uncounted:
            lines.append("not counted by the convention (analytic, NOT in the total):")
            lines += [f"  {op.name:40s} {op.mult_adds:13,d}  ({op.stage}; {op.formula})" for op in self.uncounted]
        return "\n".join(lines)


def _costs(s: StageCost) -> dict[str, int]:
    return {k: v for k, v in asdict(s).items() if k != "name"}


_HEADER = f" {'Mult-Adds':>13s} {'params':>11s} {'act read MB':>12s} {'act write MB':>12s} {'weight MB':>10s}"


def _numbers(c: LayerCost | StageCost) -> str:
    return (f" {c.mult_adds:13,d} {c.params:11,d} {c.read_bytes / 1e6:12.3f} "
            f"{c.written_bytes / 1e6:12.3f} {c.weight_bytes / 1e6:10.3f}")


def _row(label: str, c: LayerCost | StageCost) -> str:
    return f"{label:42s}{_numbers(c)}"


def _stage_of(name: str) -> tuple[str, bool]:
    """(stage, in stem) of a module or parameter name."""
    if name in STAGE_OVERRIDES:
        return STAGE_OVERRIDES[name], False
    parts = name.split(".")
    if parts[0] in STAGES[1:]:
        return parts[0], False
    if parts[0] == "encoder":  # names outside the stage prefixes: a bare encoder is being profiled
        parts = parts[1:]
    if parts and parts[0] in HEAD_MODULES:
        return "head2d", False
    return "encoder", bool(parts) and parts[0] in STEM_MODULES


def _op_name(module: nn.Module) -> str:
    if isinstance(module, nn.Linear):
        return "Linear"
    kh, kw = module.kernel_size
    op = f"Conv2d {kh}x{kw}"
    if module.stride != (1, 1):
        op += f" s{module.stride[0]}" if module.stride[0] == module.stride[1] else f" s{module.stride}"
    if module.groups > 1:
        op += " dw" if module.groups == module.in_channels == module.out_channels else f" g{module.groups}"
    return op


def _mult_adds(module: nn.Module, out: torch.Tensor) -> int:
    if isinstance(module, nn.Linear):
        return out.numel() * module.in_features
    kh, kw = module.kernel_size
    return out.numel() * (module.in_channels // module.groups) * kh * kw


def _uncounted(model: nn.Module) -> tuple[UncountedOp, ...]:
    if not isinstance(model, MobRecon):
        return ()
    cfg, topo = model.cfg, model.topology
    joints, chs, coarse = cfg.num_joints, cfg.latent_chs, topo.num_verts[-1]
    widths = cfg.decoder_widths
    ups = []
    for lvl in reversed(range(len(widths))):
        c = widths[lvl + 1] if lvl + 1 < len(widths) else chs
        ups.append((topo.up[lvl].row.size, c, topo.num_verts[lvl]))
    up_total = sum(nnz * c for nnz, c, _ in ups)
    up_formula = " + ".join(f"{nnz}x{c}" for nnz, c, _ in ups)
    return (
        UncountedOp("pose pooling (bilinear grid_sample)", "lifting", joints * chs * 4, f"{joints} joints x {chs} ch x 4 taps"),
        UncountedOp("PVL matmul", "lifting", coarse * joints * chs, f"{coarse} verts x {joints} joints x {chs} ch"),
        UncountedOp("mesh upsampling (scatter_add)", "decoder", up_total, f"nnz x channels: {up_formula}"),
    )


@torch.no_grad()
def profile_model(model: nn.Module, input_size: int = 128, name: str | None = None) -> CostReport:
    """Count the costs of one forward pass at batch 1 (see the module docstring for the convention).

    Args:
        model: a reference-form model taking [1, 3, input_size, input_size] in its parameter dtype
            (a :class:`MobRecon`, or any module built from Conv2d / Linear layers).
        input_size: square input side in pixels.
        name: label of the report (default: the model card's name, else the class name).

    Returns:
        The :class:`CostReport`. The model is left as it was (mode and weights; hooks removed).
    """
    calls: list[LayerCost] = []
    seen: set[int] = set()
    names = {id(m): n for n, m in model.named_modules()}

    def hook(module: nn.Module, inputs: tuple, out: torch.Tensor) -> None:
        layer_name = names[id(module)]
        stage, stem = _stage_of(layer_name)
        params = 0 if id(module) in seen else sum(p.numel() for p in module.parameters(recurse=False))
        seen.add(id(module))
        read = sum(t.numel() for t in inputs if isinstance(t, torch.Tensor)) * FLOAT32_BYTES
        calls.append(LayerCost(layer_name, _op_name(module), stage, stem, _mult_adds(module, out), params,
                               read, out.numel() * FLOAT32_BYTES, params * FLOAT32_BYTES))

    counted = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    handles = [m.register_forward_hook(hook) for m in counted]
    was_training = model.training
    try:
        dtype = next(model.parameters(), torch.empty(0)).dtype
        model.eval()(torch.zeros(1, 3, input_size, input_size, dtype=dtype))
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    skip = {id(m) for m in counted} | {id(m) for m in model.modules() if isinstance(m, nn.modules.batchnorm._NormBase)}
    for mod_name, module in model.named_modules():
        if id(module) in skip:
            continue
        for p_name, p in module.named_parameters(recurse=False):
            full = f"{mod_name}.{p_name}" if mod_name else p_name
            stage, stem = _stage_of(full)
            calls.append(LayerCost(full, "Parameter", stage, stem, 0, p.numel(), 0, 0, p.numel() * FLOAT32_BYTES))
    card = getattr(model, "card", None)
    label = name or (card.name if card is not None else type(model).__name__)
    return CostReport(label, input_size, tuple(calls), _uncounted(model))


def profile_variant(name: str) -> CostReport:
    """Costs of a registered variant, built on :meth:`Topology.synthetic` (counts depend only on level sizes).

    Raises:
        MobReconError: unknown variant name (with the closest match).
    """
    from mobrecon.registry import create_model
    from mobrecon.topology import Topology

    return profile_model(create_model(name, topology=Topology.synthetic()), name=name)
