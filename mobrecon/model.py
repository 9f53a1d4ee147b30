"""MobRecon: encoder -> MapReg 2D head -> pose-to-vertex lifting -> DSConv mesh decoder.

Paper: Chen et al., "MobRecon: Mobile-Friendly Hand Mesh Reconstruction from Monocular Image",
CVPR 2022, arXiv 2112.02753. Reference: github.com/SeanChenxy/HandMesh at 3c87e95
(``mobrecon/models/mobrecon_ds.py``; ``cmr/models/mobrecon_densestack.py`` for SpiralConv).

Usage::

    from mobrecon import Topology, create_model
    model = create_model("densestack", topology=Topology.synthetic()).eval()
    out = model(images)          # images: [B, 3, 128, 128] float32 in [-1, 1]
    out["verts"], out["uv"]      # [B, 778, 3] (x0.2 = metres), [B, 21, 2] (x128 = pixels)
    fast = to_deploy(model)      # mobrecon.deploy: same weights, mobile-friendly graph, original untouched

Stages, each callable on its own: :meth:`MobRecon.forward_encoder`, :meth:`forward_head2d`,
:meth:`forward_lifting`, :meth:`forward_decoder`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from mobrecon.decoder import MeshDecoder
from mobrecon.densestack import DenseStackCfg, DenseStackEncoder
from mobrecon.errors import InputError
from mobrecon.heads import MapRegHead, PoseLifting
from mobrecon.registry import HANDMESH_WEIGHTS, ModelCard, register_model
from mobrecon.topology import Topology

__all__ = ["MobReconCfg", "MobRecon", "CheckpointInfo", "check_input", "param_dtype"]


@dataclass(frozen=True)
class MobReconCfg:
    """Architecture of one variant, as data.

    Attributes:
        decoder_widths: mesh-conv output channels per level, finest first.
        mesh_conv: ``"dsconv"`` or ``"spiralconv"``.
        latent_conv: the 2022 layout's extra 1x1 conv on the latent before pose pooling.
        num_joints: 2D joints (21).
        map_chs: channels of the encoder's 16x16 maps (24).
        latent_chs: channels of the 4x4 latent (256).
        map_hw: side of the MapReg maps (16).
    """

    decoder_widths: tuple[int, ...] = (32, 64, 128, 256)
    mesh_conv: str = "dsconv"
    latent_conv: bool = False
    num_joints: int = 21
    map_chs: int = 24
    latent_chs: int = 256
    map_hw: int = 16


@dataclass(frozen=True)
class CheckpointInfo:
    """Where a model's weights came from (set by :func:`mobrecon.load_checkpoint`).

    Attributes:
        layout: detected checkpoint layout.
        source: file path, or ``"<state_dict>"``.
        sha256: of the file (None for an in-memory state_dict).
        dropped_keys: keys ignored because the forward never uses them.
        notes: what the loader did (unwrapping, prefix stripping, renames).
    """

    layout: str
    source: str
    sha256: str | None
    dropped_keys: tuple[str, ...]
    notes: tuple[str, ...]


class MobRecon(nn.Module):
    """The whole network.

    Args:
        encoder: module mapping [B, 3, 128, 128] -> (maps [B, 24, 16, 16], latent [B, 256, 4, 4]).
        topology: mesh hierarchy for the decoder.
        cfg: head and decoder configuration.
        card: the variant's model card.
        dsconv_form: DSConv form of the reference decoder.
    """

    def __init__(self, encoder: nn.Module, topology: Topology, cfg: MobReconCfg, card: ModelCard, dsconv_form: str = "reference") -> None:
        super().__init__()
        self.cfg, self.card, self.topology = cfg, card, topology
        self.checkpoint_info: CheckpointInfo | None = None
        self.encoder = encoder
        self.head2d = MapRegHead(cfg.map_chs, cfg.num_joints, cfg.map_hw * cfg.map_hw)
        self.lifting = PoseLifting(cfg.latent_chs, cfg.num_joints, topology.num_verts[-1], cfg.latent_conv)
        self.decoder = MeshDecoder(topology, cfg.decoder_widths, cfg.mesh_conv, dsconv_form)

    # ------------------------------------------------------------------ stages
    def forward_encoder(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, 3, 128, 128] in [-1, 1] -> (maps [B, 24, 16, 16], latent [B, 256, 4, 4])."""
        return self.encoder(x)

    def forward_head2d(self, maps: torch.Tensor) -> torch.Tensor:
        """maps [B, 24, 16, 16] -> uv [B, 21, 2], (x, y) / 128 px."""
        return self.head2d(maps)

    def forward_lifting(self, latent: torch.Tensor, uv: torch.Tensor) -> torch.Tensor:
        """latent [B, 256, 4, 4], uv [B, 21, 2] -> coarse-vertex features [B, 49, 256]."""
        return self.lifting(latent, uv)

    def forward_decoder(self, feats: torch.Tensor) -> torch.Tensor:
        """[B, 49, 256] -> verts [B, 778, 3], root-relative, units of 0.2 m."""
        return self.decoder(feats)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Run the network.

        Args:
            x: [B, 3, 128, 128] float (the model's dtype), RGB crop normalised as
                ``(pixel / 255 - 0.5) / 0.5`` to [-1, 1].

        Returns:
            ``verts``: [B, 778, 3] MANO-topology vertices, root-relative, camera axes, in units
            of 0.2 m (multiply by 0.2 for metres); ``uv``: [B, 21, 2] 2D joints (x, y) in the
            crop divided by 128 (multiply by 128 for pixels), FreiHAND/MPII order.

        Raises:
            InputError: on a tensor of the wrong type, shape or dtype.
        """
        check_input(x, self.card.input_size, param_dtype(self))
        maps, latent = self.forward_encoder(x)
        uv = self.forward_head2d(maps)
        return {"verts": self.forward_decoder(self.forward_lifting(latent, uv)), "uv": uv}


def param_dtype(model: nn.Module) -> torch.dtype:
    """The dtype of a module's parameters (float32 when it has none)."""
    return next(model.parameters(), torch.empty(0)).dtype


def check_input(x: object, size: int, dtype: torch.dtype) -> None:
    """Raise :class:`InputError` unless ``x`` is a [B, 3, size, size] tensor of ``dtype``."""
    if torch.jit.is_tracing() or torch.compiler.is_compiling():
        return
    if not isinstance(x, torch.Tensor):
        raise InputError(f"expected a torch.Tensor of shape [B, 3, {size}, {size}], got {type(x).__name__}")
    if x.dim() != 4 or tuple(x.shape[1:]) != (3, size, size) or x.shape[0] == 0:
        raise InputError(f"expected input of shape [B, 3, {size}, {size}] (RGB, NCHW), got {list(x.shape)}")
    if x.dtype != dtype:
        raise InputError(f"expected input dtype {dtype} (the model's), got {x.dtype}; convert with x.to({dtype})")


# ---------------------------------------------------------------------- checkpoint key filters
#: Modules of stack 1 that the reference builds but whose output its forward never uses.
UNUSED_REFERENCE_PREFIXES = ("backbone.dense_stack1.senet3.", "backbone.dense_stack1.dense4.", "backbone.dense_stack1.dense5.")

_REFERENCE_RENAMES = (
    ("backbone.reduce.", "head2d.reduce."),
    ("backbone.uv_reg.", "head2d.mlp."),
    ("backbone.", "encoder."),
    ("decoder3d.upsample", "lifting.pvl"),
    ("decoder3d.de_layer_conv.", "lifting.latent_conv."),
    ("decoder3d.de_layer.", "decoder.layers."),
    ("decoder3d.head.", "decoder.head."),
)


def _rename(state_dict: dict[str, torch.Tensor], renames: tuple[tuple[str, str], ...]) -> dict[str, torch.Tensor]:
    out = {}
    for key, value in state_dict.items():
        if key.startswith(UNUSED_REFERENCE_PREFIXES):
            continue
        for old, new in renames:
            if key.startswith(old):
                key = new + key[len(old):]
                break
        out[key] = value
    return out


def filter_densestack(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """HEAD ``MobRecon_DS`` keys (and legacy ``mobrecon_densestack_dsconv.pt``, which names the
    24->21 conv ``backbone.conv``) -> ours."""
    return _rename(state_dict, (("backbone.conv.", "head2d.reduce."),) + _REFERENCE_RENAMES)


def filter_densestack_spiralconv(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """cmr ``MobRecon`` (``mobrecon_densestack.pt``, SpiralConv decoder, ``backbone.conv``) -> ours."""
    return _rename(state_dict, (("backbone.conv.", "head2d.reduce."),) + _REFERENCE_RENAMES)


def filter_densestack_dsconv_2022(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """2022 ``MobRecon_DS`` keys (extra ``decoder3d.de_layer_conv``) -> ours."""
    return _rename(state_dict, _REFERENCE_RENAMES)


# ---------------------------------------------------------------------- variant configs
_DENSESTACK_DESC = "DenseStack encoder, MapReg, PVL"

VARIANTS: dict[str, tuple[MobReconCfg, ModelCard, Callable[[dict], dict]]] = {
    "densestack": (
        MobReconCfg(),
        ModelCard("densestack", f"{_DENSESTACK_DESC}, DSConv decoder (HEAD MobRecon_DS; the paper's model)", "handmesh",
                  checkpoint_url=HANDMESH_WEIGHTS, checkpoint_file="mobrecon_densestack_dsconv.pt"),
        filter_densestack,
    ),
    "densestack-spiralconv": (
        MobReconCfg(mesh_conv="spiralconv"),
        ModelCard("densestack-spiralconv", f"{_DENSESTACK_DESC}, SpiralConv++ decoder (cmr demo layout)", "handmesh",
                  checkpoint_url=HANDMESH_WEIGHTS, checkpoint_file="mobrecon_densestack.pt"),
        filter_densestack_spiralconv,
    ),
    "densestack-dsconv-2022": (
        MobReconCfg(latent_conv=True),
        ModelCard("densestack-dsconv-2022", f"{_DENSESTACK_DESC}, DSConv decoder, extra latent 1x1 conv (2022 training code)", "handmesh",
                  checkpoint_url=HANDMESH_WEIGHTS, checkpoint_file="checkpoint_best.pt (2022 mobrecon/ training code)"),
        filter_densestack_dsconv_2022,
    ),
}


def _build_densestack(name: str, topology: Topology | None, dsconv_form: str, encoder_cfg: DenseStackCfg) -> MobRecon:
    cfg, card, _ = VARIANTS[name]
    topology = topology if topology is not None else Topology.synthetic()
    return MobRecon(DenseStackEncoder(encoder_cfg), topology, cfg, card, dsconv_form)


def _register_densestack(name: str) -> None:
    @register_model(VARIANTS[name][1])
    def constructor(
        topology: Topology | None = None,
        dsconv_form: str = "reference",
        encoder_cfg: DenseStackCfg = DenseStackCfg(),
    ) -> MobRecon:
        """Build the variant; ``topology`` defaults to :meth:`Topology.synthetic` (not a hand)."""
        return _build_densestack(name, topology, dsconv_form, encoder_cfg)

    constructor.__name__ = name.replace("-", "_")


for _name in VARIANTS:
    _register_densestack(_name)
