package mobrecon.harness.core

import mobrecon.harness.core.bundle.FloatTensor
import mobrecon.harness.core.verify.Verification
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull

class VerificationTest {
    private fun t(name: String, shape: List<Int>, vararg v: Float) = FloatTensor(name, shape, v)

    @Test
    fun maxPointErrorIsEuclideanPerPoint() {
        val ref = t("verts", listOf(1, 2, 3), 0f, 0f, 0f, 1f, 1f, 1f)
        val out = t("verts", listOf(1, 2, 3), 3f, 4f, 0f, 1f, 1f, 1f)
        assertEquals(5.0, Verification.maxPointError(ref, out))
    }

    private val expected = mapOf(
        "verts" to t("verts", listOf(2, 1, 3), 0f, 0f, 0f, 0f, 0f, 0f),
        "uv" to t("uv", listOf(2, 1, 2), 0.5f, 0.5f, 0.5f, 0.5f),
    )
    private val limits = mapOf("verts_max_mm" to 0.4, "uv_max_px" to 0.05)

    @Test
    fun exactOutputsPass() {
        val a = Verification.judge(listOf(expected), expected, limits, 200.0, 128.0)
        assertEquals("pass", a.verdict)
        assertEquals(0.0, a.vertexErrorMmMax)
        assertEquals(0.0, a.joint2dErrorPxMax)
        assertNull(a.reason)
    }

    @Test
    fun worstRoundAndUnitsDecide() {
        // round 2 moves one vertex by 0.01 units (2 mm) and one joint by 1/128 (1 px)
        val moved = mapOf(
            "verts" to t("verts", listOf(2, 1, 3), 0f, 0f, 0f, 0f, 0.01f, 0f),
            "uv" to t("uv", listOf(2, 1, 2), 0.5f, 0.5f + 1f / 128, 0.5f, 0.5f),
        )
        val a = Verification.judge(listOf(expected, moved), expected, limits, 200.0, 128.0)
        assertEquals("fail", a.verdict)
        assertEquals(0.01f.toDouble() * 200, a.vertexErrorMmMax!!, 1e-12)
        assertEquals(((0.5f + 1f / 128).toDouble() - 0.5) * 128, a.joint2dErrorPxMax!!, 1e-12)
        assertEquals("verts_max_mm 2 > 0.4 mm; uv_max_px 1 > 0.05 px", a.reason)
    }

    @Test
    fun nanOrMissingOutputsFail() {
        val nan = mapOf("verts" to t("verts", listOf(2, 1, 3), Float.NaN, 0f, 0f, 0f, 0f, 0f), "uv" to expected.getValue("uv"))
        val a = Verification.judge(listOf(nan), expected, limits, 200.0, 128.0)
        assertEquals("fail", a.verdict)
        assertNull(a.vertexErrorMmMax)
        assertEquals("verts_max_mm NaN > 0.4 mm", a.reason)
        val b = Verification.judge(listOf(mapOf("verts" to expected.getValue("verts"))), expected, limits, 200.0, 128.0)
        assertEquals("fail", b.verdict)
        assertEquals("not-run", Verification.judge(emptyList(), expected, limits, 200.0, 128.0).verdict)
    }

    @Test
    fun formatsLikePythonG() {
        assertEquals("5", Verification.fmt(5.000001))
        assertEquals("0.4", Verification.fmt(0.4))
        assertEquals("1234", Verification.fmt(1234.4))
    }
}
