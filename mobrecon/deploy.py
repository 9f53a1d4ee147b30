"""Deploy copy of a MobRecon model: one call, same weights, mobile-friendly graph.

Usage::

    fast = mobrecon.deploy.to_deploy(model)      # or model.deploy(); ``model`` is left untouched

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

from torch import nn

__all__ = ["to_deploy", "fuse_tree", "fuse_encoder_with_reorg"]


def fuse_tree(module: nn.Module) -> nn.Module:
    """Replace, in place and recursively, every child that has a ``fuse()`` method by its result.

    A child with ``fuse()`` is replaced whole (its ``fuse`` handles its own children); other
    children are walked. Returns ``module`` (call it on a copy to keep the original).
    """
    for name, child in list(module.named_children()):
        fuse = getattr(child, "fuse", None)
        if callable(fuse):
            setattr(module, name, fuse())
        else:
            fuse_tree(child)
    return module


def fuse_encoder_with_reorg(encoder: nn.Module, conv_path: str) -> nn.Module:
    """Deploy copy of an encoder whose ``reorg`` (space-to-depth) feeds a 1x1 conv at ``conv_path``.

    BatchNorm is folded everywhere (:func:`fuse_tree` on a copy), then the reorg is folded into
    that conv (:func:`mobrecon.fuse.fold_space_to_depth`) and replaced by an identity.

    Args:
        encoder: module with a ``reorg`` child; left untouched.
        conv_path: dotted path of the 1x1 conv after fusing, e.g. ``"thrink.0"``.
    """
    from mobrecon.fuse import fold_space_to_depth

    enc = fuse_tree(copy.deepcopy(encoder))
    parent_path, _, name = conv_path.rpartition(".")
    parent = enc.get_submodule(parent_path)
    setattr(parent, name, fold_space_to_depth(getattr(parent, name)))
    enc.reorg = nn.Identity()
    return enc


def to_deploy(model: nn.Module, upsample_form: str = "mixed", layout: str = "rows") -> nn.Module:
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
        A :class:`mobrecon.model.MobReconDeploy` with the same outputs.
    """
    from mobrecon.decoder import UPSAMPLE_FORMS
    from mobrecon.dsconv import DEPLOY_LAYOUTS
    from mobrecon.model import MobReconDeploy

    if upsample_form not in UPSAMPLE_FORMS or layout not in DEPLOY_LAYOUTS:
        raise ValueError(f"deploy form must be upsample_form in {UPSAMPLE_FORMS} and layout in {DEPLOY_LAYOUTS}, got {upsample_form!r}, {layout!r}")
    deployed = MobReconDeploy(
        encoder=model.encoder.fuse(),
        head2d=fuse_tree(copy.deepcopy(model.head2d)),
        lifting=model.lifting.fuse(),
        decoder=model.decoder.fuse(upsample_form, layout),
        card=model.card,
        topology=model.topology,
    )
    deployed.checkpoint_info = model.checkpoint_info
    return deployed.eval()
