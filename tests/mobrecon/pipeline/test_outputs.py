"""Outputs: units and joint orders, on the reference's j_reg."""

from __future__ import annotations

import numpy as np

from mobrecon.pipeline.outputs import MANO_TO_MPII, MPII_JOINTS, joints_mano, joints_mpii, mano_to_mpii, verts_metres


def test_mano_to_mpii_is_the_references_label_mapping():
    # HandMesh kinematics.py: MPII = W, T0-3, I0-3, M0-3, R0-3, L0-3; MANO = W, I0-2, M0-2, L0-2, R0-2, T0-2, I3, M3, L3, R3, T3
    expected = [0, 13, 14, 15, 20, 1, 2, 3, 16, 4, 5, 6, 17, 10, 11, 12, 19, 7, 8, 9, 18]
    assert MANO_TO_MPII.tolist() == expected
    assert sorted(expected) == list(range(21)) and MPII_JOINTS[4] == "T3"


def test_verts_to_metres_and_regressed_joints(handmesh_topology):
    reg = handmesh_topology.joint_regressor
    rng = np.random.default_rng(0)
    verts_units = rng.normal(0, 0.3, (778, 3))
    verts = verts_metres(verts_units)
    np.testing.assert_allclose(verts, verts_units * 0.2)
    mano = joints_mano(verts, reg)
    # rows 16-20 of the reference j_reg are one-hot on the fingertip vertices 333, 444, 672, 555, 744
    np.testing.assert_allclose(mano[16:], verts[[333, 444, 672, 555, 744]], atol=1e-12)
    mpii = joints_mpii(verts, reg)
    np.testing.assert_allclose(mpii, mano_to_mpii(mano))
    np.testing.assert_allclose(mpii[4], verts[744], atol=1e-12)  # MPII thumb tip = MANO T3 = vertex 744
