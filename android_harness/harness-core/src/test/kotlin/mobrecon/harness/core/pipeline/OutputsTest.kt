package mobrecon.harness.core.pipeline

import java.nio.ByteBuffer
import java.nio.ByteOrder
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

/** Outputs in task units, known answers by construction. */
class OutputsTest {
    @Test
    fun vertsToMetresUnmirrorAndCameraSpace() {
        val units = floatArrayOf(1f, -0.5f, 0.25f, 0f, 2f, -1f)
        val m = Outputs.vertsMetres(units)
        assertContentEquals(doubleArrayOf(0.2, -0.1, 0.05, 0.0, 0.4, -0.2), m.map { Math.round(it * 1e12) / 1e12 }.toDoubleArray())
        assertContentEquals(doubleArrayOf(-m[0], m[1], m[2], -m[3], m[4], m[5]), Outputs.unmirrorPoints(m))
        val cam = Outputs.cameraSpace(m, doubleArrayOf(0.01, 0.02, 0.5))
        assertContentEquals(doubleArrayOf(m[0] + 0.01, m[1] + 0.02, m[2] + 0.5, m[3] + 0.01, m[4] + 0.02, m[5] + 0.5), cam)
    }

    @Test
    fun jointsByTheRegressorInManoAndMpiiOrder() {
        // 23 vertices; MANO joint j is vertex j + 2, except the wrist, the mean of vertices 0 and 1
        val n = 23
        val w = DoubleArray(21 * n)
        w[0] = 0.5; w[1] = 0.5
        for (j in 1 until 21) w[j * n + j + 2] = 1.0
        val verts = DoubleArray(3 * n) { (it / 3) * 10.0 + it % 3 }
        val reg = JointRegressor(21, n, w)
        val mano = reg.jointsMano(verts)
        assertContentEquals(doubleArrayOf(5.0, 6.0, 7.0), mano.copyOfRange(0, 3))
        for (j in 1 until 21) assertContentEquals(verts.copyOfRange(3 * (j + 2), 3 * (j + 3)), mano.copyOfRange(3 * j, 3 * j + 3))
        val mpii = reg.jointsMpii(verts)
        for (i in 0 until 21) {
            val j = Outputs.MANO_JOINTS.indexOf(Outputs.MPII_JOINTS[i])
            assertContentEquals(mano.copyOfRange(3 * j, 3 * j + 3), mpii.copyOfRange(3 * i, 3 * i + 3), "MPII joint ${Outputs.MPII_JOINTS[i]}")
        }
        // spot checks of the order: MPII thumb base is MANO row 13, MPII little tip MANO row 18
        assertEquals(13, Outputs.MANO_TO_MPII[1])
        assertEquals(18, Outputs.MANO_TO_MPII[20])
        assertFailsWith<IllegalArgumentException> { reg.jointsMano(DoubleArray(3 * (n - 1))) }
    }

    @Test
    fun regressorFromLittleEndianFloat32() {
        val buf = ByteBuffer.allocate(21 * 2 * 4).order(ByteOrder.LITTLE_ENDIAN)
        for (i in 0 until 42) buf.putFloat(i * 0.5f)
        val reg = JointRegressor.fromLittleEndianFloat32(buf.array(), 21, 2)
        assertEquals(2, reg.numVerts)
        assertEquals(20.5, reg.weights[41])
        assertFailsWith<IllegalArgumentException> { JointRegressor.fromLittleEndianFloat32(buf.array(), 21, 3) }
    }
}
