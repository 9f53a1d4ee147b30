"""MapReg 2D head and pose-to-vertex lifting of MobRecon (paper section 3.2).

Reference: HandMesh ``mobrecon/models/densestack.py`` (``reduce``/``uv_reg``) and
``mobrecon/models/modules.py`` (``Reg2DDecode3D.index`` and ``upsample``).

- :class:`MapRegHead`: 1x1 conv to one 16x16 map per joint, flattened, MLP 256->128->64->2
  with [0, 4] clips. Output uv [B, 21, 2]: (x, y) divided by the 128-px crop, not squashed.
- :class:`PoseLifting`: pose pooling (bilinear sampling of the latent map at the 2D joints,
  uv clamped to [0, 1], ``align_corners=True``) then PVL, a learned [49, 21] matrix mapping joint
  features to the features of the coarsest mesh's 49 vertices.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mobrecon.blocks import ConvBnAct, LinearBnAct

__all__ = ["MapRegHead", "PoseLifting", "PoseLiftingRank4", "bilinear_weights"]


class MapRegHead(nn.Module):
    """MapReg: per-joint 16x16 maps regressed to 2D positions.

    Args:
        in_chs: channels of the encoder's maps (24).
        num_joints: joints J (21).
        map_size: H*W of the maps (256 for 16x16).

    Shapes:
        maps: [B, in_chs, 16, 16] -> uv [B, J, 2] float, (x, y) / 128 px, FreiHAND/MPII order.
    """

    def __init__(self, in_chs: int = 24, num_joints: int = 21, map_size: int = 256) -> None:
        super().__init__()
        self.num_joints = num_joints
        self.reduce = ConvBnAct(in_chs, num_joints, bn=False, act_layer=None)
        self.mlp = nn.Sequential(
            LinearBnAct(map_size, 128, bn=False),
            LinearBnAct(128, 64, bn=False),
            LinearBnAct(64, 2, bn=False, act=False),
        )

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.reduce(maps).flatten(2))


def bilinear_weights(uv: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bilinear sampling weights of a [height, width] map at clamped positions, as tent functions.

    Equal to ``grid_sample(..., align_corners=True)`` of the reference at
    ``clamp((uv - 0.5) * 2, -1, 1)``: pixel position ``(W - 1) * clamp(u, 0, 1)``, and the weight
    of pixel k is ``max(0, 1 - |pos - k|)`` (exactly the bilinear weight for pos in [0, W - 1]),
    written as ``relu(1 - relu(pos - k) - relu(k - pos))``: CoreML's ML Program EP has no Abs or Neg.

    Args:
        uv: [B, J, 2] float, (x, y) in [0, 1] crop units (values outside are clamped).

    Returns:
        [B, J, height * width] weights, rows summing to 1.
    """
    grid = ((torch.clamp((uv - 0.5) * 2, -1, 1) + 1) / 2)
    px = grid[..., 0:1] * (width - 1)                                     # [B, J, 1]
    py = grid[..., 1:2] * (height - 1)
    kx = torch.arange(width, dtype=uv.dtype, device=uv.device)
    ky = torch.arange(height, dtype=uv.dtype, device=uv.device)
    return (_tent(py, ky).unsqueeze(3) * _tent(px, kx).unsqueeze(2)).flatten(2)


def _tent(pos: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """max(0, 1 - |pos - k|) from Sub and Relu only."""
    return torch.relu(1 - torch.relu(pos - k) - torch.relu(k - pos))


class PoseLifting(nn.Module):
    """Pose pooling (``grid_sample``, the reference form) and PVL.

    Args:
        latent_chs: latent width C (256).
        num_joints: J (21).
        num_coarse_verts: vertices of the coarsest mesh level (49).
        latent_conv: apply the 2022 layout's 1x1 conv (``de_layer_conv``) to the latent first.

    Shapes:
        latent: [B, C, 4, 4]; uv: [B, J, 2] -> [B, 49, C] coarse-vertex features.
    """

    def __init__(self, latent_chs: int = 256, num_joints: int = 21, num_coarse_verts: int = 49, latent_conv: bool = False) -> None:
        super().__init__()
        self.latent_chs = latent_chs
        self.latent_conv = ConvBnAct(latent_chs, latent_chs, bn=False, act_layer=None) if latent_conv else None
        self.pvl = nn.Parameter(torch.full((num_coarse_verts, num_joints), 0.01))

    def pool(self, latent: torch.Tensor, uv: torch.Tensor) -> torch.Tensor:
        """Pose pooling: [B, C, H, W], [B, J, 2] -> [B, J, C] features sampled at the joints."""
        if self.latent_conv is not None:
            latent = self.latent_conv(latent)
        grid = torch.clamp((uv - 0.5) * 2, -1, 1).unsqueeze(2)
        return F.grid_sample(latent, grid, mode="bilinear", padding_mode="zeros", align_corners=True)[..., 0].transpose(1, 2)

    def forward(self, latent: torch.Tensor, uv: torch.Tensor) -> torch.Tensor:
        return torch.matmul(self.pvl, self.pool(latent, uv))

    @torch.no_grad()
    def fuse(self) -> "PoseLiftingRank4":
        """Deploy form: explicit bilinear weights and two matmuls, no grid_sample."""
        m = PoseLiftingRank4(self.pvl.shape[1], self.pvl.shape[0], latent_conv=self.latent_conv is not None, latent_chs=self.latent_chs)
        m.to(self.pvl)
        m.pvl_t.copy_(self.pvl.t())
        if self.latent_conv is not None:
            m.latent_conv.weight.copy_(self.latent_conv[0].weight)
        return m


class PoseLiftingRank4(nn.Module):
    """Pose pooling as explicit bilinear weights, then PVL; no grid_sample, no shape read in Python.

    Shapes:
        latent: [B, C, H, W]; uv: [B, J, 2] -> [B, 49, C] coarse-vertex features.
    """

    def __init__(self, num_joints: int = 21, num_coarse_verts: int = 49, latent_conv: bool = False, latent_chs: int = 256, map_hw: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        self.latent_chs, self.map_hw, self.num_coarse_verts = latent_chs, map_hw, num_coarse_verts
        self.latent_conv = nn.Conv2d(latent_chs, latent_chs, 1, bias=False) if latent_conv else None
        self.register_buffer("pvl_t", torch.zeros(num_joints, num_coarse_verts))

    def forward(self, latent: torch.Tensor, uv: torch.Tensor) -> torch.Tensor:
        if self.latent_conv is not None:
            latent = self.latent_conv(latent)
        h, w = self.map_hw
        weights = bilinear_weights(uv, h, w)                                   # [B, J, HW]
        lift = torch.matmul(weights.transpose(1, 2), self.pvl_t)               # [B, HW, 49]
        out = torch.matmul(latent.reshape(-1, self.latent_chs, h * w), lift)    # [B, C, 49]
        return out.transpose(1, 2)
