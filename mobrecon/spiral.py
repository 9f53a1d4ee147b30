"""Spiral neighbourhoods of mesh vertices, in the order HandMesh gets from openmesh 1.2.1.

The reference (HandMesh ``utils/generate_spiral_seq.py``) builds, for each vertex, the vertex
itself, its 1-ring in openmesh's ``vv()`` circulator order, then further rings, truncated to the
spiral length. The trained DSConv/SpiralConv weights depend on that exact order. This module
reproduces it with numpy and plain Python, no openmesh (rules: ARCHITECTURE.md, Appendix):

1. **Start neighbour** of ``vv(v)``: for a boundary vertex the ``w`` whose directed edge
   ``v -> w`` lies in no face (openmesh's boundary outgoing halfedge); for an interior vertex the
   vertex following ``v`` in the *last* face (input order) that contains ``v``.
2. **Clockwise circulation**: after neighbour ``w`` comes the third vertex ``x`` of the face
   ``(w, v, x)`` that holds the directed edge ``w -> v``.
3. **Ring k+1**: for each ``u`` of ring k in order, ``vv(u)`` rotated to start at its first
   element in ring k; append the vertices not yet in the spiral, ring k or the new ring.

Where rings 1..k hold fewer than ``length`` vertices, rings are added breadth-first until the
spiral is full. If the vertex's connected component is exhausted first, the row is padded by
repeating the vertex itself (deterministic). The reference instead replaces such rows with a
KD-tree nearest-point query; that never happens for the HandMesh template, whose rows are all
filled by rings 1 and 2, so the results agree there exactly.

Inputs that openmesh would reject or could not order (repeated vertex in a face, a directed edge
in two faces, a vertex whose faces form more than one fan) raise :class:`TopologyError`.
"""

from __future__ import annotations

import numpy as np

from mobrecon.errors import TopologyError

__all__ = ["vertex_neighbours", "compute_spirals"]


def _check_faces(faces: np.ndarray, num_verts: int) -> list[list[int]]:
    """Faces as a list of 3-int lists, after checking shape, range and repeated vertices."""
    faces = np.asarray(faces)
    if faces.ndim != 2 or faces.shape[1] != 3 or (faces.size and faces.dtype.kind not in "iu"):
        raise TopologyError(f"faces must be an [F, 3] integer array, got shape {list(faces.shape)} dtype {faces.dtype}")
    if faces.size and (faces.min() < 0 or faces.max() >= num_verts):
        raise TopologyError(f"face indices must lie in [0, {num_verts}), found {int(faces.min())}..{int(faces.max())}")
    out = faces.astype(np.int64).tolist()
    for i, (a, b, c) in enumerate(out):
        if a == b or b == c or a == c:
            raise TopologyError(f"face {i} ({a}, {b}, {c}) repeats a vertex; the mesh is degenerate")
    return out


def _halfedge_tables(faces: list[list[int]], num_verts: int) -> tuple[dict[tuple[int, int], int], list[int], list[int]]:
    """Per directed edge the face's third vertex; per vertex its last-face follower and face count.

    Returns:
        third: ``{(p, q): r}`` for every face ``(p, q, r)`` in each of its three rotations.
        last_next: per vertex, the vertex following it in the last face containing it (-1 if none).
        face_count: per vertex, the number of faces containing it.
    """
    third: dict[tuple[int, int], int] = {}
    last_next = [-1] * num_verts
    face_count = [0] * num_verts
    for i, (a, b, c) in enumerate(faces):
        for p, q, r in ((a, b, c), (b, c, a), (c, a, b)):
            if (p, q) in third:
                raise TopologyError(
                    f"the directed edge {p}->{q} occurs in face {i} and in an earlier face; the mesh is non-manifold "
                    "or inconsistently oriented, so its spiral order is undefined"
                )
            third[(p, q)] = r
            last_next[p] = q
            face_count[p] += 1
    return third, last_next, face_count


