"""Conditioned random weights for the built-in default model (no checkpoint given).

PyTorch's default initialisation gives MobRecon outputs of about 1e-10 (the PVL matrix starts at
0.01 and every mesh conv shrinks its input), so exported artifacts would "verify" against zeros.
:func:`condition_weights` makes a seeded model whose outputs have the scale of real ones, so
that verification of the default path measures something:

1. the PVL matrix drawn from N(0, 1/21) (unit gain over 21 joints); BatchNorm affine parameters
   drawn, those ending an identity-residual branch scaled by ``RESIDUAL_GAIN``;
2. BatchNorm running statistics calibrated on generated images of every kind the verifier feeds (uniform noise, smooth random
   fields, colour gradients, flat colours), each BatchNorm from its own input in one forward pass,
   so every layer is calibrated on inputs already normalised by the layers before it (variances
   floored at ``VAR_FLOOR`` of the layer's median, see there);
3. in the same pass, each mesh conv's last weight rescaled so that its output has unit standard
   deviation (the head: ``HEAD_STD``, the spread of hand vertices in units of 0.2 m).

Deterministic for a given seed. The result is still a random network: it predicts no hand.
"""

from __future__ import annotations

import torch
from torch import nn

import torch.nn.functional as F

__all__ = ["condition_weights", "calibration_images", "HEAD_STD"]

#: Target standard deviation of the head's output (vertex coordinates, units of 0.2 m).
HEAD_STD = 0.25

#: Calibrated variances are floored at this fraction of their layer's median variance: a channel
#: that is nearly constant on the calibration images would otherwise get a BatchNorm gain of up to
#: 1/sqrt(eps) ~ 316 and amplify rounding noise by as much.
VAR_FLOOR = 0.1

#: Gain of the last BatchNorm of every identity-residual branch ("zero-init residual", Goyal et
#: al. 2017, arXiv 1706.02677): random BatchNorm networks are chaotic at initialisation, and with
#: full-gain residual branches rounding weights to fp16 moved this network's vertices by ~1 m;
#: at 0.1 by ~9 mm.
RESIDUAL_GAIN = 0.1


def calibration_images(per_kind: int = 3, size: int = 128, generator: torch.Generator | None = None) -> torch.Tensor:
    """Generated images [4 * per_kind, 3, size, size] in [-1, 1]: noise, smooth fields, gradients, flats."""
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    n = per_kind
    noise = torch.rand(n, 3, size, size, generator=gen) * 2 - 1
    coarse = torch.rand(n, 3, 4, 4, generator=gen) * 2 - 1
    smooth = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=True).clamp(-1, 1)
    ramp = torch.linspace(-1, 1, size)
    direction = torch.rand(n, 3, 2, generator=gen) * 2 - 1
    gradients = (direction[..., 0, None, None] * ramp[None, None, None, :] + direction[..., 1, None, None] * ramp[None, None, :, None]).clamp(-1, 1)
    flats = (torch.rand(n, 3, 1, 1, generator=gen) * 2 - 1).expand(n, 3, size, size)
    return torch.cat([noise, smooth, gradients, flats])


def _mesh_convs(model: nn.Module) -> list[nn.Module]:
    return [layer.conv for layer in model.decoder.layers] + [model.decoder.head]


def _last_weight(conv: nn.Module) -> torch.Tensor:
    return conv.channel_layer.weight if hasattr(conv, "channel_layer") else conv.layer.weight


@torch.no_grad()
def condition_weights(model: nn.Module, seed: int = 0, per_kind: int = 3) -> nn.Module:
    """Condition a freshly built :class:`mobrecon.model.MobRecon` in place; returns it in eval mode.

    Args:
        model: reference-form model (random init).
        seed: seed of every random draw here (the caller seeds the constructor).
        per_kind: calibration images of each kind (see :func:`calibration_images`).
    """
    gen = torch.Generator().manual_seed(seed + 1)
    model.lifting.pvl.normal_(0.0, (1 / model.lifting.pvl.shape[1]) ** 0.5, generator=gen)
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.weight.uniform_(0.5, 1.5, generator=gen)
        bn.bias.normal_(0.0, 0.1, generator=gen)
    for unit in model.modules():
        if getattr(unit, "residual", False):
            branch_end = list(unit.children())[-1]
            for bn in (m for m in branch_end.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)):
                bn.weight.mul_(RESIDUAL_GAIN)
                bn.bias.mul_(RESIDUAL_GAIN)
    images = calibration_images(per_kind, model.card.input_size, gen)
    convs = _mesh_convs(model)
    targets = {id(c): HEAD_STD if i == len(convs) - 1 else 1.0 for i, c in enumerate(convs)}

    def calibrate_bn(bn: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
        x = args[0]
        dims = [0] + list(range(2, x.dim()))
        var = x.var(dims)
        bn.running_mean.copy_(x.mean(dims))
        bn.running_var.copy_(torch.maximum(var, VAR_FLOOR * var.median()))

    def rescale_conv(conv: nn.Module, _args: tuple, out: torch.Tensor) -> torch.Tensor:
        scale = targets[id(conv)] / out.std().clamp_min(1e-12)
        _last_weight(conv).mul_(scale)
        return out * scale

    model.eval()
    handles = [bn.register_forward_pre_hook(calibrate_bn) for bn in bns]
    handles += [conv.register_forward_hook(rescale_conv) for conv in convs]
    try:
        model(images)
    finally:
        for h in handles:
            h.remove()
    return model
