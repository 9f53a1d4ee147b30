"""Topology: spirals and up-transforms vs the reference, the HandMesh reader, the restricted
unpickler, the synthetic mesh and our .npz format.

Tests marked by the ``template_dir`` / ``derived_topology_npz`` fixtures read MANO-derived data
from ../shared/reference (skipped locally when absent, failing under CI=true). Everything else
runs on a fake HandMesh folder written from the synthetic mesh, so no hand data is needed.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mobrecon.errors import TopologyError, UnsafePickleError
from mobrecon.handmesh_template import read_ply
from mobrecon.safe_pickle import PickledCSC, load_restricted_pickle, loads_restricted
from mobrecon.spiral import compute_spirals, vertex_neighbours
from mobrecon.synthetic_mesh import SYNTHETIC_LEVELS, tube_vertices
from mobrecon.topology import TOPOLOGY_FORMAT_VERSION, Topology, UpTransform

SIZES = (778, 389, 195, 98, 49)


# ============================================================================ helpers
class _FakeCSC:
    """Pickles like scipy's csc_matrix once its global is renamed (see :func:`_pickle_with_scipy_names`)."""

    def __init__(self, up: UpTransform) -> None:
        counts = np.bincount(up.col, minlength=up.shape[1])
        self._shape = tuple(up.shape)
        self.maxprint = 50
        self.indices = up.row.astype(np.int32)
        self.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        self.data = up.value.astype(np.float32)


class _FakeSparse:
    """Any object whose __dict__ is a scipy sparse state; pickled under a scipy name by the helper below."""

    def __init__(self, **state: object) -> None:
        self.__dict__.update(state)


def _pickle_with_scipy_names(obj: object, protocol: int = 3, scipy_name: str = "scipy.sparse._csc\ncsc_matrix") -> bytes:
    """Pickle ``obj`` (protocol <= 3: text GLOBAL opcodes), renaming _FakeCSC/_FakeSparse to a scipy class."""
    assert protocol <= 3
    raw = pickle.dumps(obj, protocol=protocol)
    for cls in (_FakeCSC, _FakeSparse):
        raw = raw.replace(f"c{cls.__module__}\n{cls.__qualname__}\n".encode(), f"c{scipy_name}\n".encode())
    assert b"_Fake" not in raw
    return raw


def _write_ascii_ply(path: Path, verts: np.ndarray, faces: np.ndarray) -> None:
    lines = ["ply", "format ascii 1.0", "comment written by the test", f"element vertex {len(verts)}"]
    lines += [f"property float {a}" for a in "xyz"]
    lines += [f"element face {len(faces)}", "property list uchar int vertex_indices", "end_header"]
    lines += [" ".join(repr(float(x)) for x in v) for v in verts]
    lines += ["3 " + " ".join(str(int(i)) for i in f) for f in faces]
    path.write_text("\n".join(lines) + "\n")


def _write_binary_ply(path: Path, verts: np.ndarray, faces: np.ndarray) -> None:
    header = (
        f"ply\nformat binary_little_endian 1.0\nelement vertex {len(verts)}\nproperty double x\nproperty double y\n"
        f"property double z\nelement face {len(faces)}\nproperty list uchar int vertex_indices\nend_header\n"
    )
    face_rec = np.zeros(len(faces), dtype=[("n", "u1"), ("i", "<i4", (3,))])
    face_rec["n"], face_rec["i"] = 3, faces
    path.write_bytes(header.encode() + verts.astype("<f8").tobytes() + face_rec.tobytes())


def _write_fake_template(folder: Path, topo: Topology, protocol: int = 3) -> Path:
    """A HandMesh-style template folder holding the synthetic mesh (no hand data)."""
    folder.mkdir(parents=True, exist_ok=True)
    verts = [tube_vertices(n, s) for n, s in SYNTHETIC_LEVELS]
    _write_ascii_ply(folder / "template.ply", verts[0], topo.faces[0])
    transform = {
        "vertices": verts,
        "face": [f.astype(np.uint32) for f in topo.faces],
        "adj": [],
        "down_transform": [],
        "up_transform": [_FakeCSC(u) for u in topo.up],
    }
    (folder / "transform.pkl").write_bytes(_pickle_with_scipy_names(transform, protocol))
    np.save(folder / "j_reg.npy", topo.joint_regressor)
    np.save(folder / "right_faces.npy", topo.faces[0].astype(np.int64))
    return folder


