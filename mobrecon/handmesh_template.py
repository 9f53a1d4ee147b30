"""Read a HandMesh ``template/`` folder into the fields of a :class:`~mobrecon.topology.Topology`.

The folder (HandMesh: ``template/``; MANO-derived, never shipped with this project) holds:

- ``template.ply``: the 778-vertex right-hand template (ASCII or binary PLY);
- ``transform.pkl``: the mesh hierarchy, read with :mod:`mobrecon.safe_pickle` (no scipy);
- ``j_reg.npy``: [21, 778] float64 vertex-to-joint regressor;
- ``right_faces.npy``: [1538, 3] int64 faces.

The faces of the three sources are cross-checked, spirals are computed from the pickle's
per-level faces with :mod:`mobrecon.spiral`, and the upsampling operators keep the reference's
entry order (scipy CSC ``.tocoo()``: column-sorted, rows in stored order) with float32 values.
Every missing or corrupt file raises :class:`TopologyError` naming the file.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from mobrecon.errors import TopologyError
from mobrecon.safe_pickle import PickledSparse, load_restricted_pickle, read_bytes
from mobrecon.spiral import compute_spirals
from mobrecon.up_transform import UpTransform

__all__ = ["read_handmesh_template", "read_ply"]

TEMPLATE_FILES = ("template.ply", "transform.pkl", "j_reg.npy", "right_faces.npy")

# PLY scalar type -> struct code
_PLY_TYPES = {
    "char": "b", "int8": "b", "uchar": "B", "uint8": "B",
    "short": "h", "int16": "h", "ushort": "H", "uint16": "H",
    "int": "i", "int32": "i", "uint": "I", "uint32": "I",
    "float": "f", "float32": "f", "double": "d", "float64": "d",
}  # fmt: skip


# ---------------------------------------------------------------------------- PLY
def _ply_header(raw: bytes, name: str) -> tuple[str, list[tuple[str, int, list[tuple]]], int]:
    """Parse the header: (format, [(element, count, [property specs])], byte offset of the body).

    A property spec is ``(name, type)`` for scalars or ``(name, count_type, item_type)`` for lists.
    """
    end = raw.find(b"end_header")
    if not raw.startswith(b"ply") or end < 0:
        raise TopologyError(f"{name} is not a PLY file (no 'ply' magic or no 'end_header')")
    body = raw.index(b"\n", end) + 1 if b"\n" in raw[end:] else len(raw)
    fmt, elements = "", []
    for line in raw[:end].decode("ascii", errors="replace").splitlines()[1:]:
        tok = line.split()
        if not tok or tok[0] in ("comment", "obj_info"):
            continue
        if tok[0] == "format" and len(tok) >= 2:
            fmt = tok[1]
        elif tok[0] == "element" and len(tok) == 3 and tok[2].isdigit():
            elements.append((tok[1], int(tok[2]), []))
        elif tok[0] == "property" and elements and len(tok) == 3 and tok[1] in _PLY_TYPES:
            elements[-1][2].append((tok[2], tok[1]))
        elif tok[0] == "property" and elements and len(tok) == 5 and tok[1] == "list" and tok[2] in _PLY_TYPES and tok[3] in _PLY_TYPES:
            elements[-1][2].append((tok[4], tok[2], tok[3]))
        else:
            raise TopologyError(f"{name} has an unreadable PLY header line {line.strip()!r}")
    if fmt not in ("ascii", "binary_little_endian", "binary_big_endian"):
        raise TopologyError(f"{name} has an unsupported PLY format {fmt!r}")
    return fmt, elements, body


def _read_ascii_rows(tokens: list[bytes], pos: int, props: list[tuple], count: int) -> tuple[list[list[float]], int]:
    """Read ``count`` rows of an ASCII element from ``tokens`` starting at ``pos`` (lists flattened)."""
    rows = []
    for _ in range(count):
        row: list[float] = []
        for p in props:
            if len(p) == 3:
                n = int(tokens[pos])
                row.extend(float(t) for t in tokens[pos + 1 : pos + 1 + n])
                pos += 1 + n
            else:
                row.append(float(tokens[pos]))
                pos += 1
        rows.append(row)
    return rows, pos


def _read_binary_rows(raw: bytes, pos: int, props: list[tuple], count: int, endian: str) -> tuple[list[list[float]], int]:
    """Read ``count`` rows of a binary element from ``raw`` starting at byte ``pos``."""
    rows = []
    for _ in range(count):
        row: list[float] = []
        for p in props:
            if len(p) == 3:
                (n,) = struct.unpack_from(endian + _PLY_TYPES[p[1]], raw, pos)
                pos += struct.calcsize(_PLY_TYPES[p[1]])
                code = f"{endian}{n}{_PLY_TYPES[p[2]]}"
                row.extend(struct.unpack_from(code, raw, pos))
                pos += struct.calcsize(code)
            else:
                code = endian + _PLY_TYPES[p[1]]
                row.extend(struct.unpack_from(code, raw, pos))
                pos += struct.calcsize(code)
        rows.append(row)
    return rows, pos


def read_ply(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read vertex positions and triangle faces of a PLY file (ASCII or binary).

    Args:
        path: the ``.ply`` file.

    Returns:
        (vertices [N, 3] float64 (x, y, z), faces [F, 3] int64).

    Raises:
        TopologyError: if the file is missing, not a PLY, truncated, or has non-triangle faces.
    """
    raw = read_bytes(path)
    fmt, elements, body = _ply_header(raw, path.name)
    tokens = raw[body:].split() if fmt == "ascii" else []
    pos = 0 if fmt == "ascii" else body
    endian = "<" if fmt == "binary_little_endian" else ">"
    data: dict[str, tuple[list[tuple], list[list[float]]]] = {}
    try:
        for elem, count, props in elements:
            if fmt == "ascii":
                rows, pos = _read_ascii_rows(tokens, pos, props, count)
            else:
                rows, pos = _read_binary_rows(raw, pos, props, count, endian)
            data[elem] = (props, rows)
    except (IndexError, ValueError, struct.error):
        raise TopologyError(f"{path.name} is truncated or corrupt (a PLY element body is incomplete or not numeric)") from None
    return _ply_vertices(data, path.name), _ply_faces(data, path.name)


