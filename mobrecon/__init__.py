"""mobrecon: a compact PyTorch MobRecon (CVPR 2022 hand-mesh network) that loads every published
HandMesh checkpoint layout and reproduces the reference outputs.

Usage::

    from mobrecon import Topology, create_model, load_checkpoint, list_models
    topology = Topology.from_handmesh("HandMesh/template")
    model = load_checkpoint("mobrecon_densestack.pt", topology=topology)
    out = model(images)   # images [B, 3, 128, 128] in [-1, 1] -> verts [B, 778, 3], uv [B, 21, 2]
    fast = to_deploy(model)   # same weights, mobile-friendly graph (mobrecon.deploy)
"""

from mobrecon.errors import CheckpointError, InputError, MobReconError, TopologyError, UnsafePickleError
from mobrecon.topology import Topology, UpTransform
from mobrecon.registry import ModelCard, create_model, get_model_card, list_models
# Model files register their variants when imported (mobrecon.registry imports no model).
from mobrecon.model import CheckpointInfo, MobRecon, MobReconCfg
from mobrecon import ghoststack as _ghoststack  # noqa: F401  (registers "ghoststack")
from mobrecon.deploy import MobReconDeploy, to_deploy
from mobrecon.checkpoint import load_checkpoint

__all__ = [
    "CheckpointError", "InputError", "MobReconError", "TopologyError", "UnsafePickleError",
    "Topology", "UpTransform", "ModelCard", "create_model", "get_model_card", "list_models",
    "CheckpointInfo", "MobRecon", "MobReconCfg", "MobReconDeploy", "to_deploy", "load_checkpoint",
]

__version__ = "0.1.0"
