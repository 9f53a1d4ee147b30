"""The chained pipeline with a perfect stand-in network: placed hands come back where they were (right and left)."""

from __future__ import annotations

import numpy as np
import pytest

from mobrecon import Topology
from mobrecon.pipeline.crop import crop_transform
from mobrecon.pipeline.errors import BadBox, NoHandFound
from mobrecon.pipeline.hand import HandPipeline, default_intrinsics
from mobrecon.pipeline.outputs import joints_mpii
from mobrecon.pipeline.registration import project
from mobrecon.pipeline.runner import CropModel, LoadedModel


def _scene(topology: Topology, rng: np.random.Generator):
    verts = rng.normal(0, 0.03, (topology.num_verts[0], 3))
    verts -= joints_mpii(verts, topology.joint_regressor)[0]  # root-relative (wrist joint at the origin)
    t = np.array([0.03, -0.02, 0.55])
    k = default_intrinsics(640, 480, 600.0)
    px = project(verts + t, k)
    lo, hi = px.min(axis=0), px.max(axis=0)
    return verts, t, k, (lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])


def _perfect_model(verts, t, k, box, mirrored, topology) -> LoadedModel:
    """What an exact network would output on that crop: mirrored hands for a mirrored crop."""
    tf = crop_transform(box, mirrored=mirrored)
    uv = tf.frame_to_crop(project(joints_mpii(verts, topology.joint_regressor) + t, k)) / 128.0
    v = verts.copy()
    if mirrored:
        v[:, 0] = -v[:, 0]

    def run(image):
        assert image.shape == (1, 3, 128, 128)
        return v / 0.2, uv

    return LoadedModel(CropModel(run, "stand-in", "perfect"), topology, False, "perfect stand-in")


@pytest.mark.parametrize("handedness", ["right", "left"])
def test_placed_hand_is_recovered_in_camera_space(synthetic_topology, handedness):
    rng = np.random.default_rng(0)
    verts, t, k, box = _scene(synthetic_topology, rng)
    loaded = _perfect_model(verts, t, k, box, handedness == "left", synthetic_topology)
    frame = np.zeros((480, 640, 3), np.uint8)
    result = HandPipeline(loaded).run(frame, k, box=box, handedness=handedness)
    assert float(np.abs(result.verts_camera - (verts + t)).max()) < 1e-9
    np.testing.assert_allclose(result.joints_frame_px(), project(joints_mpii(verts, synthetic_topology.joint_regressor) + t, k), atol=1e-6)
    np.testing.assert_allclose(result.uv_frame_px, result.joints_frame_px(), atol=1e-6)
    assert result.crop.mirrored == (handedness == "left")


def test_on_the_reference_template(handmesh_topology):
    rng = np.random.default_rng(1)
    verts, t, k, box = _scene(handmesh_topology, rng)
    result = HandPipeline(_perfect_model(verts, t, k, box, False, handmesh_topology)).run(np.zeros((480, 640, 3), np.uint8), k, box=box)
    assert float(np.abs(result.registration.t - t).max()) < 1e-9


class _NoHands:
    last_best_palm_score = 0.12

    def detect(self, frame):
        return []


def test_no_hand_found_is_one_sentence(synthetic_topology):
    loaded = LoadedModel(CropModel(lambda x: (None, None), "x", "x"), synthetic_topology, True, "x")
    with pytest.raises(NoHandFound, match="no hand found.*0.12.*--box"):
        HandPipeline(loaded, detector_factory=_NoHands).run(np.zeros((100, 100, 3), np.uint8), np.eye(3))
    with pytest.raises(BadBox, match="outside"):
        HandPipeline(loaded).run(np.zeros((100, 100, 3), np.uint8), np.eye(3), box=(200, 0, 10, 10))