def _assert_same_topology(a: Topology, b: Topology) -> None:
    assert a.num_verts == b.num_verts
    assert a.sha256() == b.sha256()
    for fa, fb in zip(a.faces, b.faces):
        np.testing.assert_array_equal(fa, fb)
    for sa, sb in zip(a.spirals, b.spirals):
        assert sa.dtype == sb.dtype == np.int64
        np.testing.assert_array_equal(sa, sb)
    for ua, ub in zip(a.up, b.up):
        assert ua.shape == ub.shape
        np.testing.assert_array_equal(ua.row, ub.row)
        np.testing.assert_array_equal(ua.col, ub.col)
        assert ua.value.dtype == ub.value.dtype == np.float32
        np.testing.assert_array_equal(ua.value, ub.value)
    if a.joint_regressor is None:
        assert b.joint_regressor is None
    else:
        np.testing.assert_array_equal(a.joint_regressor, b.joint_regressor)


def _assert_dense_and_gather_agree(up: UpTransform) -> None:
    dense = up.dense()
    manual = np.zeros(up.shape)
    for r, c, v in zip(up.row, up.col, up.value.astype(np.float64)):
        manual[r, c] += v
    np.testing.assert_array_equal(dense, manual)
    idx, w = up.gather3()
    assert idx.shape == w.shape == (up.shape[0], 3) and w.dtype == np.float32
    x = np.random.default_rng(0).standard_normal((up.shape[1], 4))
    via_gather = (w.astype(np.float64)[:, :, None] * x[idx]).sum(axis=1)
    np.testing.assert_allclose(via_gather, dense @ x, rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def synthetic() -> Topology:
    return Topology.synthetic()


@pytest.fixture()
def fake_template(tmp_path: Path, synthetic: Topology) -> Path:
    return _write_fake_template(tmp_path / "template", synthetic)


@pytest.fixture(scope="module")
def reference_topology(template_dir: Path) -> Topology:
    return Topology.from_handmesh(template_dir)


# ============================================================================ reference parity
def test_spirals_equal_reference_on_pkl_faces(template_dir: Path, derived_topology_npz: Path) -> None:
    pkl = load_restricted_pickle(template_dir / "transform.pkl")
    with np.load(derived_topology_npz) as ref:
        for level in range(4):
            faces, n = pkl["face"][level], pkl["vertices"][level].shape[0]
            ours = compute_spirals(faces, n, length=9)
            assert ours.dtype == np.int64 and ours.shape == (SIZES[level], 9)
            np.testing.assert_array_equal(ours, ref[f"spiral_{level}"], err_msg=f"level {level}")


def test_from_handmesh_matches_reference(reference_topology: Topology, derived_topology_npz: Path, template_dir: Path) -> None:
    topo = reference_topology
    assert topo.num_verts == SIZES
    assert topo.source == topo.origin == "handmesh" and not topo.is_synthetic
    assert "HandMesh" in topo.describe()
    with np.load(derived_topology_npz) as ref:
        np.testing.assert_array_equal(ref["num_vert"], SIZES)
        for i in range(4):
            np.testing.assert_array_equal(topo.spirals[i], ref[f"spiral_{i}"])
            up = topo.up[i]
            assert up.shape == tuple(int(v) for v in ref[f"up_{i}_shape"])
            np.testing.assert_array_equal(up.row, ref[f"up_{i}_row"])
            np.testing.assert_array_equal(up.col, ref[f"up_{i}_col"])
            assert up.value.dtype == ref[f"up_{i}_value"].dtype == np.float32
            np.testing.assert_array_equal(up.value, ref[f"up_{i}_value"])
            assert up.taps == 3
    np.testing.assert_array_equal(topo.joint_regressor, np.load(template_dir / "j_reg.npy"))
    np.testing.assert_array_equal(topo.faces[0], np.load(template_dir / "right_faces.npy"))
    assert [f.shape[0] for f in topo.faces] == [1538, 761, 374, 183, 86]


def test_reference_dense_and_gather3_agree(reference_topology: Topology) -> None:
    for up in reference_topology.up:
        _assert_dense_and_gather_agree(up)


def test_reference_save_load_round_trip(reference_topology: Topology, tmp_path: Path) -> None:
    loaded = Topology.load(reference_topology.save(tmp_path / "hand.npz"))
    assert loaded.source == "npz" and loaded.origin == "handmesh"
    _assert_same_topology(reference_topology, loaded)


def test_reference_template_ply_equals_pkl(template_dir: Path) -> None:
    verts, faces = read_ply(template_dir / "template.ply")
    pkl = load_restricted_pickle(template_dir / "transform.pkl")
    np.testing.assert_array_equal(faces, pkl["face"][0])
    np.testing.assert_allclose(verts, pkl["vertices"][0], atol=1e-6)
    assert isinstance(pkl["up_transform"][0], PickledCSC)


# ============================================================================ spiral rules
def _hexagon_fan() -> np.ndarray:
    """Centre 0, rim 1..6 counter-clockwise."""
    return np.array([[0, i, i % 6 + 1] for i in range(1, 7)])


def test_vertex_neighbours_follow_openmesh_rules() -> None:
    rings = vertex_neighbours(_hexagon_fan(), 7)
    # interior: start after 0 in the last face (0, 6, 1), then clockwise
    assert rings[0] == [6, 5, 4, 3, 2, 1]
    # boundary: start at the boundary halfedge 1->6, then clockwise to the other boundary edge
    assert rings[1] == [6, 0, 2]


def test_spiral_extends_rings_and_pads_small_components() -> None:
    fan = compute_spirals(_hexagon_fan(), 7, length=9)
    np.testing.assert_array_equal(fan[0], [0, 6, 5, 4, 3, 2, 1, 0, 0])  # component exhausted: pad with 0
    assert list(fan[1][:4]) == [1, 6, 0, 2] and sorted(fan[1][4:7]) == [3, 4, 5]
    tetra = np.array([[0, 1, 2], [0, 2, 3], [0, 3, 1], [1, 3, 2]])
    sp = compute_spirals(tetra, 5, length=9)  # vertex 4 is isolated
    assert all(sorted(sp[v][:4]) == [0, 1, 2, 3] and sp[v][0] == v and set(sp[v][4:]) == {v} for v in range(4))
    np.testing.assert_array_equal(sp[4], [4] * 9)


def test_spiral_dilation() -> None:
    topo_faces = Topology.synthetic().faces[0]
    full = compute_spirals(topo_faces, 778, length=18)
    np.testing.assert_array_equal(compute_spirals(topo_faces, 778, length=9, dilation=2), full[:, ::2])


@pytest.mark.parametrize(
    ("faces", "n", "needle"),
    [
        ([[0, 1, 2], [0, 1, 3]], 4, "directed edge 0->1"),  # inconsistent orientation
        ([[0, 1, 2], [1, 0, 3], [1, 0, 4]], 5, "directed edge 1->0"),  # edge in three faces
        ([[0, 1, 2], [0, 3, 4]], 5, "vertex 0"),  # bow-tie: two boundary gaps at vertex 0
        ([[0, 1, 1]], 2, "repeats a vertex"),
        ([[0, 1, 5]], 3, "face indices"),
    ],
)
def test_spiral_rejects_non_manifold(faces: list, n: int, needle: str) -> None:
    with pytest.raises(TopologyError, match=needle):
        compute_spirals(np.array(faces), n)


def test_spiral_rejects_two_closed_fans_at_one_vertex() -> None:
    tetra = np.array([[0, 1, 2], [0, 2, 3], [0, 3, 1], [1, 3, 2]])
    double = np.concatenate([tetra, np.where(tetra == 0, 0, tetra + 3)])  # two tetrahedra sharing vertex 0
    with pytest.raises(TopologyError, match="more than one fan"):
        vertex_neighbours(double, 7)


# ============================================================================ synthetic mesh
def test_synthetic_sizes_and_invariants(synthetic: Topology) -> None:
    assert synthetic.num_verts == SIZES
    assert synthetic.source == synthetic.origin == "synthetic" and synthetic.is_synthetic
    assert "SYNTHETIC" in synthetic.describe()
    synthetic.validate()
    for level, s in enumerate(synthetic.spirals):
        assert s.shape == (SIZES[level], 9) and s.dtype == np.int64
        np.testing.assert_array_equal(s[:, 0], np.arange(SIZES[level]))
        assert all(len(set(row)) == 9 for row in s.tolist())
    for up in synthetic.up:
        assert up.taps == 3 and up.value.dtype == np.float32
        assert np.all(np.diff(up.col) >= 0), "entries must be column-sorted"
        np.testing.assert_allclose(up.dense().sum(axis=1), 1.0, atol=1e-6)
        assert np.any(up.value == 1.0)
        _assert_dense_and_gather_agree(up)
    assert synthetic.joint_regressor.shape == (21, 778)
    np.testing.assert_array_equal(synthetic.joint_regressor.sum(axis=1), np.ones(21))
    assert len(set(np.argmax(synthetic.joint_regressor, axis=1).tolist())) == 21


def test_synthetic_faces_are_manifold(synthetic: Topology) -> None:
    for level, faces in enumerate(synthetic.faces):
        edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
        assert len({tuple(e) for e in edges.tolist()}) == len(edges), f"level {level}: a directed edge repeats"
        assert np.unique(faces).size == SIZES[level], f"level {level}: unreferenced vertex"
        vertex_neighbours(faces, SIZES[level])  # raises on non-manifold fans


def test_synthetic_is_deterministic(synthetic: Topology) -> None:
    again = Topology.synthetic()
    _assert_same_topology(synthetic, again)


def test_synthetic_save_load_round_trip(synthetic: Topology, tmp_path: Path) -> None:
    loaded = Topology.load(synthetic.save(tmp_path / "sub" / "synthetic.npz"))
    assert loaded.source == "npz" and loaded.origin == "synthetic" and loaded.is_synthetic
    _assert_same_topology(synthetic, loaded)


# ============================================================================ HandMesh reader, no hand data
@pytest.mark.parametrize("protocol", [0, 2, 3])
def test_from_handmesh_on_fake_template(tmp_path: Path, synthetic: Topology, protocol: int) -> None:
    folder = _write_fake_template(tmp_path / f"t{protocol}", synthetic, protocol=protocol)
    topo = Topology.from_handmesh(folder)
    assert topo.origin == "handmesh"
    _assert_same_topology(synthetic, topo)


def test_binary_ply_reads_like_ascii(tmp_path: Path) -> None:
    verts, faces = tube_vertices(98, 7), Topology.synthetic().faces[3]
    _write_ascii_ply(tmp_path / "a.ply", verts, faces)
    _write_binary_ply(tmp_path / "b.ply", verts, faces)
    va, fa = read_ply(tmp_path / "a.ply")
    vb, fb = read_ply(tmp_path / "b.ply")
    np.testing.assert_array_equal(fa, faces)
    np.testing.assert_array_equal(fb, faces)
    np.testing.assert_array_equal(va, verts)
    np.testing.assert_array_equal(vb, verts)


def test_missing_folder_and_file(tmp_path: Path, fake_template: Path) -> None:
    with pytest.raises(TopologyError, match="does not exist"):
        Topology.from_handmesh(tmp_path / "nowhere")
    (fake_template / "j_reg.npy").unlink()
    with pytest.raises(TopologyError, match=r"lacks j_reg\.npy"):
        Topology.from_handmesh(fake_template)
    with pytest.raises(TopologyError, match=r"transform\.pkl does not exist"):
        load_restricted_pickle(tmp_path / "transform.pkl")


def test_truncated_pickle(fake_template: Path) -> None:
    pkl = fake_template / "transform.pkl"
    pkl.write_bytes(pkl.read_bytes()[: 2000])
    with pytest.raises(TopologyError, match=r"transform\.pkl is not a readable pickle \(truncated or corrupt") as info:
        Topology.from_handmesh(fake_template)
    assert not isinstance(info.value, UnsafePickleError)


def test_pickle_of_wrong_content(fake_template: Path) -> None:
    (fake_template / "transform.pkl").write_bytes(pickle.dumps({"vertices": []}))
    with pytest.raises(TopologyError, match=r"transform\.pkl is not a HandMesh transform"):
        Topology.from_handmesh(fake_template)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"not a ply at all\n", "not a PLY file"),
        (b"ply\nformat ascii 1.0\nelement vertex 778\nproperty float x\nproperty float y\nproperty float z\n"
         b"element face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 1", "truncated or corrupt"),
        (b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
         b"element face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n4 0 1 2 0\n", "not triangles"),
        (b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\n"
         b"element face 0\nproperty list uchar int vertex_indices\nend_header\n0 zero 0\n", "truncated or corrupt"),
    ],
)
def test_corrupt_ply(fake_template: Path, content: bytes, needle: str) -> None:
    (fake_template / "template.ply").write_bytes(content)
    with pytest.raises(TopologyError, match=needle) as info:
        Topology.from_handmesh(fake_template)
    assert "template.ply" in str(info.value)