def _ply_vertices(data: dict, name: str) -> np.ndarray:
    """[N, 3] float64 x, y, z of the ``vertex`` element."""
    if "vertex" not in data:
        raise TopologyError(f"{name} has no 'vertex' element")
    props, rows = data["vertex"]
    names = [p[0] for p in props]
    if any(len(p) == 3 for p in props) or not {"x", "y", "z"} <= set(names):
        raise TopologyError(f"{name} vertices lack scalar x, y, z properties")
    arr = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(names))
    return arr[:, [names.index("x"), names.index("y"), names.index("z")]]


def _ply_faces(data: dict, name: str) -> np.ndarray:
    """[F, 3] int64 triangles of the ``face`` element (its only property must be the index list)."""
    if "face" not in data:
        raise TopologyError(f"{name} has no 'face' element")
    props, rows = data["face"]
    if len(props) != 1 or len(props[0]) != 3 or props[0][0] not in ("vertex_indices", "vertex_index"):
        raise TopologyError(f"{name} faces must hold exactly one list property 'vertex_indices'")
    if any(len(r) != 3 for r in rows):
        raise TopologyError(f"{name} has faces that are not triangles")
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), 3)


# ---------------------------------------------------------------------------- other files
def _load_npy(path: Path, kinds: str, ndim: int) -> np.ndarray:
    """``np.load(allow_pickle=False)`` of a plain array of dtype kind in ``kinds`` and rank ``ndim``."""
    if not path.is_file():
        raise TopologyError(f"{path} does not exist")
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise TopologyError(f"{path.name} is not a readable .npy array ({type(exc).__name__}: {exc})") from None
    if not isinstance(arr, np.ndarray) or arr.ndim != ndim or arr.dtype.kind not in kinds:
        shape = list(getattr(arr, "shape", []))
        raise TopologyError(f"{path.name} must hold a {ndim}-D array of kind {kinds!r}, got shape {shape} dtype {getattr(arr, 'dtype', type(arr).__name__)}")
    return arr


def _pkl_levels(obj: Any, name: str) -> tuple[list[np.ndarray], list[np.ndarray], list[PickledSparse]]:
    """Check the transform.pkl dict and return (vertices, faces, up_transform) per level."""
    if not isinstance(obj, dict) or not {"vertices", "face", "up_transform"} <= set(obj):
        raise TopologyError(f"{name} is not a HandMesh transform (expected a dict with 'vertices', 'face' and 'up_transform')")
    verts, faces, ups = obj["vertices"], obj["face"], obj["up_transform"]
    if not all(isinstance(x, list) for x in (verts, faces, ups)) or not (len(verts) == len(faces) == len(ups) + 1 >= 2):
        raise TopologyError(f"{name} must hold L vertex arrays, L face arrays and L-1 up_transforms (L >= 2)")
    for i, (v, f) in enumerate(zip(verts, faces)):
        if not isinstance(v, np.ndarray) or v.ndim != 2 or v.shape[1] != 3 or v.dtype.kind != "f":
            raise TopologyError(f"{name} vertices[{i}] is not an [N, 3] float array")
        if not isinstance(f, np.ndarray) or f.ndim != 2 or f.shape[1] != 3 or f.dtype.kind not in "iu":
            raise TopologyError(f"{name} face[{i}] is not an [F, 3] integer array")
    for i, u in enumerate(ups):
        if not isinstance(u, PickledSparse):
            raise TopologyError(f"{name} up_transform[{i}] is not a sparse matrix")
    return verts, [f.astype(np.int64) for f in faces], ups


