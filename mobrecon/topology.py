"""Mesh topology of the MobRecon decoder: vertex counts, faces, spirals and upsampling per level.

Usage::

    from mobrecon import Topology
    topo = Topology.from_handmesh("HandMesh/template")   # MANO-derived files, not shipped
    topo.save("hand-topology.npz")                       # our own format, no pickle
    topo = Topology.load("hand-topology.npz")
    topo = Topology.synthetic()                          # built-in, generated, not a hand

Level 0 is the full mesh (778 vertices for the MANO hand), level 4 the coarsest (49). The
decoder runs from level 4 up to level 0: ``up[i]`` maps level ``i + 1`` features to level ``i``,
and ``spirals[i]`` gives the spiral neighbourhood used by the mesh convolution at level ``i``
(levels 0..3; level 4 is the pose-to-vertex lifting output and has none).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mobrecon.errors import TopologyError
from mobrecon.up_transform import UpTransform

__all__ = ["UpTransform", "Topology", "TOPOLOGY_FORMAT_VERSION"]

#: Version of our ``.npz`` topology format; bumped on any incompatible change.
TOPOLOGY_FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class Topology:
    """Mesh hierarchy used by the decoder.

    Attributes:
        num_verts: vertex count per level, finest first, e.g. (778, 389, 195, 98, 49).
        faces: per level, [F, 3] int64 triangle vertex indices.
        spirals: per level 0..L-2, [N, S] int64 spiral indices (S = 9); row n starts at n.
        up: per level 0..L-2, the operator from level i + 1 to level i.
        source: where it came from: ``"handmesh"``, ``"synthetic"`` or ``"npz"`` (with the origin
            of the saved data kept in ``origin``).
        origin: the source the data was first built from (``"handmesh"`` or ``"synthetic"``),
            preserved through save/load so output can always say whether it is a real hand.
        joint_regressor: optional [21, num_verts[0]] float64 vertex-to-joint regressor (MANO joint
            order), present for HandMesh templates.
    """

    num_verts: tuple[int, ...]
    faces: tuple[np.ndarray, ...]
    spirals: tuple[np.ndarray, ...]
    up: tuple[UpTransform, ...]
    source: str
    origin: str
    joint_regressor: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        self.validate()

    # ------------------------------------------------------------------ properties
    @property
    def is_synthetic(self) -> bool:
        """True when the mesh is our generated stand-in, not the MANO hand."""
        return self.origin == "synthetic"

    @property
    def spiral_length(self) -> int:
        return int(self.spirals[0].shape[1])

    @property
    def num_levels(self) -> int:
        return len(self.num_verts)

    def describe(self) -> str:
        """One line for user output, always saying whether the mesh is synthetic."""
        kind = "SYNTHETIC mesh (not a hand; for running the toolchain only)" if self.is_synthetic else "HandMesh MANO template"
        levels = "/".join(str(n) for n in self.num_verts)
        return f"{kind}, levels {levels}, spiral length {self.spiral_length}, sha256 {self.sha256()[:12]}"

    def sha256(self) -> str:
        """Content hash over every array that changes the network's output (not over ``source``)."""
        h = hashlib.sha256()
        h.update(np.asarray(self.num_verts, dtype=np.int64).tobytes())
        for s in self.spirals:
            h.update(np.ascontiguousarray(s, dtype=np.int64).tobytes())
        for u in self.up:
            for a in (u.row.astype(np.int64), u.col.astype(np.int64), u.value.astype(np.float32)):
                h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Check internal consistency.

        Raises:
            TopologyError: naming the first inconsistency found.
        """
        n = self.num_verts
        if len(n) < 2:
            raise TopologyError(f"a topology needs at least 2 levels, got {len(n)}")
        if len(self.faces) != len(n):
            raise TopologyError(f"{len(self.faces)} face arrays for {len(n)} levels")
        if len(self.spirals) != len(n) - 1 or len(self.up) != len(n) - 1:
            raise TopologyError(f"expected {len(n) - 1} spiral and upsampling levels, got {len(self.spirals)} and {len(self.up)}")
        for i, f in enumerate(self.faces):
            if f.ndim != 2 or f.shape[1] != 3 or (f.size and (f.min() < 0 or f.max() >= n[i])):
                raise TopologyError(f"level {i} faces must be [F, 3] indices below {n[i]}")
        lengths = {s.shape[1] for s in self.spirals if s.ndim == 2}
        for i, s in enumerate(self.spirals):
            if s.ndim != 2 or s.shape[0] != n[i] or len(lengths) != 1:
                raise TopologyError(f"level {i} spirals must be [{n[i]}, S] with one S for every level, got {list(s.shape)}")
            if s.min() < 0 or s.max() >= n[i]:
                raise TopologyError(f"level {i} spiral indices must lie in [0, {n[i]})")
        for i, u in enumerate(self.up):
            if tuple(u.shape) != (n[i], n[i + 1]):
                raise TopologyError(f"upsampling {i + 1}->{i} has shape {tuple(u.shape)}, expected {(n[i], n[i + 1])}")
            if not (u.row.shape == u.col.shape == u.value.shape) or u.row.ndim != 1:
                raise TopologyError(f"upsampling {i + 1}->{i} row/col/value arrays differ in length")
            if u.row.size and (u.row.min() < 0 or u.row.max() >= n[i] or u.col.min() < 0 or u.col.max() >= n[i + 1]):
                raise TopologyError(f"upsampling {i + 1}->{i} indices out of range")
            if u.value.dtype != np.float32:
                raise TopologyError(f"upsampling {i + 1}->{i} values must be float32, got {u.value.dtype}")
        if self.joint_regressor is not None and self.joint_regressor.shape[1:] != (n[0],):
            raise TopologyError(f"joint regressor must be [J, {n[0]}], got {list(self.joint_regressor.shape)}")

    # ------------------------------------------------------------------ our .npz format
    def save(self, path: str | os.PathLike) -> Path:
        """Write our pickle-free ``.npz`` format atomically (temp file, then rename).

        Returns:
            The path written.
        """
        path = Path(path)
        arrays: dict[str, np.ndarray] = {
            "format_version": np.asarray(TOPOLOGY_FORMAT_VERSION, dtype=np.int64),
            "num_verts": np.asarray(self.num_verts, dtype=np.int64),
            "origin": np.asarray(self.origin),
        }
        for i, f in enumerate(self.faces):
            arrays[f"faces_{i}"] = f.astype(np.int64)
        for i, s in enumerate(self.spirals):
            arrays[f"spiral_{i}"] = s.astype(np.int64)
        for i, u in enumerate(self.up):
            arrays[f"up_{i}_row"] = u.row.astype(np.int64)
            arrays[f"up_{i}_col"] = u.col.astype(np.int64)
            arrays[f"up_{i}_value"] = u.value.astype(np.float32)
            arrays[f"up_{i}_shape"] = np.asarray(u.shape, dtype=np.int64)
        if self.joint_regressor is not None:
            arrays["joint_regressor"] = self.joint_regressor.astype(np.float64)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".topology-", suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Topology":
        """Read a topology written by :meth:`save` (``allow_pickle=False``).

        Raises:
            TopologyError: if the file is missing, not our format, or inconsistent.
        """
        path = Path(path)
        if not path.is_file():
            raise TopologyError(f"topology file {path} does not exist")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise TopologyError(f"{path} is not a readable topology .npz ({type(exc).__name__}: {exc})") from None
        version = int(arrays.get("format_version", -1))
        if version != TOPOLOGY_FORMAT_VERSION:
            raise TopologyError(f"{path} is not a mobrecon topology file of format {TOPOLOGY_FORMAT_VERSION} (found {version})")
        try:
            num_verts = tuple(int(v) for v in arrays["num_verts"])
            levels = len(num_verts)
            up = tuple(
                UpTransform(
                    row=arrays[f"up_{i}_row"],
                    col=arrays[f"up_{i}_col"],
                    value=arrays[f"up_{i}_value"],
                    shape=(int(arrays[f"up_{i}_shape"][0]), int(arrays[f"up_{i}_shape"][1])),
                )
                for i in range(levels - 1)
            )
            return cls(
                num_verts=num_verts,
                faces=tuple(arrays[f"faces_{i}"] for i in range(levels)),
                spirals=tuple(arrays[f"spiral_{i}"] for i in range(levels - 1)),
                up=up,
                source="npz",
                origin=str(arrays["origin"]),
                joint_regressor=arrays.get("joint_regressor"),
            )
        except KeyError as exc:
            raise TopologyError(f"{path} lacks the array {exc.args[0]!r}; it is not a complete topology file") from None

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_handmesh(cls, template_dir: str | os.PathLike, spiral_length: int = 9) -> "Topology":
        """Build from a HandMesh ``template/`` folder.

        Reads ``template.ply``, ``transform.pkl`` (with a restricted unpickler that only
        materialises numpy arrays and scipy CSC matrices), ``j_reg.npy`` and
        ``right_faces.npy``, and computes the spiral indices with our own code (equal to
        openmesh 1.2.1's order, which the trained weights depend on).

        Raises:
            TopologyError: if a file is missing or corrupt (naming the file).
            UnsafePickleError: if ``transform.pkl`` asks to run or import anything not allowed.
        """
        from mobrecon.handmesh_template import read_handmesh_template

        return cls(**read_handmesh_template(Path(template_dir), spiral_length=spiral_length))

    @classmethod
    def synthetic(cls) -> "Topology":
        """Built-in deterministic stand-in with the hand's level sizes (778/389/195/98/49).

        Generated by our code from a mesh we create; it is not a hand, and every output that
        uses it says so (see :meth:`describe`).
        """
        from mobrecon.synthetic_mesh import build_synthetic_topology

        return cls(**build_synthetic_topology())
