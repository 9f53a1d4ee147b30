"""Deploy copy of a MobRecon model: one call, same weights, mobile-friendly graph.

Usage::

    from mobrecon import to_deploy
    fast = to_deploy(model)                       # ``model`` is left untouched

This module converts; the model files know nothing of their deploy forms (no import from a model
file leads here). Each encoder type has one converter in :data:`ENCODER_DEPLOY`; the shared
stages (2D head, lifting, decoder) use their blocks' ``fuse()`` methods.

What changes (each checked against the reference form in float64 by the tests, <= 1e-9):

- BatchNorm folded into the preceding conv / linear (:mod:`mobrecon.fuse`).
- Reorg (space-to-depth, a rank-6 reshape in the reference) folded into the next 1x1 conv,
  which becomes a 2x2 stride-2 conv: no reorg op at all.
- Pose pooling: explicit bilinear (tent) weights and two matmuls instead of ``grid_sample``.
- Squeeze-and-excitation as global average pool and 1x1 convs (:class:`mobrecon.blocks.SEBlockDeploy`).
- DenseStack: dense blocks without their growing concatenations, pooling before the SE gates,
  ``thrink2`` without its concat (:mod:`mobrecon.densestack_deploy`).
- Mesh upsampling: a constant dense matmul, a constant 3-tap gather, or both (``mixed``: matmul
  on the small coarse levels) instead of ``scatter_add``.
- Decoder on the ``rows`` layout ([B, N, C]: row gather, 9-tap weighted mean, MatMul; the xyz
  head with its tap weights folded into the MatMul) or the ``rank4`` layout ([B, C, 1, N]:
  gather, (1, 9) depthwise conv stride 9, 1x1 conv).
- No shape is read from the input as a tensor, so the graph has no Shape/Expand chains (the SE
  gates' resize reads map sizes as Python numbers: constants at a fixed export size).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

from mobrecon.decoder import UPSAMPLE_FORMS
from mobrecon.densestack import DenseStackEncoder
from mobrecon.densestack_deploy import deploy_densestack_encoder
from mobrecon.dsconv import DEPLOY_LAYOUTS
from mobrecon.fuse import fuse_encoder_with_reorg, fuse_tree
from mobrecon.ghoststack import GhostStackEncoder
from mobrecon.model import CheckpointInfo, MobRecon, check_input, param_dtype
from mobrecon.registry import ModelCard
from mobrecon.topology import Topology

__all__ = ["to_deploy", "MobReconDeploy", "ENCODER_DEPLOY", "deploy_ghoststack_encoder"]


class MobReconDeploy(nn.Module):
    """Deploy form of :class:`mobrecon.model.MobRecon` (built by :func:`to_deploy`).

    Same outputs as the source model; BatchNorm folded, reorg folded into a 2x2 stride-2 conv,
    pose pooling as explicit bilinear weights, mesh upsampling without scatter, the decoder on the
    ``rows`` [B, N, C] or ``rank4`` [B, C, 1, N] layout, no shape read from the input in Python
    (any batch in PyTorch; export at a fixed batch of 1).
    """

    def __init__(self, encoder: nn.Module, head2d: nn.Module, lifting: nn.Module, decoder: nn.Module, card: ModelCard, topology: Topology) -> None:
        super().__init__()
        self.encoder, self.head2d, self.lifting, self.decoder = encoder, head2d, lifting, decoder
        self.card, self.topology = card, topology
        self.checkpoint_info: CheckpointInfo | None = None

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Same contract as :meth:`mobrecon.model.MobRecon.forward`."""
        check_input(x, self.card.input_size, param_dtype(self))
        maps, latent = self.encoder(x)
        uv = self.head2d(maps)
        return {"verts": self.decoder(self.lifting(latent, uv)), "uv": uv}


def deploy_ghoststack_encoder(encoder: GhostStackEncoder) -> GhostStackEncoder:
    """Deploy copy of a GhostStack encoder: BatchNorm folded everywhere; reorg folded into
    ``thrink``'s primary 1x1 conv, which becomes a 2x2 stride-2 conv on the stem output."""
    return fuse_encoder_with_reorg(encoder, "thrink.primary_conv.0")


#: Encoder type -> the function that returns its deploy copy (the original is left untouched).
ENCODER_DEPLOY: dict[type[nn.Module], Callable[[nn.Module], nn.Module]] = {
    DenseStackEncoder: deploy_densestack_encoder,
    GhostStackEncoder: deploy_ghoststack_encoder,
}


def _deploy_encoder(encoder: nn.Module) -> nn.Module:
    for kind, convert in ENCODER_DEPLOY.items():
        if isinstance(encoder, kind):
            return convert(encoder)
    raise TypeError(f"no deploy form for encoder {type(encoder).__name__}; add it to mobrecon.deploy.ENCODER_DEPLOY")


def to_deploy(model: MobRecon, upsample_form: str = "mixed", layout: str = "rows") -> MobReconDeploy:
    """Deploy copy of a :class:`mobrecon.model.MobRecon` in eval mode; ``model`` is not modified.

    Args:
        model: the reference-form model.
        upsample_form: ``"gather"`` (constant 3-tap gather), ``"dense"`` (constant matmul) or
            ``"mixed"`` (matmul on the small coarse levels, gather on the others; the default,
            chosen by measurement).
        layout: decoder feature layout, ``"rows"`` ([B, N, C]) or ``"rank4"`` ([B, C, 1, N]).

    Raises:
        ValueError: for an unknown form or layout.

    Returns:
        A :class:`MobReconDeploy` with the same outputs.
    """
    if upsample_form not in UPSAMPLE_FORMS or layout not in DEPLOY_LAYOUTS:
        raise ValueError(f"deploy form must be upsample_form in {UPSAMPLE_FORMS} and layout in {DEPLOY_LAYOUTS}, got {upsample_form!r}, {layout!r}")
    deployed = MobReconDeploy(
        encoder=_deploy_encoder(model.encoder),
        head2d=fuse_tree(copy.deepcopy(model.head2d)),
        lifting=model.lifting.fuse(),
        decoder=model.decoder.fuse(upsample_form, layout),
        card=model.card,
        topology=model.topology,
    )
    deployed.checkpoint_info = model.checkpoint_info
    return deployed.eval()
