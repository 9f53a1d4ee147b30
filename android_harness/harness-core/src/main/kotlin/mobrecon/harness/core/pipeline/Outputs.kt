package mobrecon.harness.core.pipeline

import mobrecon.harness.core.bundle.FloatTensor

/**
 * The network's outputs in task units (port of `mobrecon/pipeline/outputs.py`): vertices in
 * metres, joints by the regressor in MANO and FreiHAND/MPII order, the camera-space mesh.
 *
 * Joint orders (HandMesh `mobrecon/tools/kinematics.py`):
 * - MANO (what `j_reg @ verts` gives): wrist, index 0-2, middle 0-2, little 0-2, ring 0-2,
 *   thumb 0-2, then the tips index, middle, little, ring, thumb;
 * - FreiHAND/MPII (the network's `uv`, FreiHAND's `*_xyz.json`, MediaPipe's landmarks): wrist,
 *   thumb 0-3, index 0-3, middle 0-3, ring 0-3, little 0-3.
 */
object Outputs {
    /** The network's vertices are in units of 0.2 m (HandMesh: `std = 0.2`). */
    const val VERTS_TO_METRES = 0.2

    /** Joint labels in MANO order (W wrist; I index, M middle, L little, R ring, T thumb; 0 = base, 3 = tip). */
    val MANO_JOINTS = listOf("W", "I0", "I1", "I2", "M0", "M1", "M2", "L0", "L1", "L2", "R0", "R1", "R2", "T0", "T1", "T2",
                             "I3", "M3", "L3", "R3", "T3")

    /** Joint labels in FreiHAND/MPII order. */
    val MPII_JOINTS = listOf("W", "T0", "T1", "T2", "T3", "I0", "I1", "I2", "I3", "M0", "M1", "M2", "M3", "R0", "R1", "R2", "R3",
                             "L0", "L1", "L2", "L3")

    /** `mpii[i] = mano[MANO_TO_MPII[i]]`: for each MPII joint, its row in MANO order. */
    val MANO_TO_MPII: IntArray = IntArray(MPII_JOINTS.size) { MANO_JOINTS.indexOf(MPII_JOINTS[it]) }

    /** Network vertices `[N, 3]` (units of 0.2 m) -> metres, `[N, 3]` double. */
    fun vertsMetres(verts: FloatArray): DoubleArray = DoubleArray(verts.size) { verts[it].toDouble() * VERTS_TO_METRES }

    /** Reorder `[21, 3]` MANO-order joints to FreiHAND/MPII order. */
    fun manoToMpii(joints: DoubleArray): DoubleArray {
        require(joints.size == 3 * MANO_TO_MPII.size) { "joints must be [21, 3], got ${joints.size} values" }
        return DoubleArray(joints.size) { joints[3 * MANO_TO_MPII[it / 3] + it % 3] }
    }

    /** `[N, 3]` points of a mirrored crop back to the real camera: `x -> -x` (a copy). */
    fun unmirrorPoints(points: DoubleArray): DoubleArray = DoubleArray(points.size) { if (it % 3 == 0) -points[it] else points[it] }

    /** Root-relative `[N, 3]` metres plus `t` (`[3]` metres): camera space, `[N, 3]` metres. */
    fun cameraSpace(points: DoubleArray, t: DoubleArray): DoubleArray {
        require(points.size % 3 == 0 && t.size == 3) { "points must be [N, 3] and t [3]" }
        return DoubleArray(points.size) { points[it] + t[it % 3] }
    }
}

/**
 * A vertex-to-joint regressor (`j_reg`, `[J, N]` row-major): joint `j` is `sum_n w[j, n] vert[n]`.
 *
 * @property numJoints J (21 for MANO).
 * @property numVerts N (778 for MANO).
 * @property weights `[J, N]` row-major.
 */
class JointRegressor(val numJoints: Int, val numVerts: Int, val weights: DoubleArray) {
    init {
        require(numJoints > 0 && numVerts > 0 && weights.size == numJoints * numVerts) {
            "a joint regressor [$numJoints, $numVerts] needs ${numJoints.toLong() * numVerts} weights, got ${weights.size}"
        }
    }

    /** `j_reg @ verts`: `[N, 3]` vertices (any unit) -> `[J, 3]` joints, MANO order, same unit. */
    fun jointsMano(verts: DoubleArray): DoubleArray {
        require(verts.size == 3 * numVerts) { "the joint regressor [$numJoints, $numVerts] needs [$numVerts, 3] vertices, got ${verts.size} values" }
        val out = DoubleArray(3 * numJoints)
        for (j in 0 until numJoints) {
            val row = j * numVerts
            for (n in 0 until numVerts) {
                val w = weights[row + n]
                if (w == 0.0) continue
                for (c in 0 until 3) out[3 * j + c] += w * verts[3 * n + c]
            }
        }
        return out
    }

    /** `[N, 3]` vertices -> `[21, 3]` joints in FreiHAND/MPII order (`mano_to_mpii(j_reg @ verts)`), same unit. */
    fun jointsMpii(verts: DoubleArray): DoubleArray = Outputs.manoToMpii(jointsMano(verts))

    companion object {
        /**
         * From a raw file of little-endian float32 `[J, N]` (no header), e.g. written on the host with
         * `np.load("j_reg.npy").astype("<f4").tofile("j_reg.f32")`.
         */
        fun fromLittleEndianFloat32(bytes: ByteArray, numJoints: Int, numVerts: Int): JointRegressor {
            val t = FloatTensor.fromLittleEndian("j_reg", listOf(numJoints, numVerts), bytes)
            return JointRegressor(numJoints, numVerts, DoubleArray(t.data.size) { t.data[it].toDouble() })
        }
    }
}
