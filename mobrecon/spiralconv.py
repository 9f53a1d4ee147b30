"""SpiralConv++, the mesh convolution of the ``densestack-spiralconv`` layout.

Reference: HandMesh ``conv/spiralconv.py``. Gathers the S spiral neighbours of every vertex and
applies one Linear(S * C, Cout) with bias; the gathered feature index is ``s * C + c``.
Deploy forms match :mod:`mobrecon.dsconv`'s layouts: ``rows`` ([B, N, C]) and ``rank4``
([B, C, 1, N], a dense (1, S) conv with stride S).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["SpiralConv", "SpiralConvRank4", "SpiralConvRows"]


class SpiralConv(nn.Module):
    """SpiralConv++: gather the S spiral neighbours and apply one Linear(S*C, Cout) with bias.

    Feature index of the gathered vector is ``s * C + c`` (spiral position major).

    Shapes:
        x: [B, N_in, C] -> [B, N, out_chs].
    """

    def __init__(self, in_chs: int, out_chs: int, spiral: torch.Tensor) -> None:
        super().__init__()
        self.num_verts, self.spiral_len = int(spiral.shape[0]), int(spiral.shape[1])
        self.register_buffer("spiral", spiral.to(torch.int64), persistent=False)
        self.layer = nn.Linear(in_chs * self.spiral_len, out_chs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = x.index_select(1, self.spiral.reshape(-1))
        return self.layer(g.reshape(x.shape[0], self.num_verts, -1))

    @torch.no_grad()
    def fuse(self, layout: str = "rows") -> nn.Module:
        """Deploy form, same weights: :class:`SpiralConvRows` or :class:`SpiralConvRank4` (a dense (1, S) conv)."""
        in_chs = self.layer.in_features // self.spiral_len
        if layout == "rows":
            m = SpiralConvRows(in_chs, self.layer.out_features, self.spiral).to(self.layer.weight)
            m.layer.load_state_dict(self.layer.state_dict())
            return m
        m = SpiralConvRank4(in_chs, self.layer.out_features, self.spiral).to(self.layer.weight)
        w = self.layer.weight.reshape(-1, self.spiral_len, in_chs).permute(0, 2, 1)
        m.conv.weight.copy_(w[:, :, None, :])
        m.conv.bias.copy_(self.layer.bias)
        return m


class SpiralConvRows(nn.Module):
    """SpiralConv++ on [B, N, C] with no shape read from the input: row gather, reshape, Linear.

    Shapes:
        x: [B, N_in, C] -> [B, N, out_chs].
    """

    def __init__(self, in_chs: int, out_chs: int, spiral: torch.Tensor) -> None:
        super().__init__()
        self.num_verts, self.spiral_len = int(spiral.shape[0]), int(spiral.shape[1])
        self.register_buffer("index", spiral.reshape(-1).to(torch.int64), persistent=False)
        self.layer = nn.Linear(in_chs * self.spiral_len, out_chs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x.index_select(1, self.index).reshape(-1, self.num_verts, self.layer.in_features))


class SpiralConvRank4(nn.Module):
    """SpiralConv++ on [B, C, 1, N] features: gather, then Conv2d(C, Cout, (1, S), stride (1, S)).

    Shapes:
        x: [B, C, 1, N_in] -> [B, out_chs, 1, N].
    """

    def __init__(self, in_chs: int, out_chs: int, spiral: torch.Tensor) -> None:
        super().__init__()
        self.spiral_len = int(spiral.shape[1])
        self.register_buffer("index", spiral.reshape(-1).to(torch.int64), persistent=False)
        self.conv = nn.Conv2d(in_chs, out_chs, (1, self.spiral_len), (1, self.spiral_len))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x.index_select(3, self.index))
