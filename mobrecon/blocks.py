"""Small convolutional blocks shared by the MobRecon encoders (DenseStack, GhostStack).

Module and parameter names follow the HandMesh reference (``conv_layer`` as a Sequential with
the conv at index 0 and BatchNorm at index 1, ``mobile_unit`` with ``conv3x3``/``conv1x1``,
``SenetBlock`` with ``fc1``/``fc2``), so published checkpoints load with prefix renames only.
Every block with a faster inference form has one ``fuse()`` method returning it; the folding
math lives in :mod:`mobrecon.fuse`.
"""

from __future__ import annotations

import copy
import math
from typing import Type

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ConvBnAct", "LinearBnAct", "MobileUnit", "SEBlock", "SEBlockDeploy", "Reorg", "GhostModule", "BN_EPS", "broadcast_hw"]

#: BatchNorm epsilon used by every reference BatchNorm layer (PyTorch default).
BN_EPS = 1e-5


class ConvBnAct(nn.Sequential):
    """Conv2d (no bias) -> optional BatchNorm2d -> optional activation; the reference ``conv_layer``.

    Args:
        in_chs: input channels.
        out_chs: output channels.
        kernel_size: square kernel size; padding is ``kernel_size // 2``.
        stride: convolution stride.
        groups: convolution groups (``in_chs`` for depthwise).
        bn: append BatchNorm2d (eps 1e-5).
        act_layer: activation class, or None for a linear block.
        bias: conv bias (the reference never uses one before BN).
    """

    def __init__(
        self,
        in_chs: int,
        out_chs: int,
        kernel_size: int = 1,
        stride: int = 1,
        groups: int = 1,
        bn: bool = True,
        act_layer: Type[nn.Module] | None = nn.ReLU,
        bias: bool = False,
    ) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(in_chs, out_chs, kernel_size, stride, kernel_size // 2, groups=groups, bias=bias)
        ]
        if bn:
            layers.append(nn.BatchNorm2d(out_chs, eps=BN_EPS))
        if act_layer is not None:
            layers.append(act_layer())
        super().__init__(*layers)

    def fuse(self) -> nn.Sequential:
        """Deploy form: the conv with BatchNorm folded into its weight and bias, then the activation."""
        from mobrecon.fuse import fuse_conv_bn

        layers = list(self)
        if len(layers) > 1 and isinstance(layers[1], nn.BatchNorm2d):
            layers = [fuse_conv_bn(layers[0], layers[1])] + layers[2:]
        return nn.Sequential(*layers)


class Hardtanh04(nn.Hardtanh):
    """Clip to [0, 4] (the reference's ``Hardtanh(0, 4)``; not ReLU6)."""

    def __init__(self) -> None:
        super().__init__(0.0, 4.0)


class LinearBnAct(nn.Sequential):
    """Linear (no bias) -> optional BatchNorm1d -> optional clip to [0, 4]; the reference ``linear_layer``.

    Args:
        in_features: input features.
        out_features: output features.
        bn: append BatchNorm1d (eps 1e-5); inputs must then be [B, F].
        act: append ``Hardtanh(0, 4)``.
    """

    def __init__(self, in_features: int, out_features: int, bn: bool = True, act: bool = True) -> None:
        layers: list[nn.Module] = [nn.Linear(in_features, out_features, bias=False)]
        if bn:
            layers.append(nn.BatchNorm1d(out_features, eps=BN_EPS))
        if act:
            layers.append(Hardtanh04())
        super().__init__(*layers)

    def fuse(self) -> nn.Sequential:
        """Deploy form: the Linear with BatchNorm1d folded in, then the clip."""
        from mobrecon.fuse import fuse_linear_bn

        layers = list(self)
        if len(layers) > 1 and isinstance(layers[1], nn.BatchNorm1d):
            layers = [fuse_linear_bn(layers[0], layers[1])] + layers[2:]
        return nn.Sequential(*layers)


class MobileUnit(nn.Module):
    """``num_dw`` depthwise 3x3 ConvBnReLU, then a pointwise ConvBnReLU; identity residual if in == out.

    The reference ``mobile_unit`` (stride is always 1 in MobRecon).

    Args:
        in_chs: input channels.
        out_chs: output channels.
        num_dw: number of depthwise 3x3 blocks (1 or 2).

    Shapes:
        x: [B, in_chs, H, W] -> [B, out_chs, H, W].
    """

    def __init__(self, in_chs: int, out_chs: int, num_dw: int = 1) -> None:
        super().__init__()
        self.conv3x3 = nn.Sequential(*[ConvBnAct(in_chs, in_chs, 3, groups=in_chs) for _ in range(num_dw)])
        self.conv1x1 = ConvBnAct(in_chs, out_chs)
        self.residual = in_chs == out_chs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1x1(self.conv3x3(x))
        return out + x if self.residual else out