def _up_transform(mat: PickledSparse, shape: tuple[int, int], name: str, level: int) -> UpTransform:
    """The reference's (row, col, value float32) triplets of one pickled up_transform."""
    if mat.shape != shape:
        raise TopologyError(f"{name} up_transform[{level}] has shape {mat.shape}, expected {shape} from the vertex counts")
    if mat.data.dtype.kind not in "fiu":
        raise TopologyError(f"{name} up_transform[{level}] holds non-numeric values")
    row, col, value = mat.to_coo()
    return UpTransform(row=row, col=col, value=value.astype(np.float32), shape=shape)


def _cross_check(ply_verts: np.ndarray, ply_faces: np.ndarray, right_faces: np.ndarray, verts0: np.ndarray, faces0: np.ndarray) -> None:
    """Faces of template.ply, right_faces.npy and transform.pkl level 0 must be identical."""
    if right_faces.shape != ply_faces.shape or not np.array_equal(right_faces, ply_faces):
        raise TopologyError(f"right_faces.npy ({list(right_faces.shape)}) differs from the faces of template.ply ({list(ply_faces.shape)})")
    if faces0.shape != ply_faces.shape or not np.array_equal(faces0, ply_faces):
        raise TopologyError(f"transform.pkl face[0] ({list(faces0.shape)}) differs from the faces of template.ply ({list(ply_faces.shape)})")
    if verts0.shape != ply_verts.shape:
        raise TopologyError(f"transform.pkl has {verts0.shape[0]} level-0 vertices but template.ply has {ply_verts.shape[0]}")
    if not np.allclose(verts0, ply_verts, rtol=0.0, atol=1e-4):
        raise TopologyError("transform.pkl level-0 vertices differ from template.ply's (different vertex order or a different template)")


# ---------------------------------------------------------------------------- entry point
def read_handmesh_template(template_dir: Path, spiral_length: int = 9) -> dict[str, Any]:
    """Build the decoder topology from a HandMesh ``template/`` folder.

    Args:
        template_dir: folder holding template.ply, transform.pkl, j_reg.npy, right_faces.npy.
        spiral_length: spiral length S (9 in MobRecon; dilation 1).

    Returns:
        The :class:`mobrecon.topology.Topology` fields (``Topology(**fields)``): source = origin =
        "handmesh", num_verts (778, 389, 195, 98, 49), faces per level [F, 3] int64, spirals [N_i, S] int64 for levels 0..3, up-transforms (row/col int64,
        value float32, reference entry order) and joint_regressor [21, 778] float64.

    Raises:
        TopologyError: a file is missing, corrupt or inconsistent with the others (naming it).
        UnsafePickleError: transform.pkl names a global outside the allow-list.
    """
    template_dir = Path(template_dir)
    if not template_dir.is_dir():
        raise TopologyError(f"HandMesh template folder {template_dir} does not exist")
    missing = [f for f in TEMPLATE_FILES if not (template_dir / f).is_file()]
    if missing:
        raise TopologyError(f"HandMesh template folder {template_dir} lacks {', '.join(missing)}")
    ply_verts, ply_faces = read_ply(template_dir / "template.ply")
    verts, faces, ups = _pkl_levels(load_restricted_pickle(template_dir / "transform.pkl"), "transform.pkl")
    j_reg = _load_npy(template_dir / "j_reg.npy", "f", 2).astype(np.float64)
    right_faces = _load_npy(template_dir / "right_faces.npy", "iu", 2).astype(np.int64)
    _cross_check(ply_verts, ply_faces, right_faces, verts[0], faces[0])
    num_verts = tuple(int(v.shape[0]) for v in verts)
    if j_reg.shape[1] != num_verts[0]:
        raise TopologyError(f"j_reg.npy has shape {list(j_reg.shape)}, expected [J, {num_verts[0]}]")
    for i, f in enumerate(faces):
        if f.size and f.max() >= num_verts[i]:
            raise TopologyError(f"transform.pkl face[{i}] refers to vertex {int(f.max())} of a {num_verts[i]}-vertex level")
    up = tuple(_up_transform(u, (num_verts[i], num_verts[i + 1]), "transform.pkl", i) for i, u in enumerate(ups))
    spirals = tuple(compute_spirals(faces[i], num_verts[i], spiral_length) for i in range(len(num_verts) - 1))
    return dict(
        num_verts=num_verts,
        faces=tuple(faces),
        spirals=spirals,
        up=up,
        source="handmesh",
        origin="handmesh",
        joint_regressor=j_reg,
    )
