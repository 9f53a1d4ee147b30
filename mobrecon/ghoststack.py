"""GhostStack encoder of MobRecon: our reconstruction from the paper text. UNTRAINED, NO WEIGHTS.

Paper: Chen et al., "MobRecon: Mobile-Friendly Hand Mesh Reconstruction from Monocular Image",
CVPR 2022, arXiv 2112.02753, section 3.1 (GhostStack: 96.2M Mult-Adds, 5.0M params at 128x128;
whole DSConv model 123.5M / 5.3M in Table 4). Reference code: github.com/SeanChenxy/HandMesh at
3c87e95, which contains **no GhostStack** in any revision, and **no GhostStack weights are
published**. Ghost module: Han et al., "GhostNet", CVPR 2020, arXiv 1911.11907 (timm
``ghostnet.py``, v1). The design below is the PROPOSAL of ``shared/reference/PAPER.md`` section 6:
the DenseStack topology (:mod:`mobrecon.densestack`) with ghost modules, and the same interfaces,
so the MapReg head, the lifting and the DSConv decoder are reused unchanged.

Usage::

    from mobrecon import Topology, create_model
    model = create_model("ghoststack", topology=Topology.synthetic())   # random init: train it
    model.card.weights                                                 # "untrained"

Design choices the paper leaves open, one by one (PAPER.md section 1.3), and why:

1. Ghost module G = timm's: ratio 2, cheap depthwise 3x3, BN + ReLU on both branches, concat,
   slice (GhostNet's defaults; the paper gives no values).
2. Which layers are ghosted: every pointwise 1x1 of DenseStack's mobile units, ``thrink`` and the
   inter-stack fusion. ``mid_proj`` (the linear latent projection) and the head stay plain, so the
   head, lifting and decoder are exactly DenseStack's.
3. A unit keeps DenseStack's leading depthwise 3x3s (1 or 2) only at 8x8 and 4x4, where they are
   almost free and give the full-width input spatial mixing; at 16x16 a unit is G alone. Keeping
   them everywhere costs +6.6 % Mult-Adds (out of the 5 % band); dropping them everywhere -7 %
   params (also out).
4. SE blocks are kept exactly as DenseStack's (hidden min(C/2, 256), Hardtanh(0, 4), BN1d,
   sigmoid): cheap in Mult-Adds, and they carry parameters.
5. Stem: GhostNet-style 3x3 stride-2 conv 3 -> 16, then reorg to 64 x 32 x 32 (DenseStack spends
   43M Mult-Adds at 64x64; this costs 1.8M). Hourglass widths are DenseStack's (C0 = 128).
6. Down blocks run *after* their 2x average pool (DenseStack pools after): same output and skip
   shapes at a quarter of the down-path cost.
7. Fusion between the stacks is additive, ``thrink + G(24 -> 128)(stack1)``, instead of
   DenseStack's concat to 152 channels and 1x1 back to 128.
8. Two stacks ("two cascaded groups", stated for the stacked structure in general); F^e is
   1024 x 4 x 4 projected to 256 x 4 x 4, maps 24 x 16 x 16, as in DenseStack.

Shapes at batch B, 128x128 input: stem [B,16,64,64] -> reorg [B,64,32,32] -> thrink
[B,128,32,32] -> stack 1 [B,24,32,32] -> fusion [B,128,32,32] -> stack 2 maps [B,24,16,16] and
bottom [B,1024,4,4] -> mid_proj latent [B,256,4,4]. Cost (PAPER.md 6.3, :mod:`mobrecon.profile`):
stem ... stack 2 97.53M Mult-Adds / 4.83M params; whole model 122.18M / 5.25M.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from mobrecon.blocks import ConvBnAct, GhostModule, Reorg, SEBlock
from mobrecon.densestack import hourglass_up
from mobrecon.model import MobRecon, MobReconCfg
from mobrecon.registry import ModelCard, register_model
from mobrecon.topology import Topology

__all__ = ["GhostStackCfg", "GhostStackEncoder", "GhostHourglass", "GhostUnit", "GhostDenseBlock", "ghoststack"]


class GhostUnit(nn.Module):
    """DenseStack's mobile unit with its pointwise conv replaced by a ghost module.

    Args:
        in_chs: input channels.
        out_chs: output channels.
        num_dw: leading depthwise 3x3 ConvBnReLU blocks (0, 1 or 2).
        ratio, dw_size: ghost-module settings.

    Shapes:
        x: [B, in_chs, H, W] -> [B, out_chs, H, W]; identity residual when in_chs == out_chs.
    """

    def __init__(self, in_chs: int, out_chs: int, num_dw: int = 0, ratio: int = 2, dw_size: int = 3) -> None:
        super().__init__()
        self.conv3x3 = nn.Sequential(*[ConvBnAct(in_chs, in_chs, 3, groups=in_chs) for _ in range(num_dw)])
        self.conv1x1 = GhostModule(in_chs, out_chs, ratio, dw_size)
        self.residual = in_chs == out_chs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1x1(self.conv3x3(x))
        return out + x if self.residual else out


class GhostDenseBlock(nn.Module):
    """Dense block of ghost units: unit i sees the concatenation of the input and all earlier outputs.

    Covers DenseStack's three dense blocks: ``DenseBlock2`` (growth (C/2, C/2)), ``DenseBlock``
    (growth (C/4,) * 4) and ``DenseBlock2_noExpand`` (growth (3C/4, C/4), ``keep_input=False``).

    Args:
        in_chs: input channels C.
        growth: output channels of each unit, in order.
        num_dw: leading depthwise convs of every unit.
        keep_input: output ``[x, o1, ...]`` (True) or ``[o1, ...]`` (False).
        ratio, dw_size: ghost-module settings.

    Shapes:
        x: [B, C, H, W] -> [B, C * keep_input + sum(growth), H, W].
    """

    def __init__(self, in_chs: int, growth: tuple[int, ...], num_dw: int, keep_input: bool = True, ratio: int = 2, dw_size: int = 3) -> None:
        super().__init__()
        widths = [in_chs + sum(growth[:i]) for i in range(len(growth))]
        self.units = nn.ModuleList(GhostUnit(w, g, num_dw, ratio, dw_size) for w, g in zip(widths, growth))
        self.in_chs, self.keep_input = in_chs, keep_input

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for unit in self.units:
            x = torch.cat((x, unit(x)), dim=1)
        return x if self.keep_input else x[:, self.in_chs:]


class GhostHourglass(nn.Module):
    """One GhostStack hourglass: DenseStack's levels and widths, pool-before-block on the way down.

    Down: pool -> dense1 -> SE = skip d1 (16x16); pool -> dense2 -> SE = skip d2 (8x8); pool ->
    dense3 (4x4) [-> SE -> dense4 -> dense5 with ``deep_bottom``]. Up: each pair of units -> SE ->
    nearest x2 + skip; the last pair -> SE at 16x16 [-> bilinear x2, align_corners=True].

    Args:
        cfg: widths and ghost settings.
        deep_bottom: stack-2 form (SE and two non-expanding dense blocks at 4x4).
        final_upsample: bilinear x2 at the end (stack 1).

    Shapes:
        x: [B, C, H, W] -> maps [B, map_chs, H/2, W/2] (x2 with final_upsample), bottom [B, 8C, H/8, W/8].
    """

    def __init__(self, cfg: GhostStackCfg, deep_bottom: bool, final_upsample: bool) -> None:
        super().__init__()
        c, g = cfg.chs, dict(ratio=cfg.ratio, dw_size=cfg.dw_size)

        def dw(level: int, n: int = 1) -> int:  # leading depthwise convs at hourglass level 1..3
            return n if level >= cfg.dw_from_level else 0

        self.dense1 = GhostDenseBlock(c, (c // 2,) * 2, dw(1), **g)
        self.senet1 = SEBlock(2 * c)
        self.dense2 = GhostDenseBlock(2 * c, (c // 2,) * 4, dw(2), **g)
        self.senet2 = SEBlock(4 * c)
        self.dense3 = GhostDenseBlock(4 * c, (c,) * 4, dw(3), **g)
        self.deep_bottom = deep_bottom
        if deep_bottom:
            self.senet3 = SEBlock(8 * c)
            self.dense4 = GhostDenseBlock(8 * c, (6 * c, 2 * c), dw(3), keep_input=False, **g)
            self.dense5 = GhostDenseBlock(8 * c, (6 * c, 2 * c), dw(3), keep_input=False, **g)
        self.up1 = nn.Sequential(GhostUnit(8 * c, 4 * c, dw(3), **g), GhostUnit(4 * c, 4 * c, dw(3, 2), **g))
        self.senet4 = SEBlock(4 * c)
        self.up2 = nn.Sequential(GhostUnit(4 * c, 2 * c, dw(2), **g), GhostUnit(2 * c, 2 * c, dw(2, 2), **g))
        self.senet5 = SEBlock(2 * c)
        self.up3 = nn.Sequential(GhostUnit(2 * c, 2 * c, dw(1), **g), GhostUnit(2 * c, cfg.map_chs, dw(1, 2), **g))
        self.senet6 = SEBlock(cfg.map_chs)
        self.final_upsample = final_upsample

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        d1 = self.senet1(self.dense1(F.avg_pool2d(x, 2)))
        d2 = self.senet2(self.dense2(F.avg_pool2d(d1, 2)))
        d3 = self.dense3(F.avg_pool2d(d2, 2))
        if self.deep_bottom:
            d3 = self.dense5(self.dense4(self.senet3(d3)))
        return hourglass_up(self, (self.up1, self.up2, self.up3), d1, d2, d3), d3


class GhostStackEncoder(nn.Module):
    """Stem, reorg, ghost ``thrink``, two ghost hourglasses with additive fusion, latent projection.

    Args:
        cfg: widths and ghost settings.

    Shapes:
        x: [B, 3, 128, 128] float, RGB normalised to [-1, 1].
        returns (maps [B, 24, 16, 16], latent [B, 256, 4, 4]).
    """

    def __init__(self, cfg: GhostStackCfg | None = None) -> None:
        super().__init__()
        cfg = cfg if cfg is not None else GhostStackCfg()
        self.stem = ConvBnAct(3, cfg.stem_chs, 3, stride=2)
        self.reorg = Reorg()
        self.thrink = GhostModule(4 * cfg.stem_chs, cfg.chs, cfg.ratio, cfg.dw_size)
        self.stack1 = GhostHourglass(cfg, deep_bottom=False, final_upsample=True)
        self.fusion = GhostModule(cfg.map_chs, cfg.chs, cfg.ratio, cfg.dw_size)
        self.stack2 = GhostHourglass(cfg, deep_bottom=True, final_upsample=False)
        self.mid_proj = ConvBnAct(8 * cfg.chs, cfg.latent_chs, bn=False, act_layer=None)
        self.out_chs, self.latent_chs = cfg.map_chs, cfg.latent_chs

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        thrink = self.thrink(self.reorg(self.stem(x)))
        stack1, _ = self.stack1(thrink)
        maps, bottom = self.stack2(thrink + self.fusion(stack1))
        return maps, self.mid_proj(bottom)


@dataclass(frozen=True)
class GhostStackCfg:
    """Architecture of the GhostStack encoder (PAPER.md section 6 proposal is the default).

    Attributes:
        stem_chs: stem conv output channels (x4 after reorg: thrink input).
        chs: hourglass input width C0 (DenseStack's 128).
        map_chs: hourglass output maps (24).
        latent_chs: latent width after ``mid_proj`` (256).
        ratio: ghost ratio s.
        dw_size: ghost cheap-operation kernel d.
        dw_from_level: units at hourglass level >= this (1: 16x16, 2: 8x8, 3: 4x4 at 128 input)
            keep DenseStack's leading depthwise 3x3s; below it a unit is a ghost module alone.
    """

    stem_chs: int = 16
    chs: int = 128
    map_chs: int = 24
    latent_chs: int = 256
    ratio: int = 2
    dw_size: int = 3
    dw_from_level: int = 2


CARD = ModelCard(
    "ghoststack",
    "GhostStack encoder (our reconstruction of paper section 3.1; not in HandMesh), MapReg, PVL, DSConv decoder",
    weights="untrained",
    checkpoint_url=None,
    checkpoint_file=None,
    reference="arXiv 2112.02753 section 3.1 + shared/reference/PAPER.md section 6 (no reference code, no published weights)",
)


@register_model(CARD)
def ghoststack(
    topology: Topology | None = None,
    dsconv_form: str = "reference",
    encoder_cfg: GhostStackCfg = GhostStackCfg(),
) -> MobRecon:
    """Build the untrained GhostStack model; ``topology`` defaults to :meth:`Topology.synthetic` (not a hand)."""
    topology = topology if topology is not None else Topology.synthetic()
    cfg = MobReconCfg(map_chs=encoder_cfg.map_chs, latent_chs=encoder_cfg.latent_chs)
    return MobRecon(GhostStackEncoder(encoder_cfg), topology, cfg, CARD, dsconv_form)