def _boundary_starts(third: dict[tuple[int, int], int], num_verts: int) -> list[int]:
    """Per vertex the end of its outgoing boundary halfedge (-1 for interior/isolated vertices)."""
    start = [-1] * num_verts
    for p, q in third:
        if (q, p) not in third:  # q -> p lies in no face: a boundary halfedge leaving q
            if start[q] != -1:
                raise TopologyError(f"vertex {q} lies on more than one boundary gap; the mesh is non-manifold there")
            start[q] = p
    return start


def vertex_neighbours(faces: np.ndarray, num_verts: int) -> list[list[int]]:
    """1-ring of every vertex in openmesh 1.2.1's ``vv()`` order (clockwise, from the stored halfedge).

    Args:
        faces: [F, 3] integer triangle vertex indices, in the order openmesh received them.
        num_verts: N, number of vertices (isolated vertices get an empty ring).

    Returns:
        N lists of neighbour indices.

    Raises:
        TopologyError: for degenerate, non-manifold or inconsistently oriented faces.
    """
    face_list = _check_faces(faces, num_verts)
    third, last_next, face_count = _halfedge_tables(face_list, num_verts)
    boundary = _boundary_starts(third, num_verts)
    rings: list[list[int]] = []
    for v in range(num_verts):
        if face_count[v] == 0:
            rings.append([])
            continue
        start = boundary[v] if boundary[v] != -1 else last_next[v]
        ring = [start]
        cur = third.get((start, v))
        while cur is not None and cur != start and len(ring) <= face_count[v]:
            ring.append(cur)
            cur = third.get((cur, v))
        visited_faces = len(ring) - 1 if boundary[v] != -1 else len(ring)
        if visited_faces != face_count[v]:
            raise TopologyError(f"the faces around vertex {v} form more than one fan; the mesh is non-manifold there")
        rings.append(ring)
    return rings


def _next_ring(rings: list[list[int]], last_ring: list[int], taken: set[int]) -> list[int]:
    """The ring after ``last_ring`` (reference ``_next_ring``); ``taken`` = spiral before ``last_ring``."""
    last = set(last_ring)
    out: list[int] = []
    seen: set[int] = set()
    for u in last_ring:
        nb = rings[u]
        k = next((i for i, w in enumerate(nb) if w in last), 0)
        for w in nb[k:] + nb[:k]:
            if w not in last and w not in taken and w not in seen:
                out.append(w)
                seen.add(w)
    return out


def _spiral_row(rings: list[list[int]], v: int, target: int) -> list[int]:
    """Vertex ``v``, then its rings until at least ``target`` entries (padded with ``v``)."""
    spiral = [v]
    last_ring = rings[v]
    next_ring = _next_ring(rings, last_ring, {v})
    spiral.extend(last_ring)
    while len(spiral) + len(next_ring) < target and next_ring:
        last_ring = next_ring
        next_ring = _next_ring(rings, last_ring, set(spiral))
        spiral.extend(last_ring)
    spiral.extend(next_ring)
    spiral.extend([v] * (target - len(spiral)))
    return spiral[:target]


def compute_spirals(faces: np.ndarray, num_verts: int, length: int = 9, dilation: int = 1) -> np.ndarray:
    """Spiral indices of every vertex, as HandMesh's ``preprocess_spiral`` builds them.

    Args:
        faces: [F, 3] integer triangle vertex indices, in stored order (the order matters).
        num_verts: N, number of vertices.
        length: spiral length S (9 in MobRecon).
        dilation: take every ``dilation``-th entry of a ``length * dilation`` spiral.

    Returns:
        [N, S] int64; row n starts with n.

    Raises:
        TopologyError: for invalid arguments or faces the spiral order is undefined for.
    """
    if length < 1 or dilation < 1:
        raise TopologyError(f"spiral length and dilation must be positive, got {length} and {dilation}")
    rings = vertex_neighbours(faces, num_verts)
    target = length * dilation
    rows = [_spiral_row(rings, v, target)[::dilation] for v in range(num_verts)]
    return np.asarray(rows, dtype=np.int64).reshape(num_verts, length)