@pytest.mark.parametrize("name", ["j_reg.npy", "right_faces.npy"])
def test_corrupt_npy(fake_template: Path, name: str) -> None:
    (fake_template / name).write_bytes(b"\x93NUMPY garbage that is not an array header")
    with pytest.raises(TopologyError, match="not a readable .npy array") as info:
        Topology.from_handmesh(fake_template)
    assert name in str(info.value)


def test_object_npy_is_refused(fake_template: Path) -> None:
    np.save(fake_template / "j_reg.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(TopologyError, match=r"j_reg\.npy is not a readable"):
        Topology.from_handmesh(fake_template)


def test_mismatched_faces(fake_template: Path, synthetic: Topology) -> None:
    faces = synthetic.faces[0].copy()
    faces[[0, 1]] = faces[[1, 0]]
    np.save(fake_template / "right_faces.npy", faces)
    with pytest.raises(TopologyError, match=r"right_faces\.npy .* differs from the faces of template\.ply"):
        Topology.from_handmesh(fake_template)
    np.save(fake_template / "right_faces.npy", faces[:-1])
    with pytest.raises(TopologyError, match=r"right_faces\.npy \(\[1513, 3\]\) differs"):
        Topology.from_handmesh(fake_template)


def test_mismatched_pkl_faces_and_regressor(tmp_path: Path, synthetic: Topology) -> None:
    folder = _write_fake_template(tmp_path / "t", synthetic)
    _write_ascii_ply(folder / "template.ply", tube_vertices(778, 20), synthetic.faces[0][::-1])
    np.save(folder / "right_faces.npy", synthetic.faces[0][::-1])
    with pytest.raises(TopologyError, match=r"transform\.pkl face\[0\] .* differs from the faces of template\.ply"):
        Topology.from_handmesh(folder)
    folder = _write_fake_template(tmp_path / "u", synthetic)
    np.save(folder / "j_reg.npy", np.zeros((21, 777)))
    with pytest.raises(TopologyError, match=r"j_reg\.npy has shape \[21, 777\]"):
        Topology.from_handmesh(folder)


# ============================================================================ restricted unpickler
class _RunsCode:
    def __init__(self, func: object, args: tuple) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple:
        return self.func, self.args


def _evil_payloads(marker: Path) -> dict[str, object]:
    import builtins
    import functools

    cmd = f"touch {marker}"
    return {
        "system": _RunsCode(os.system, (cmd,)),
        "eval": _RunsCode(builtins.eval, (f"open({str(marker)!r}, 'w')",)),
        "exec": _RunsCode(builtins.exec, (f"open({str(marker)!r}, 'w')",)),
        "subprocess": _RunsCode(subprocess.call, (["touch", str(marker)],)),
        "partial": _RunsCode(functools.partial(os.system, cmd), ()),
        "getattr": _RunsCode(getattr, (Path, "cwd")),
    }


@pytest.mark.parametrize("kind", ["system", "eval", "exec", "subprocess", "partial", "getattr"])
@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_code_running_pickle_is_refused(tmp_path: Path, kind: str, protocol: int) -> None:
    marker = tmp_path / "marker"
    payload = {"vertices": [np.zeros((3, 3))], "face": [_evil_payloads(marker)[kind]]}
    path = tmp_path / "transform.pkl"
    path.write_bytes(pickle.dumps(payload, protocol=protocol))
    with pytest.raises(UnsafePickleError, match=r"asks for the global \S+, which the restricted unpickler refuses") as info:
        load_restricted_pickle(path)
    assert "transform.pkl" in str(info.value)
    assert not marker.exists()


def test_refused_global_is_named(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    raw = pickle.dumps(_RunsCode(os.system, (f"touch {marker}",)), protocol=2)
    with pytest.raises(UnsafePickleError, match=rf"asks for the global {os.system.__module__}\.system"):
        loads_restricted(raw, source="evil.pkl")
    assert not marker.exists()


def test_from_handmesh_refuses_evil_pickle(fake_template: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    (fake_template / "transform.pkl").write_bytes(pickle.dumps(_RunsCode(os.system, (f"touch {marker}",))))
    with pytest.raises(UnsafePickleError):
        Topology.from_handmesh(fake_template)
    assert not marker.exists()


@pytest.mark.parametrize("target", [b"cscipy.sparse._csc\ncsc_matrix\n", b"cnumpy\ndtype\n", b"c_codecs\nencode\n"])
def test_build_cannot_alter_allowed_objects(target: bytes) -> None:
    # GLOBAL <allowed object>; BUILD (None, {"format": "x"}) tries to set an attribute on it
    raw = b"\x80\x02" + target + b"N}X\x06\x00\x00\x00formatX\x01\x00\x00\x00xs\x86b."
    with pytest.raises(TopologyError):
        loads_restricted(raw)
    assert PickledCSC.format == "csc"
    assert loads_restricted(pickle.dumps(np.zeros(2, dtype=np.float32), protocol=2)).dtype == np.float32


def test_object_arrays_and_other_reconstructors_are_refused() -> None:
    with pytest.raises(UnsafePickleError, match="object-dtype"):
        loads_restricted(pickle.dumps(np.array([1, "a"], dtype=object), protocol=2))
    # copyreg._reconstructor may only build our sparse stand-ins
    raw = b"ccopyreg\n_reconstructor\n(cnumpy\nndarray\ncbuiltins\nobject\nNtR."
    with pytest.raises(UnsafePickleError, match="_reconstructor"):
        loads_restricted(raw)


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_numpy_arrays_load_under_every_protocol(protocol: int) -> None:
    data = {"a": [np.arange(6, dtype=np.uint32).reshape(3, 2), np.linspace(0, 1, 5)], "b": np.float32([1.5, -2.0])}
    out = loads_restricted(pickle.dumps(data, protocol=protocol))
    for got, want in zip(out["a"] + [out["b"]], data["a"] + [data["b"]]):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_corrupt_sparse_state_is_a_topology_error() -> None:
    up = Topology.synthetic().up[3]
    bad = _FakeCSC(up)
    bad.indptr = bad.indptr[:-1]
    with pytest.raises(TopologyError, match=r"x\.pkl is corrupt: a pickled csc matrix of shape \(98, 49\)"):
        loads_restricted(_pickle_with_scipy_names([bad]), source="x.pkl")


@pytest.mark.parametrize(
    ("scipy_name", "state"),
    [
        ("scipy.sparse.csr\ncsr_matrix", {"indptr": [0, 2, 3], "indices": [2, 0, 1]}),
        ("scipy.sparse._csr\ncsr_array", {"indptr": [0, 2, 3], "indices": [2, 0, 1]}),
        ("scipy.sparse.coo\ncoo_matrix", {"row": [0, 0, 1], "col": [2, 0, 1]}),
        ("scipy.sparse._coo\ncoo_matrix", {"coords": ([0, 0, 1], [2, 0, 1])}),
    ],
)
def test_csr_and_coo_stand_ins(scipy_name: str, state: dict) -> None:
    arrays = {k: (tuple(np.asarray(x, np.int32) for x in v) if k == "coords" else np.asarray(v, np.int32)) for k, v in state.items()}
    fake = _FakeSparse(_shape=(2, 3), maxprint=50, data=np.float32([5.0, 7.0, 9.0]), **arrays)
    mat = loads_restricted(_pickle_with_scipy_names(fake, scipy_name=scipy_name))
    row, col, data = mat.to_coo()
    np.testing.assert_array_equal(row, [0, 0, 1])
    np.testing.assert_array_equal(col, [2, 0, 1])
    np.testing.assert_array_equal(data, [5.0, 7.0, 9.0])
    np.testing.assert_array_equal(mat.dense(), [[7.0, 0.0, 5.0], [0.0, 9.0, 0.0]])


# ============================================================================ our .npz format
def test_load_rejects_non_npz_and_wrong_version(tmp_path: Path, synthetic: Topology) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_text("this is not a zip archive")
    with pytest.raises(TopologyError, match="not a readable topology .npz"):
        Topology.load(junk)
    with pytest.raises(TopologyError, match="does not exist"):
        Topology.load(tmp_path / "absent.npz")
    good = synthetic.save(tmp_path / "good.npz")
    with np.load(good) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["format_version"] = np.asarray(TOPOLOGY_FORMAT_VERSION + 1)
    np.savez(tmp_path / "future.npz", **arrays)
    with pytest.raises(TopologyError, match=f"not a mobrecon topology file of format {TOPOLOGY_FORMAT_VERSION}"):
        Topology.load(tmp_path / "future.npz")
    del arrays["spiral_2"]
    arrays["format_version"] = np.asarray(TOPOLOGY_FORMAT_VERSION)
    np.savez(tmp_path / "partial.npz", **arrays)
    with pytest.raises(TopologyError, match="lacks the array 'spiral_2'"):
        Topology.load(tmp_path / "partial.npz")


def test_reference_data_is_not_in_the_repo() -> None:
    repo = Path(__file__).resolve().parents[2]
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    tracked = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=False).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    forbidden = {"template.ply", "transform.pkl", "j_reg.npy", "right_faces.npy", "topology-derived.npz"}
    assert not forbidden & {Path(p).name for p in tracked}
