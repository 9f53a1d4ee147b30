"""Folding math for deploy forms, in one place: BatchNorm into the preceding conv or linear layer,
space-to-depth into the next 1x1 conv, and the walkers that apply blocks' ``fuse()`` over a tree.

Each helper returns a new layer computed under ``torch.no_grad`` in the parameters' dtype;
the inputs are left untouched. Exactness: folding is algebraically exact; the results differ
from the unfused form only by floating-point rounding (<= 1e-12 relative in float64).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["fuse_conv_bn", "fuse_linear_bn", "bn_scale_shift", "fold_space_to_depth", "fuse_tree", "fuse_encoder_with_reorg"]


def bn_scale_shift(bn: nn.BatchNorm1d | nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel (scale, shift) with ``bn(x) == x * scale + shift`` in eval mode.

    Returns:
        scale: [C], shift: [C], both in the BatchNorm's parameter dtype.
    """
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    shift = bn.bias - bn.running_mean * scale
    return scale, shift


@torch.no_grad()
def fuse_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A Conv2d equal to ``bn(conv(x))`` in eval mode (weight scaled per output channel, bias added)."""
    scale, shift = bn_scale_shift(bn)
    fused = nn.Conv2d(
        conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
        conv.dilation, conv.groups, bias=True, device=conv.weight.device, dtype=conv.weight.dtype,
    )
    fused.weight.copy_(conv.weight * scale.reshape(-1, 1, 1, 1))
    bias = conv.bias if conv.bias is not None else torch.zeros_like(shift)
    fused.bias.copy_(bias * scale + shift)
    return fused


@torch.no_grad()
def fuse_linear_bn(linear: nn.Linear, bn: nn.BatchNorm1d) -> nn.Linear:
    """A Linear equal to ``bn(linear(x))`` in eval mode."""
    scale, shift = bn_scale_shift(bn)
    fused = nn.Linear(linear.in_features, linear.out_features, bias=True, device=linear.weight.device, dtype=linear.weight.dtype)
    fused.weight.copy_(linear.weight * scale[:, None])
    bias = linear.bias if linear.bias is not None else torch.zeros_like(shift)
    fused.bias.copy_(bias * scale + shift)
    return fused


@torch.no_grad()
def fold_space_to_depth(conv: nn.Conv2d, block: int = 2) -> nn.Conv2d:
    """Fold ``pixel_unshuffle(x, block)`` into the following 1x1 conv.

    ``conv(pixel_unshuffle(x, b))`` with a 1x1 conv on ``C * b * b`` channels equals a
    ``b x b`` stride-``b`` conv on ``C`` channels whose weight is the 1x1 weight reshaped to
    ``[O, C, b, b]`` (pixel_unshuffle's channel index is ``c * b * b + dy * b + dx``). Exact.
    """
    if conv.kernel_size != (1, 1) or conv.groups != 1 or conv.in_channels % (block * block):
        raise ValueError("fold_space_to_depth needs a dense 1x1 conv whose inputs divide by block**2")
    fused = nn.Conv2d(conv.in_channels // (block * block), conv.out_channels, block, block,
                      bias=conv.bias is not None, device=conv.weight.device, dtype=conv.weight.dtype)
    fused.weight.copy_(conv.weight.reshape(conv.out_channels, -1, block, block))
    if conv.bias is not None:
        fused.bias.copy_(conv.bias)
    return fused


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
    that conv (:func:`fold_space_to_depth`) and replaced by an identity.

    Args:
        encoder: module with a ``reorg`` child; left untouched.
        conv_path: dotted path of the 1x1 conv after fusing, e.g. ``"thrink.0"``.
    """
    enc = fuse_tree(copy.deepcopy(encoder))
    parent_path, _, name = conv_path.rpartition(".")
    parent = enc.get_submodule(parent_path)
    setattr(parent, name, fold_space_to_depth(getattr(parent, name)))
    enc.reorg = nn.Identity()
    return enc
