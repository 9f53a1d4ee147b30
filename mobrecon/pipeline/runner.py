"""One interface for the network on a crop: PyTorch, or an exported ``.onnx`` / ``.ort`` on ONNX Runtime.

Usage::

    from mobrecon.pipeline.runner import load_crop_model

    loaded = load_crop_model(checkpoint=None, template=None, artifact="exports/mobrecon_densestack.onnx")
    verts, uv = loaded.model(image)      # image [1, 3, 128, 128] float32 in [-1, 1]
    loaded.topology, loaded.label        # the mesh the vertices belong to; what the weights are

``verts`` come back as [N, 3] float64 in the network's units (0.2 m, root-relative) and ``uv`` as
[21, 2] float64 in crop units (x 128 = px), FreiHAND/MPII order. An artifact is checked against
the topology before use: its input must be [1, 3, 128, 128] and its outputs ``verts`` [1, N, 3]
with N the topology's vertex count and ``uv`` [1, 21, 2]; where it sits in an export folder, the
manifest's topology sha256 must equal the given topology's (an export of the synthetic mesh and
one of the MANO template have the same shapes, so only the manifest tells them apart).
torch and onnxruntime are imported only by the runner that needs them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from mobrecon.files import sha256_file
from mobrecon.pipeline.errors import ArtifactMismatch, PipelineError
from mobrecon.topology import Topology

__all__ = ["CropModel", "LoadedModel", "torch_crop_model", "ort_crop_model", "load_crop_model", "ARTIFACT_SUFFIXES"]

#: Exported formats this runner can execute on the host.
ARTIFACT_SUFFIXES = (".onnx", ".ort")
_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class CropModel:
    """A runnable model: ``run(image [1, 3, 128, 128] float32) -> (verts [N, 3], uv [21, 2])`` float64, network units.

    Attributes:
        run: the call.
        runtime: what runs it (``pytorch 2.x`` or ``onnxruntime 1.x CPUExecutionProvider``).
        source: file or description of the weights.
    """

    run: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    runtime: str
    source: str

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.run(image)


@dataclass(frozen=True)
class LoadedModel:
    """A model with the topology its vertices belong to.

    Attributes:
        model: the runnable model.
        topology: its mesh topology (faces, joint regressor).
        untrained: True when the weights are seeded random ones (they predict no hand).
        label: one line for the user saying what the weights and the mesh are.
        notes: what was and was not checked.
    """

    model: CropModel
    topology: Topology
    untrained: bool
    label: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def torch_crop_model(module, source: str) -> CropModel:
    """Wrap a PyTorch MobRecon (eval mode, float32)."""
    import torch

    module = module.float().eval()

    @torch.no_grad()
    def run(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = module(torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)))
        return out["verts"][0].double().numpy(), out["uv"][0].double().numpy()

    return CropModel(run=run, runtime=f"pytorch {torch.__version__}", source=source)


def ort_crop_model(path: Path, threads: int = 1) -> tuple[CropModel, int]:
    """An ``.onnx`` / ``.ort`` file on ONNX Runtime's CPU execution provider, and its vertex count.

    Raises:
        ArtifactMismatch: the file is not a MobRecon artifact (inputs or outputs of other shapes).
        PipelineError: ONNX Runtime cannot load it.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own exception types for unreadable files
        raise PipelineError(f"ONNX Runtime cannot load {path}: {str(err).splitlines()[0][:200]}") from None
    inputs = session.get_inputs()
    outputs = {o.name: list(o.shape) for o in session.get_outputs()}
    if len(inputs) != 1 or list(inputs[0].shape) != [1, 3, 128, 128]:
        raise ArtifactMismatch(f"{path.name} takes {[list(i.shape) for i in inputs]}, not one [1, 3, 128, 128] image: not a MobRecon artifact")
    verts_shape, uv_shape = outputs.get("verts"), outputs.get("uv")
    if verts_shape is None or uv_shape is None or len(verts_shape) != 3 or verts_shape[2] != 3 or uv_shape != [1, 21, 2]:
        raise ArtifactMismatch(f"{path.name} outputs {outputs}, not verts [1, N, 3] and uv [1, 21, 2]: not a MobRecon artifact")
    name = inputs[0].name

    def run(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        verts, uv = session.run(["verts", "uv"], {name: np.ascontiguousarray(image, dtype=np.float32)})
        return np.asarray(verts[0], np.float64), np.asarray(uv[0], np.float64)

    return CropModel(run=run, runtime=f"onnxruntime {ort.__version__} CPUExecutionProvider", source=str(path)), int(verts_shape[1])


def _check_manifest(path: Path, topology: Topology) -> tuple[bool | None, str]:
    """Compare an artifact with the manifest of its export folder: (untrained or None if unknown, note).

    Raises:
        ArtifactMismatch: the manifest's topology differs from ``topology``, or the file changed since export.
    """
    manifest_path = path.parent / _MANIFEST
    if not manifest_path.is_file():
        return None, f"no {_MANIFEST} beside {path.name}: its topology could not be checked (only its output shapes were)"
    try:
        manifest = json.loads(manifest_path.read_text())
        model = manifest["model"]
        exported_sha, exported_topology = model["topology_sha256"], model["topology"]
    except (OSError, ValueError, KeyError, TypeError):
        return None, f"{manifest_path} is not a readable export manifest: the topology could not be checked"
    if exported_sha != topology.sha256():
        raise ArtifactMismatch(
            f"{path.name} was exported with the topology {exported_topology} but the given one is {topology.describe()}: "
            "pass the --template it was exported with")
    entry = next((a for a in manifest.get("artifacts", []) if a.get("file") == path.name), None)
    if entry is not None and entry.get("sha256") and entry["sha256"] != sha256_file(path):
        raise ArtifactMismatch(f"{path.name} changed after export: its sha256 differs from {manifest_path}")
    untrained = str(model.get("recipe", "")).startswith("seeded:")
    return untrained, f"topology sha256 {exported_sha[:12]} matches {manifest_path}"


def load_crop_model(checkpoint: Path | None = None, template: Path | None = None, artifact: Path | None = None,
                    variant: str = "densestack", threads: int = 1) -> LoadedModel:
    """The model the pipeline runs, with its topology.

    Args:
        checkpoint: PyTorch checkpoint of any published layout; None for the built-in seeded weights.
        template: HandMesh template folder; None for the built-in synthetic mesh.
        artifact: an exported ``.onnx`` / ``.ort`` to run instead of PyTorch (``checkpoint`` is then unused).
        variant: registered variant for the built-in weights.
        threads: ONNX Runtime intra-op threads.

    Raises:
        MobReconError: an unreadable checkpoint or template; :class:`ArtifactMismatch` when the artifact
            and the topology disagree; :class:`PipelineError` for a missing or unsupported artifact.
    """
    topology = Topology.from_handmesh(template) if template is not None else Topology.synthetic()
    mesh = "HandMesh MANO template" if not topology.is_synthetic else "the SYNTHETIC tube mesh (not a hand)"
    if artifact is not None:
        artifact = Path(artifact)
        if artifact.suffix not in ARTIFACT_SUFFIXES:
            raise PipelineError(f"{artifact} is not an .onnx or .ort file (Core ML .mlpackage runs only on macOS/iOS)")
        if not artifact.is_file():
            raise PipelineError(f"artifact {artifact} does not exist")
        model, num_verts = ort_crop_model(artifact, threads)
        if num_verts != topology.num_verts[0]:
            raise ArtifactMismatch(f"{artifact.name} outputs {num_verts} vertices but the topology has {topology.num_verts[0]}: "
                                   "it was exported with another mesh; pass the --template it was exported with")
        untrained, note = _check_manifest(artifact, topology)
        weights = {True: "untrained seeded random weights", False: "exported weights", None: "weights of unknown origin"}[untrained]
        return LoadedModel(model, topology, bool(untrained), f"{artifact.name} ({weights}) on {mesh}", (note,))
    if checkpoint is not None:
        from mobrecon.checkpoint import load_checkpoint

        module = load_checkpoint(Path(checkpoint), topology=topology)
        info = module.checkpoint_info
        return LoadedModel(torch_crop_model(module, str(checkpoint)), topology, False,
                           f"checkpoint {Path(checkpoint).name} (layout {info.layout}) on {mesh}")
    from mobrecon.info import DEFAULT_SEED, seeded_model

    module = seeded_model(variant, topology)
    return LoadedModel(torch_crop_model(module, f"seeded:{variant}:{DEFAULT_SEED}"), topology, True,
                       f"UNTRAINED built-in {variant} (seeded random weights, predicts no hand) on {mesh}")
