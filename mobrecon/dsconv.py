"""DSConv, the depth-separable spiral mesh convolution of MobRecon (section 3.3).

Reference: HandMesh ``conv/dsconv.py``. With spiral indices
``idx`` [N, S] (S = 9), DSConv is ``out[b, n] = W_ch @ sum_s w_dw[:, s] * x[b, idx[n, s]]``.

Forms of DSConv, all with the same parameters (``spatial_layer.weight`` [C, 1, 3, 3],
``channel_layer.weight`` [Cout, C]):

- ``reference``: gather to [B, N*S, C], view as N tiny 3x3 images [B*N, C, 3, 3], depthwise conv.
  Writes the S-fold intermediate and a batch-of-N-images layout (the reference).
- ``streamed``: accumulates ``w_dw[:, s] * x[:, idx[:, s]]`` tap by tap; the S-fold intermediate
  is never written (peak extra memory one [B, N, C] tap instead of S of them).
- ``rank4`` (:class:`DSConvRank4`, a deploy form): channels-first [B, C, 1, N] layout; one
  ``index_select`` gather to [B, C, 1, N*S], one depthwise Conv2d with kernel (1, S) and stride
  (1, S), one 1x1 Conv2d. Every op is a plain rank-4 op that NNAPI and CoreML run, but the gather
  runs along the innermost axis, which ONNX Runtime's CPU kernel copies element by element.
- ``rows`` (:class:`DSConvRows`, a deploy form): channels-last [B, N, C] layout; one gather of
  whole C-float rows (contiguous copies), the S taps weighted per channel and averaged
  (``ReduceMean`` with the weights pre-scaled by S: NNAPI has no ReduceSum), one MatMul.
  With few outputs (the xyz head) the tap weights are folded into the MatMul instead
  (:class:`DSConvRowsFolded`): S times the pointwise multiply-adds, but no pass over the S-fold
  gathered tensor besides the MatMul's own read.

Which deploy form is the default is decided by measurement (``benchmarks/profiling/dsconv_forms.py``).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["DSConv", "DSConvRank4", "DSConvRows", "DSConvRowsFolded", "DSCONV_FORMS", "DEPLOY_LAYOUTS", "FOLD_MAX_OUT_CHS"]

#: Names of the [B, N, C]-layout DSConv forms of the reference-form model.
DSCONV_FORMS = ("reference", "streamed")

#: Feature layouts of the deploy forms: ``rows`` ([B, N, C]) and ``rank4`` ([B, C, 1, N]).
DEPLOY_LAYOUTS = ("rows", "rank4")

#: On the ``rows`` layout, a DSConv with at most this many outputs folds its tap weights into the
#: MatMul (:class:`DSConvRowsFolded`). For the xyz head (32 -> 3 on 778 vertices) that is 0.67 M
#: multiply-adds instead of a Mul and a ReduceMean over 7002 x 32 floats: measured 0.2 ms faster
#: per inference on ONNX Runtime CPU (x86, 1 thread). Wider layers would pay S x their MatMul.
FOLD_MAX_OUT_CHS = 8


class DSConv(nn.Module):
    """Depth-separable spiral convolution on [B, N_in, C] vertex features.

    Args:
        in_chs: input channels C.
        out_chs: output channels.
        spiral: [N, S] int64 spiral indices (S a perfect square for the reference form).
        form: one of :data:`DSCONV_FORMS`.

    Shapes:
        x: [B, N_in, C] -> [B, N, out_chs]; N_in >= max index + 1.
    """

    def __init__(self, in_chs: int, out_chs: int, spiral: torch.Tensor, form: str = "reference") -> None:
        super().__init__()
        if form not in DSCONV_FORMS:
            raise ValueError(f"unknown DSConv form {form!r}; choose one of {DSCONV_FORMS}")
        self.num_verts, self.spiral_len = int(spiral.shape[0]), int(spiral.shape[1])
        k = int(round(self.spiral_len ** 0.5))
        self.form = form
        self.register_buffer("spiral", spiral.to(torch.int64), persistent=False)
        self.spatial_layer = nn.Conv2d(in_chs, in_chs, k, groups=in_chs, bias=False)
        self.channel_layer = nn.Linear(in_chs, out_chs, bias=False)

    def tap_weights(self) -> torch.Tensor:
        """Depthwise weights per spiral position: [C, S] (position s = kernel cell (s // 3, s % 3))."""
        return self.spatial_layer.weight.reshape(self.spatial_layer.out_channels, -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.form == "streamed":
            w = self.tap_weights()
            acc = x.index_select(1, self.spiral[:, 0]) * w[:, 0]
            for s in range(1, self.spiral_len):
                acc = acc.addcmul(x.index_select(1, self.spiral[:, s]), w[:, s])
            return self.channel_layer(acc)
        k = self.spatial_layer.kernel_size[0]
        g = x.index_select(1, self.spiral.reshape(-1))                          # [B, N*S, C]
        g = g.reshape(-1, self.spiral_len, x.shape[-1]).transpose(1, 2)         # [B*N, C, S]
        y = self.spatial_layer(g.reshape(g.shape[0], g.shape[1], k, k))        # [B*N, C, 1, 1]
        return self.channel_layer(y.reshape(x.shape[0], self.num_verts, -1))

    @torch.no_grad()
    def fuse(self, layout: str = "rows") -> nn.Module:
        """Deploy form, same weights: :class:`DSConvRows` (``"rows"``) or :class:`DSConvRank4` (``"rank4"``)."""
        in_chs, out_chs = self.spatial_layer.in_channels, self.channel_layer.out_features
        if layout == "rows" and out_chs <= FOLD_MAX_OUT_CHS:
            m = DSConvRowsFolded(in_chs, out_chs, self.spiral).to(self.channel_layer.weight)
            folded = self.channel_layer.weight[:, None, :] * self.tap_weights().t()[None]     # [O, S, C]
            m.linear.weight.copy_(folded.reshape(out_chs, -1))
            return m
        if layout == "rows":
            m = DSConvRows(in_chs, out_chs, self.spiral).to(self.channel_layer.weight)
            m.taps.copy_(self.tap_weights().t() * self.spiral_len)
            m.pointwise.weight.copy_(self.channel_layer.weight)
            return m
        m = DSConvRank4(in_chs, out_chs, self.spiral).to(self.channel_layer.weight)
        m.depthwise.weight.copy_(self.tap_weights()[:, None, None, :])
        m.pointwise.weight.copy_(self.channel_layer.weight[:, :, None, None])
        return m


class _RowGather(nn.Module):
    """Shared part of the ``rows`` forms: the spiral table and the S-fold row gather."""

    def __init__(self, in_chs: int, spiral: torch.Tensor) -> None:
        super().__init__()
        self.num_verts, self.spiral_len, self.in_chs = int(spiral.shape[0]), int(spiral.shape[1]), in_chs
        self.register_buffer("index", spiral.reshape(-1).to(torch.int64), persistent=False)

    def gather(self, x: torch.Tensor) -> torch.Tensor:
        """[B, N_in, C] -> [B, N, S, C]: the S spiral neighbours' rows of every vertex."""
        return x.index_select(1, self.index).reshape(-1, self.num_verts, self.spiral_len, self.in_chs)


class DSConvRows(_RowGather):
    """DSConv on channels-last [B, N, C] features: row gather, per-channel tap weights, mean, MatMul.

    ``taps`` holds the depthwise weights times S, so the mean over the S taps is their weighted sum.

    Shapes:
        x: [B, N_in, C] -> [B, N, out_chs].
    """

    def __init__(self, in_chs: int, out_chs: int, spiral: torch.Tensor) -> None:
        super().__init__(in_chs, spiral)
        self.register_buffer("taps", torch.zeros(self.spiral_len, in_chs))
        self.pointwise = nn.Linear(in_chs, out_chs, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise((self.gather(x) * self.taps).mean(dim=2))


class DSConvRowsFolded(_RowGather):
    """DSConv on [B, N, C] with the tap weights folded into one Linear over the S gathered rows.

    ``out[b, n] = W @ concat_s x[b, idx[n, s]]`` with ``W[o, s * C + c] = W_ch[o, c] * w_dw[c, s]``.

    Shapes:
        x: [B, N_in, C] -> [B, N, out_chs].
    """

    def __init__(self, in_chs: int, out_chs: int, spiral: torch.Tensor) -> None:
        super().__init__(in_chs, spiral)
        self.linear = nn.Linear(self.spiral_len * in_chs, out_chs, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.gather(x).reshape(-1, self.num_verts, self.spiral_len * self.in_chs))


class DSConvRank4(nn.Module):
    """DSConv on channels-first rank-4 features: gather, (1, S) depthwise conv stride S, 1x1 conv.

    Shapes:
        x: [B, C, 1, N_in] -> [B, out_chs, 1, N].
    """

    def __init__(self, in_chs: int, out_chs: int, spiral: torch.Tensor, bias: bool = False) -> None:
        super().__init__()
        self.spiral_len = int(spiral.shape[1])
        self.register_buffer("index", spiral.reshape(-1).to(torch.int64), persistent=False)
        self.depthwise = nn.Conv2d(in_chs, in_chs, (1, self.spiral_len), (1, self.spiral_len), groups=in_chs, bias=False)
        self.pointwise = nn.Conv2d(in_chs, out_chs, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x.index_select(3, self.index)))
