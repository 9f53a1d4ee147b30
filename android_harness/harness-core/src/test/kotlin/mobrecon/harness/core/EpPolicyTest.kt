package mobrecon.harness.core

import mobrecon.harness.core.bench.EpPolicy
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

class EpPolicyTest {
    private val all = setOf("CPUExecutionProvider", "XnnpackExecutionProvider", "NnapiExecutionProvider")

    @Test
    fun cpuIsTheHostsSetup() {
        val s = EpPolicy.setup("cpu", 4, 34, all)
        assertEquals(4, s.intraOpThreads)
        assertEquals(mapOf("intra_op_num_threads" to 4, "inter_op_num_threads" to 1, "execution_mode" to "SEQUENTIAL"), s.options)
        assertNull(s.skipReason)
    }

    @Test
    fun xnnpackOwnsTheThreadsAndTheSessionDoesNotSpin() {
        val s = EpPolicy.setup("xnnpack", 4, 34, all)
        assertEquals(1, s.intraOpThreads)
        assertEquals(mapOf("intra_op_num_threads" to "4"), s.xnnpackOptions)
        assertEquals(mapOf("session.intra_op.allow_spinning" to "0"), s.sessionConfig)
        assertEquals("XnnpackExecutionProvider", s.executionProvider)
    }

    @Test
    fun nnapiFlagsFollowTheApiLevel() {
        val q = EpPolicy.setup("nnapi", 1, 29, all)
        assertEquals(listOf("CPU_DISABLED"), q.nnapiFlags)
        assertEquals(true, q.options["NNAPI_FLAG_CPU_DISABLED"])
        assertEquals(false, q.options["NNAPI_FLAG_USE_NCHW"])
        val p = EpPolicy.setup("nnapi", 1, 28, all, nnapiFp16 = true)
        assertEquals(listOf("USE_FP16"), p.nnapiFlags, "CPU_DISABLED is ignored below API 29, so it is not claimed")
        assertEquals(false, p.options["NNAPI_FLAG_CPU_DISABLED"])
        assertEquals(true, p.options["NNAPI_FLAG_USE_FP16"])
    }

    @Test
    fun nnapiOnAndroid15IsSkippedUnlessForced() {
        val skipped = EpPolicy.setup("nnapi", 1, 35, all)
        assertTrue(skipped.skipReason!!.startsWith("NNAPI is deprecated from Android 15 (API 35)"))
        val forced = EpPolicy.setup("nnapi", 1, 36, all, forceNnapi = true)
        assertNull(forced.skipReason)
        assertEquals(true, forced.options["harness.nnapi_deprecated_forced"])
        assertNull(EpPolicy.setup("nnapi", 1, 34, all).options["harness.nnapi_deprecated_forced"])
    }

    @Test
    fun aMissingProviderIsASkipWithTheBuildsList() {
        val s = EpPolicy.setup("xnnpack", 2, 34, setOf("CPUExecutionProvider"))
        assertEquals("XnnpackExecutionProvider is not in this onnxruntime build (it has CPUExecutionProvider)", s.skipReason)
    }
}

class AndroidThermalTest {
    @Test
    fun statusNamesFollowPowerManagerConstants() {
        assertEquals(listOf("none", "light", "moderate", "severe", "critical", "emergency", "shutdown"), (0..6).map { mobrecon.harness.core.platform.AndroidThermal.name(it) })
        assertEquals("status-9", mobrecon.harness.core.platform.AndroidThermal.name(9))
    }
}
