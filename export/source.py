"""The PyTorch model an export starts from, and its rebuild recipe (so ``verify`` needs no re-export).

Usage::

    model, source = load_source_model(checkpoint=None, template=None, variant="densestack")
    model = rebuild_source_model(source)      # same weights and topology, hashes checked
"""

from __future__ import annotations

from pathlib import Path

import torch

from mobrecon.info import DEFAULT_SEED, seeded_model
from mobrecon.registry import get_model_card, list_models
from mobrecon.topology import Topology
from mobrecon_export.errors import ArtifactMismatchError, ExportError
from mobrecon_export.manifest import ModelSource, path_sha256

__all__ = ["load_source_model", "rebuild_source_model", "load_topology"]


def load_topology(template: Path | None) -> tuple[Topology, str]:
    """Topology from a HandMesh template folder, else the built-in synthetic mesh; and its source string."""
    if template is None:
        return Topology.synthetic(), "synthetic"
    template = Path(template).resolve()
    return Topology.from_handmesh(template), f"handmesh:{template}"


def load_source_model(checkpoint: Path | None, template: Path | None, variant: str, seed: int = DEFAULT_SEED) -> tuple[torch.nn.Module, ModelSource]:
    """Build the model to export: a checkpoint (its layout decides the variant) or seeded built-in weights.

    Args:
        checkpoint: checkpoint file of any published layout, or None for the built-in default.
        template: HandMesh template folder, or None for the synthetic mesh.
        variant: registered variant (used only without a checkpoint).
        seed: seed of the built-in weights.

    Returns:
        (eval-mode float32 model, its :class:`ModelSource`).

    Raises:
        MobReconError: unknown variant (with the close match), unreadable checkpoint, checkpoint and
            topology mismatch (the loader's :class:`mobrecon.errors.CheckpointError`), bad template.
    """
    from mobrecon.checkpoint import load_checkpoint

    topology, topology_source = load_topology(template)
    if checkpoint is not None:
        model = load_checkpoint(Path(checkpoint), topology=topology)
        info = model.checkpoint_info
        recipe, sha, layout = f"checkpoint:{Path(checkpoint).resolve()}", info.sha256, info.layout
        variant = model.card.name
    else:
        get_model_card(variant)  # raises MobReconError with the close match for an unknown name
        model = seeded_model(variant, topology, seed)
        recipe, sha, layout = f"seeded:{variant}:{seed}", None, f"{variant} (built-in)"
    source = ModelSource(
        variant=variant, recipe=recipe, checkpoint_sha256=sha, checkpoint_layout=layout, card_tag=model.card.tag,
        topology_source=topology_source, topology_sha256=topology.sha256(), topology_synthetic=topology.is_synthetic,
        topology=topology.describe(),
    )
    return model.float().eval(), source


def rebuild_source_model(source: ModelSource) -> torch.nn.Module:
    """Rebuild the PyTorch model a manifest describes, checking checkpoint and topology hashes.

    Raises:
        ArtifactMismatchError: the checkpoint or topology on disk is not the one exported.
        ExportError: a recipe this version cannot read.
    """
    kind, _, rest = source.recipe.partition(":")
    topo_kind, _, topo_where = source.topology_source.partition(":")
    if topo_kind not in ("synthetic", "handmesh"):
        raise ExportError(f"unknown topology source {source.topology_source!r} in the manifest")
    template = Path(topo_where) if topo_kind == "handmesh" else None
    if kind == "checkpoint":
        path = Path(rest)
        if not path.is_file():
            raise ArtifactMismatchError(f"the exported checkpoint {path} is gone; cannot rebuild the PyTorch reference")
        if path_sha256(path) != source.checkpoint_sha256:
            raise ArtifactMismatchError(f"checkpoint {path} changed since export (sha256 differs from the manifest)")
        model, rebuilt = load_source_model(path, template, source.variant)
    elif kind == "seeded":
        variant, _, seed = rest.rpartition(":")
        if variant not in list_models():
            raise ExportError(f"variant {variant!r} of the manifest is not registered in this version")
        model, rebuilt = load_source_model(None, template, variant, int(seed))
    else:
        raise ExportError(f"unknown model recipe {source.recipe!r} in the manifest")
    if rebuilt.topology_sha256 != source.topology_sha256:
        raise ArtifactMismatchError(f"topology from {source.topology_source} differs from the exported one (sha256 mismatch)")
    return model