class SEBlock(nn.Module):
    """Squeeze-and-excitation with BatchNorm1d and a [0, 4] clip; the reference ``SenetBlock``.

    ``x * sigmoid(BN(W2 @ clip04(BN(W1 @ mean_hw(x)))))`` with hidden size ``min(C // 2, 256)``.

    Args:
        chs: channels C.

    Shapes:
        x: [B, C, H, W] -> [B, C, H, W].
    """

    def __init__(self, chs: int) -> None:
        super().__init__()
        hidden = min(chs // 2, 256)
        self.fc1 = LinearBnAct(chs, hidden)
        self.fc2 = LinearBnAct(hidden, chs, act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = torch.sigmoid(self.fc2(self.fc1(x.mean(dim=(2, 3)))))
        return x * scale[:, :, None, None]

    def fuse(self) -> "SEBlockDeploy":
        """Deploy form: BatchNorm1d folded, both linear layers as 1x1 convs on the pooled map."""
        return SEBlockDeploy(self.fc1.fuse()[0], self.fc2.fuse()[0])


def broadcast_hw(scale: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``scale`` [B, C, 1, 1] repeated to ``like``'s [H, W] by a nearest-neighbour resize.

    Exact (a copy). Multiplying by the result instead of broadcasting keeps both operands of the
    Mul in ONNX Runtime's blocked NCHWc layout on x86 (its NCHWc Mul takes no broadcast, its
    Resize does), which saves two layout reorders of the full map per use. The sizes are read
    as Python numbers, so an export at a fixed input size records constant scales.
    """
    h, w = int(like.shape[-2]), int(like.shape[-1])
    if h == 1 and w == 1:
        return scale
    return F.interpolate(scale, scale_factor=(float(h), float(w)), mode="nearest")


class SEBlockDeploy(nn.Module):
    """Deploy form of :class:`SEBlock`: global average pool, 1x1 conv, clip [0, 4], 1x1 conv, sigmoid.

    Same math as the reference block with BatchNorm folded; written with ops that stay in a
    conv runtime's native layout (GlobalAveragePool and 1x1 Conv instead of ReduceMean and Gemm).

    Args:
        fc1: folded first linear layer [hidden, C] with bias.
        fc2: folded second linear layer [C, hidden] with bias.

    Shapes:
        x: [B, C, H, W] -> [B, C, H, W]; :meth:`scale`: [B, C, H, W] -> [B, C, 1, 1].
    """

    def __init__(self, fc1: nn.Linear, fc2: nn.Linear) -> None:
        super().__init__()
        self.fc1 = _linear_as_conv(fc1)
        self.fc2 = _linear_as_conv(fc2)

    def scale(self, x: torch.Tensor) -> torch.Tensor:
        """Per-channel gates in (0, 1), [B, C, 1, 1]."""
        hidden = torch.clamp(self.fc1(F.adaptive_avg_pool2d(x, 1)), 0.0, 4.0)
        return torch.sigmoid(self.fc2(hidden))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * broadcast_hw(self.scale(x), x)


@torch.no_grad()
def _linear_as_conv(linear: nn.Linear) -> nn.Conv2d:
    conv = nn.Conv2d(linear.in_features, linear.out_features, 1, bias=linear.bias is not None,
                     device=linear.weight.device, dtype=linear.weight.dtype)
    conv.weight.copy_(linear.weight[:, :, None, None])
    if linear.bias is not None:
        conv.bias.copy_(linear.bias)
    return conv


class Reorg(nn.Module):
    """Space-to-depth by 2, channel index ``c * 4 + dy * 2 + dx``: exactly ``F.pixel_unshuffle(x, 2)``.

    The reference writes it as a rank-6 reshape/permute; ``pixel_unshuffle`` is the same
    permutation (checked in the tests) and exports as a rank-4 op.

    Shapes:
        x: [B, C, H, W] -> [B, 4C, H/2, W/2].
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pixel_unshuffle(x, 2)


class GhostModule(nn.Module):
    """GhostNet's ghost module (timm ``GhostModule``, v1): a few intrinsic maps plus cheap "ghost" maps.

    ``primary_conv`` (1x1 ConvBnAct, ``in_chs -> ceil(out_chs / ratio)``) makes the intrinsic
    maps; ``cheap_operation`` (``dw_size`` x ``dw_size`` grouped ConvBnAct with ``ratio - 1``
    outputs per intrinsic map; depthwise for ratio 2) makes the ghosts from them. Output is
    ``[intrinsic, ghosts]`` on the channel axis, sliced to ``out_chs``. Costs about ``1 / ratio``
    of the 1x1 conv it replaces. Paper: Han et al., "GhostNet", CVPR 2020, arXiv 1911.11907.

    Args:
        in_chs: input channels.
        out_chs: output channels.
        ratio: ghost ratio s (total / intrinsic channels).
        dw_size: kernel of the cheap operation d.
        act_layer: activation of both branches, or None for a linear module.

    Shapes:
        x: [B, in_chs, H, W] -> [B, out_chs, H, W].
    """

    def __init__(
        self,
        in_chs: int,
        out_chs: int,
        ratio: int = 2,
        dw_size: int = 3,
        act_layer: Type[nn.Module] | None = nn.ReLU,
    ) -> None:
        super().__init__()
        init_chs = math.ceil(out_chs / ratio)
        self.out_chs = out_chs
        self.primary_conv = ConvBnAct(in_chs, init_chs, 1, act_layer=act_layer)
        self.cheap_operation = ConvBnAct(init_chs, init_chs * (ratio - 1), dw_size, groups=init_chs, act_layer=act_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.primary_conv(x)
        out = torch.cat((x1, self.cheap_operation(x1)), dim=1)
        return out if out.shape[1] == self.out_chs else out[:, : self.out_chs]

    def fuse(self) -> "GhostModule":
        """Deploy copy: BatchNorm folded into both convs (each branch becomes conv + bias, then act)."""
        fused = copy.deepcopy(self)
        fused.primary_conv = self.primary_conv.fuse()
        fused.cheap_operation = self.cheap_operation.fuse()
        return fused
