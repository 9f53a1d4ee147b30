"""Model description for ``mobrecon info``: layout, parameter count, topology source."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from mobrecon.registry import create_model, get_model_card, list_models
from mobrecon.topology import Topology

__all__ = ["ModelReport", "describe_model", "list_variant_cards", "seeded_model"]

#: Seed of the built-in default weights (no checkpoint given).
DEFAULT_SEED = 0


@dataclass(frozen=True)
class ModelReport:
    """What ``mobrecon info`` prints.

    Attributes:
        variant: registered variant name.
        layout: checkpoint layout (or ``"seeded random weights"``).
        weights: where the weights come from.
        parameters: parameters of the built model (what forward uses; BatchNorm included).
        parameters_without_bn: the paper's convention (BatchNorm affine parameters excluded).
        topology: one line on the mesh, saying whether it is synthetic.
        topology_sha256: content hash of the topology.
        dropped_keys: checkpoint keys the forward never uses (dropped at load).
        notes: what the loader did.
    """

    variant: str
    layout: str
    weights: str
    parameters: int
    parameters_without_bn: int
    topology: str
    topology_sha256: str
    dropped_keys: int
    notes: tuple[str, ...]

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        lines = [
            f"variant      {self.variant}",
            f"layout       {self.layout}",
            f"weights      {self.weights}",
            f"parameters   {self.parameters:,} ({self.parameters_without_bn:,} without BatchNorm, the paper's count)",
            f"topology     {self.topology}",
        ]
        if self.dropped_keys:
            lines.append(f"dropped      {self.dropped_keys} unused checkpoint keys")
        lines += [f"note         {n}" for n in self.notes]
        return "\n".join(lines)


def seeded_model(variant: str, topology: Topology, seed: int = DEFAULT_SEED) -> torch.nn.Module:
    """The built-in default: ``variant`` with seeded, conditioned random weights, eval mode.

    Conditioned (:func:`mobrecon.init.condition_weights`) so that outputs have the scale of real
    ones (vertices spread ~0.25 units, 2D joints ~O(1)); still random: it predicts no hand.
    """
    from mobrecon.init import condition_weights

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return condition_weights(create_model(variant, topology=topology), seed=seed)


def _count(model: torch.nn.Module) -> tuple[int, int]:
    total = sum(p.numel() for p in model.parameters())
    bn = sum(p.numel() for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for p in m.parameters())
    return total, total - bn


def describe_model(checkpoint: Path | None, variant: str, topology: Topology) -> ModelReport:
    """Build (or load) a model and describe it.

    Args:
        checkpoint: checkpoint path; None builds ``variant`` with seeded random weights.
        variant: variant name (ignored when a checkpoint is given: its layout decides).
        topology: mesh topology.
    """
    from mobrecon.checkpoint import load_checkpoint

    if checkpoint is not None:
        model = load_checkpoint(checkpoint, topology=topology)
        info = model.checkpoint_info
        layout, weights = info.layout, f"{info.source} (sha256 {info.sha256[:12] if info.sha256 else '-'})"
        dropped, notes = len(info.dropped_keys), info.notes
        variant = model.card.name
    else:
        model = seeded_model(variant, topology)
        card = get_model_card(variant)
        layout, weights = f"{variant} (built-in)", f"seeded, conditioned random weights (seed {DEFAULT_SEED}; {card.tag}): runs end to end, predicts no hand"
        dropped, notes = 0, ()
    total, without_bn = _count(model)
    return ModelReport(variant, layout, weights, total, without_bn, topology.describe(), topology.sha256(), dropped, tuple(notes))


def list_variant_cards() -> list[dict]:
    """Every registered variant's card as a dict."""
    out = []
    for name in list_models():
        card = get_model_card(name)
        out.append({"name": name, "tag": card.tag, "description": card.description, "checkpoint_file": card.checkpoint_file})
    return out
