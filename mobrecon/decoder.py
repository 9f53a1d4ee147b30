"""MobRecon 3D decoder: mesh upsampling and spiral convolutions from 49 to 778 vertices.

Reference: HandMesh ``mobrecon/models/modules.py`` (``Pool``, ``SpiralDeblock``,
``Reg2DDecode3D``). Four blocks of (x2 mesh upsampling, mesh conv, ReLU), then a mesh conv
head to xyz. Widths 256 -> 256 -> 128 -> 64 -> 32 -> 3 on levels 49 -> 98 -> 195 -> 389 -> 778.

Reference form works on [B, N, C] with ``scatter_add`` upsampling. Deploy forms
(:meth:`MeshDecoder.fuse`) upsample with a constant dense matmul, a constant 3-tap gather, or
``mixed`` (matmul on the small coarse levels, the default), on one of two layouts: ``rows``
([B, N, C], gathers copy whole rows) or ``rank4`` ([B, C, 1, N]).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mobrecon.dsconv import DSConv
from mobrecon.spiralconv import SpiralConv
from mobrecon.topology import Topology, UpTransform

__all__ = ["MeshUpsample", "MeshUpsampleRank4", "MeshUpsampleRows", "MeshDecoder", "MeshDecoderRank4", "MeshDecoderRows", "UPSAMPLE_FORMS", "DENSE_UPSAMPLE_MAX_ENTRIES"]

#: Deploy forms of mesh upsampling.
UPSAMPLE_FORMS = ("dense", "gather", "mixed")

#: Form ``"mixed"``: a level whose dense upsampling matrix has at most this many entries is a
#: MatMul, the others the 3-tap gather. On the hand mesh the two coarse levels (49 -> 98 and
#: 98 -> 195) become MatMuls (1.2 M and 4.9 M multiply-adds at 256 channels), measured faster
#: than their gathers on ONNX Runtime CPU; the fine levels would cost 9.7 M and 19.4 M.
DENSE_UPSAMPLE_MAX_ENTRIES = 20_000


class MeshUpsample(nn.Module):
    """Reference mesh upsampling: ``index_select`` by col, scale, ``scatter_add`` by row.

    Shapes:
        x: [B, N_in, C] -> [B, N_out, C].
    """

    def __init__(self, up: UpTransform) -> None:
        super().__init__()
        self.num_out = int(up.shape[0])
        self.register_buffer("row", torch.from_numpy(up.row).to(torch.int64), persistent=False)
        self.register_buffer("col", torch.from_numpy(up.col).to(torch.int64), persistent=False)
        self.register_buffer("value", torch.from_numpy(up.value.astype("float32")), persistent=False)
        self.up = up

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        src = x.index_select(1, self.col) * self.value[:, None]
        out = x.new_zeros(x.shape[0], self.num_out, x.shape[2])
        return out.scatter_add(1, self.row[None, :, None].expand_as(src), src)

    def fuse(self, form: str = "dense", layout: str = "rows", chs: int = 0) -> nn.Module:
        """Deploy form: ``form`` ``"dense"`` matmul, ``"gather"`` 3-tap or ``"mixed"`` (dense for
        small levels, see :data:`DENSE_UPSAMPLE_MAX_ENTRIES`), on the ``"rows"`` layout (needs the
        channel count ``chs``) or the ``"rank4"`` layout."""
        _check_form(form)
        if form == "mixed":
            form = "dense" if self.up.shape[0] * self.up.shape[1] <= DENSE_UPSAMPLE_MAX_ENTRIES else "gather"
        if layout == "rows":
            return MeshUpsampleRows(self.up, form, chs).to(self.value)
        return MeshUpsampleRank4(self.up, form).to(self.value)


def _check_form(form: str) -> None:
    if form not in UPSAMPLE_FORMS:
        raise ValueError(f"unknown upsampling form {form!r}; choose one of {UPSAMPLE_FORMS}")


class MeshUpsampleRows(nn.Module):
    """Mesh upsampling on [B, N, C] without scatter.

    ``dense``: ``U @ x`` with U the constant [N_out, N_in] matrix. ``gather``: k whole rows per
    output vertex, times constant weights (pre-scaled by k), averaged over the k taps.

    Shapes:
        x: [B, N_in, C] -> [B, N_out, C].
    """

    def __init__(self, up: UpTransform, form: str, chs: int) -> None:
        super().__init__()
        _check_form(form)
        self.form, self.chs, self.num_out = form, chs, int(up.shape[0])
        if form == "dense":
            self.register_buffer("weight", torch.from_numpy(up.dense("float64")), persistent=False)
        else:
            index, weight = up.gather3()
            self.taps = int(index.shape[1])
            self.register_buffer("index", torch.from_numpy(index.reshape(-1)).to(torch.int64), persistent=False)
            self.register_buffer("weight", torch.from_numpy(weight.reshape(-1, 1).astype("float64") * self.taps), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.form == "dense":
            return torch.matmul(self.weight, x)
        g = x.index_select(1, self.index) * self.weight
        return g.reshape(-1, self.num_out, self.taps, self.chs).mean(dim=2)


class MeshUpsampleRank4(nn.Module):
    """Mesh upsampling on [B, C, 1, N] without scatter: a dense matmul or a fixed-tap gather.

    ``dense``: ``x @ U^T`` with U the [N_out, N_in] matrix (entries summed exactly once).
    ``gather``: ``index_select`` of k taps per output vertex, times constant weights, summed by
    an average pool of width k scaled by k (exact up to rounding).

    Shapes:
        x: [B, C, 1, N_in] -> [B, C, 1, N_out].
    """

    def __init__(self, up: UpTransform, form: str = "dense") -> None:
        super().__init__()
        _check_form(form)
        self.form = form
        if form == "dense":
            self.register_buffer("weight_t", torch.from_numpy(up.dense("float64").T.copy()), persistent=False)
        else:
            index, weight = up.gather3()
            self.taps = int(index.shape[1])
            self.register_buffer("index", torch.from_numpy(index.reshape(-1)).to(torch.int64), persistent=False)
            self.register_buffer("weight", torch.from_numpy(weight.reshape(-1).astype("float64") * self.taps), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.form == "dense":
            return torch.matmul(x, self.weight_t)
        g = x.index_select(3, self.index) * self.weight
        return F.avg_pool2d(g, (1, self.taps), (1, self.taps))


class MeshDecoder(nn.Module):
    """Reference decoder on [B, N, C].

    Args:
        topology: mesh levels (spirals and upsampling operators).
        widths: output channels per level, finest first (32, 64, 128, 256).
        mesh_conv: ``"dsconv"`` or ``"spiralconv"``.
        dsconv_form: DSConv form (see :data:`mobrecon.dsconv.DSCONV_FORMS`).

    Shapes:
        x: [B, 49, widths[-1]] coarse-vertex features -> [B, 778, 3] vertices (units of 0.2 m).
    """

    def __init__(self, topology: Topology, widths: tuple[int, ...] = (32, 64, 128, 256), mesh_conv: str = "dsconv", dsconv_form: str = "reference") -> None:
        super().__init__()
        levels = len(widths)
        if topology.num_levels != levels + 1:
            raise ValueError(f"decoder with {levels} widths needs a {levels + 1}-level topology, got {topology.num_levels}")
        spirals = [torch.from_numpy(s) for s in topology.spirals]

        def conv(cin: int, cout: int, level: int) -> nn.Module:
            if mesh_conv == "dsconv":
                return DSConv(cin, cout, spirals[level], form=dsconv_form)
            return SpiralConv(cin, cout, spirals[level])

        self.upsample = nn.ModuleList(MeshUpsample(topology.up[lvl]) for lvl in reversed(range(levels)))
        self.layers = nn.ModuleList()
        for i, lvl in enumerate(reversed(range(levels))):
            cin = widths[-1] if i == 0 else widths[lvl + 1]
            self.layers.append(_Deblock(conv(cin, widths[lvl], lvl)))
        self.head = conv(widths[0], 3, 0)
        self.in_chs = tuple([widths[-1]] + [widths[lvl + 1] for lvl in reversed(range(levels - 1))])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for up, layer in zip(self.upsample, self.layers):
            x = layer(up(x))
        return self.head(x)

    def fuse(self, upsample_form: str = "mixed", layout: str = "rows") -> nn.Module:
        """Deploy form with the given mesh-upsampling form on the ``rows`` or ``rank4`` layout."""
        ups = [u.fuse(upsample_form, layout, c) for u, c in zip(self.upsample, self.in_chs)]
        convs = [layer.conv.fuse(layout) for layer in self.layers]
        cls = MeshDecoderRows if layout == "rows" else MeshDecoderRank4
        return cls(ups, convs, self.head.fuse(layout))


class _Deblock(nn.Module):
    """Mesh conv then ReLU (the reference ``SpiralDeblock`` minus its upsampling, kept apart)."""

    def __init__(self, conv: nn.Module) -> None:
        super().__init__()
        self.conv = conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv(x))


class MeshDecoderRows(nn.Module):
    """Deploy decoder on [B, N, C] (gathers copy whole rows).

    Shapes:
        x: [B, 49, C] -> [B, 778, 3].
    """

    def __init__(self, upsample: list[nn.Module], convs: list[nn.Module], head: nn.Module) -> None:
        super().__init__()
        self.upsample = nn.ModuleList(upsample)
        self.convs = nn.ModuleList(convs)
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for up, conv in zip(self.upsample, self.convs):
            x = torch.relu(conv(up(x)))
        return self.head(x)


class MeshDecoderRank4(MeshDecoderRows):
    """Deploy decoder on [B, C, 1, N]: input transposed once from [B, 49, C], output back to [B, N, 3].

    Shapes:
        x: [B, 49, C] -> [B, 778, 3].
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, 2).unsqueeze(2)
        for up, conv in zip(self.upsample, self.convs):
            x = torch.relu(conv(up(x)))
        return self.head(x).flatten(2).transpose(1, 2)
