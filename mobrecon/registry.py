"""Variant registry: named constructors and their model cards (provenance and input contract).

Usage::

    from mobrecon import create_model, list_models
    list_models()                                   # ['densestack', 'densestack-dsconv-2022', ...]
    model = create_model("densestack", topology=Topology.synthetic())

A constructor is registered with :func:`register_model` together with a :class:`ModelCard`;
the names are the CLI's ``--variant`` choices. Model files register themselves when imported
(``import mobrecon`` imports them all); this module imports no model.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable

from torch import nn

from mobrecon.errors import MobReconError

__all__ = ["ModelCard", "register_model", "create_model", "list_models", "get_model_card"]

HANDMESH_REPO = "https://github.com/SeanChenxy/HandMesh"
HANDMESH_COMMIT = "3c87e958d4855f890e3884ec94bcfc0f99422c3d"
HANDMESH_WEIGHTS = "https://drive.google.com/drive/folders/1MIE0Jo01blG6RWo2trQbXlQ92tMOaLx_"


@dataclass(frozen=True)
class ModelCard:
    """What a variant is, where its weights come from, and what it expects and returns.

    Attributes:
        name: registry name (CLI choice).
        description: one line.
        weights: ``"handmesh"`` when official weights of this layout exist, ``"untrained"`` when
            none are published (GhostStack).
        checkpoint_url: where the official weights are published, or None.
        checkpoint_file: the official file name, or None.
        checkpoint_sha256: sha256 of the official file, or None where it could not be seen.
        license: code licence of the reference.
        reference: repository and file the layout comes from.
        input_size: square input side in pixels.
        input_mean, input_std: RGB normalisation applied to pixels scaled to [0, 1]:
            ``(pixel / 255 - mean) / std``, giving [-1, 1].
        outputs: output name -> shape and unit.
    """

    name: str
    description: str
    weights: str
    checkpoint_url: str | None = None
    checkpoint_file: str | None = None
    checkpoint_sha256: str | None = None
    license: str = "MIT (HandMesh); mesh topology is MANO-derived"
    reference: str = f"{HANDMESH_REPO} @ {HANDMESH_COMMIT[:7]}"
    input_size: int = 128
    input_mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    input_std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    outputs: dict[str, str] = field(default_factory=lambda: dict(OUTPUT_UNITS))

    @property
    def tag(self) -> str:
        """``name.weights``, e.g. ``ghoststack.untrained`` (timm's ``arch.tag``)."""
        return f"{self.name}.{self.weights}"


#: Output contract shared by every variant.
OUTPUT_UNITS = {
    "verts": "[B, 778, 3] float32, MANO-topology vertices, root-relative (wrist), camera axes, units of 0.2 m (x0.2 = metres, x200 = mm)",
    "uv": "[B, 21, 2] float32, 2D joints (x, y) in the 128-px crop divided by 128 (x128 = pixels), FreiHAND/MPII order, not clamped",
}


@dataclass(frozen=True)
class _Entry:
    card: ModelCard
    constructor: Callable[..., nn.Module]


_REGISTRY: dict[str, _Entry] = {}


def register_model(card: ModelCard) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    """Decorator recording ``fn`` as the constructor of ``card.name``."""

    def wrap(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if card.name in _REGISTRY:
            raise RuntimeError(f"variant {card.name!r} registered twice")
        _REGISTRY[card.name] = _Entry(card, fn)
        return fn

    return wrap


def list_models() -> list[str]:
    """Registered variant names, sorted."""
    return sorted(_REGISTRY)


def _entry(name: str) -> _Entry:
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise MobReconError(f"unknown variant {name!r}{hint} (choose from {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[name]


def get_model_card(name: str) -> ModelCard:
    """The model card of a registered variant."""
    return _entry(name).card


def create_model(name: str, **overrides: Any) -> nn.Module:
    """Build a registered variant with random (seeded by the caller) weights.

    Args:
        name: variant name from :func:`list_models`.
        **overrides: keyword arguments of the variant's constructor (``topology=``, ``dsconv_form=``...).

    Raises:
        MobReconError: for an unknown name, suggesting the closest one.
    """
    return _entry(name).constructor(**overrides)
