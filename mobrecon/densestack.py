"""DenseStack encoder of MobRecon.

Paper: Chen et al., "MobRecon: Mobile-Friendly Hand Mesh Reconstruction from Monocular Image",
CVPR 2022, arXiv 2112.02753, section 3.1. Reference: github.com/SeanChenxy/HandMesh at 3c87e95,
``mobrecon/models/densestack.py`` (``DenseStack_Backnone``).

Two hourglasses of dense blocks with squeeze-and-excitation. Stack 1 runs 32->16->8->4->16 and is
upsampled back to 32x32; stack 2 adds SE and two non-expanding dense blocks at 4x4 and returns
both its 16x16 maps and its 4x4 bottom features. The reference builds three modules of stack 1
(``senet3``, ``dense4``, ``dense5``) that its forward never calls; we do not build them, and the
checkpoint loader drops their keys.

Shapes at batch B, 128x128 input: stem [B,128,64,64] -> reorg [B,512,32,32] -> thrink
[B,128,32,32] -> stack 1 [B,24,32,32] -> fusion [B,128,32,32] -> stack 2 maps [B,24,16,16] and
bottom [B,1024,4,4] -> mid_proj latent [B,256,4,4].
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from mobrecon.blocks import ConvBnAct, MobileUnit, Reorg, SEBlock

__all__ = ["DenseStackCfg", "DenseStackEncoder", "DenseHourglass", "hourglass_up"]


class DenseBlock(nn.Module):
    """Four mobile units each adding C/4 channels; output is the concatenation [x, o1..o4] (2C)."""

    def __init__(self, chs: int) -> None:
        super().__init__()
        q = chs // 4
        self.conv1 = MobileUnit(chs, q)
        self.conv2 = MobileUnit(chs + q, q)
        self.conv3 = MobileUnit(chs + 2 * q, q)
        self.conv4 = MobileUnit(chs + 3 * q, q)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for unit in (self.conv1, self.conv2, self.conv3, self.conv4):
            x = torch.cat((x, unit(x)), dim=1)
        return x


class DenseBlock2(nn.Module):
    """Two mobile units each adding C/2 channels; output [x, o1, o2] (2C)."""

    def __init__(self, chs: int) -> None:
        super().__init__()
        self.conv1 = MobileUnit(chs, chs // 2)
        self.conv2 = MobileUnit(chs + chs // 2, chs // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.cat((x, self.conv1(x)), dim=1)
        return torch.cat((x, self.conv2(x)), dim=1)


class DenseBlock2NoExpand(nn.Module):
    """o1 = unit(x) with 3C/4 ch, o2 = unit([x, o1]) with C/4 ch; output [o1, o2] (C; x not kept)."""

    def __init__(self, chs: int) -> None:
        super().__init__()
        self.conv1 = MobileUnit(chs, chs * 3 // 4)
        self.conv2 = MobileUnit(chs * 7 // 4, chs // 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o1 = self.conv1(x)
        return torch.cat((o1, self.conv2(torch.cat((x, o1), dim=1))), dim=1)


class DenseHourglass(nn.Module):
    """One DenseStack hourglass (the reference ``DenseStack`` / ``DenseStack2``).

    Args:
        in_chs: input channels C (128).
        out_chs: output channels (24).
        deep_bottom: stack-2 form: SE after dense3 and two DenseBlock2NoExpand at the bottom.
        final_upsample: bilinear x2 (align_corners=True) at the end (stack 1).

    Shapes:
        x: [B, C, H, W] -> maps [B, out_chs, H/2, W/2] (or [B, out_chs, H, W] with final_upsample),
        bottom [B, 8C, H/8, W/8].
    """

    def __init__(self, in_chs: int, out_chs: int, deep_bottom: bool, final_upsample: bool) -> None:
        super().__init__()
        c = in_chs
        self.dense1 = DenseBlock2(c)
        self.senet1 = SEBlock(2 * c)
        self.dense2 = DenseBlock(2 * c)
        self.senet2 = SEBlock(4 * c)
        self.dense3 = DenseBlock(4 * c)
        self.deep_bottom = deep_bottom
        if deep_bottom:
            self.senet3 = SEBlock(8 * c)
            self.dense4 = DenseBlock2NoExpand(8 * c)
            self.dense5 = DenseBlock2NoExpand(8 * c)
        self.thrink1 = nn.Sequential(MobileUnit(8 * c, 4 * c, 1), MobileUnit(4 * c, 4 * c, 2))
        self.senet4 = SEBlock(4 * c)
        self.thrink2 = nn.Sequential(MobileUnit(4 * c, 2 * c, 1), MobileUnit(2 * c, 2 * c, 2))
        self.senet5 = SEBlock(2 * c)
        self.thrink3 = nn.Sequential(MobileUnit(2 * c, 2 * c, 1), MobileUnit(2 * c, out_chs, 2))
        self.senet6 = SEBlock(out_chs)
        self.final_upsample = final_upsample

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        d1 = F.avg_pool2d(self.senet1(self.dense1(x)), 2)
        d2 = F.avg_pool2d(self.senet2(self.dense2(d1)), 2)
        d3 = self.dense3(d2)
        if self.deep_bottom:
            d3 = self.dense5(self.dense4(F.avg_pool2d(self.senet3(d3), 2)))
        else:
            d3 = F.avg_pool2d(d3, 2)
        return hourglass_up(self, (self.thrink1, self.thrink2, self.thrink3), d1, d2, d3), d3


def hourglass_up(hg: nn.Module, ups: tuple[nn.Module, nn.Module, nn.Module], d1: torch.Tensor, d2: torch.Tensor,
                 d3: torch.Tensor) -> torch.Tensor:
    """The rising half of a MobRecon hourglass (DenseStack and GhostStack alike): two
    (conv units, SE, nearest x2, skip add) steps, the last units and SE, then the optional bilinear
    x2 of stack 1. ``hg`` provides ``senet4..6`` and ``final_upsample``; ``ups`` the three unit stacks.

    Shapes:
        skip maps d1 [B, C1, H, W], d2 [B, C2, H/2, W/2] and the bottom d3 at H/4 -> maps
        [B, map_chs, H, W] ([B, map_chs, 2H, 2W] with ``final_upsample``).
    """
    u1 = F.interpolate(hg.senet4(ups[0](d3)), scale_factor=2.0, mode="nearest") + d2
    u2 = F.interpolate(hg.senet5(ups[1](u1)), scale_factor=2.0, mode="nearest") + d1
    maps = hg.senet6(ups[2](u2))
    if hg.final_upsample:
        maps = F.interpolate(maps, scale_factor=2.0, mode="bilinear", align_corners=True)
    return maps


@dataclass(frozen=True)
class DenseStackCfg:
    """Widths of the DenseStack encoder (the published configuration is the default).

    Attributes:
        stem_chs: stem output channels before reorg (64 -> 128 after the mobile unit).
        chs: hourglass input width C.
        map_chs: hourglass output maps (24).
        latent_chs: latent width after ``mid_proj`` (256).
    """

    stem_chs: int = 64
    chs: int = 128
    map_chs: int = 24
    latent_chs: int = 256


class DenseStackEncoder(nn.Module):
    """Stem, two dense hourglasses and the latent projection.

    Args:
        cfg: widths.

    Shapes:
        x: [B, 3, 128, 128] float, RGB normalised to [-1, 1].
        returns (maps [B, 24, 16, 16], latent [B, 256, 4, 4]).
    """

    def __init__(self, cfg: DenseStackCfg = DenseStackCfg()) -> None:
        super().__init__()
        c = cfg.chs
        self.pre_layer = nn.Sequential(ConvBnAct(3, cfg.stem_chs, 3, stride=2), MobileUnit(cfg.stem_chs, c))
        self.reorg = Reorg()
        self.thrink = ConvBnAct(4 * c, c)
        self.dense_stack1 = DenseHourglass(c, cfg.map_chs, deep_bottom=False, final_upsample=True)
        self.stack1_remap = ConvBnAct(cfg.map_chs, cfg.map_chs)
        self.thrink2 = ConvBnAct(cfg.map_chs + c, c)
        self.dense_stack2 = DenseHourglass(c, cfg.map_chs, deep_bottom=True, final_upsample=False)
        self.mid_proj = ConvBnAct(8 * c, cfg.latent_chs, bn=False, act_layer=None)
        self.out_chs = cfg.map_chs
        self.latent_chs = cfg.latent_chs

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        thrink = self.thrink(self.reorg(self.pre_layer(x)))
        stack1, _ = self.dense_stack1(thrink)
        fused = self.thrink2(torch.cat((self.stack1_remap(stack1), thrink), dim=1))
        maps, bottom = self.dense_stack2(fused)
        return maps, self.mid_proj(bottom)
