package mobrecon.harness.core

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

class HarnessArgumentsTest {
    @Test
    fun defaultsAreTheHostsMethodOnEveryEp() {
        val a = HarnessArguments.parse(mapOf("class" to "mobrecon.harness.app.HarnessInstrumentedTest"))
        assertEquals("/data/local/tmp/mobrecon-bundle", a.bundlePath)
        assertEquals(listOf("nnapi", "xnnpack", "cpu"), a.selection.computeUnits)
        assertEquals(listOf(1), a.selection.threads)
        assertEquals(5, a.options.rounds)
        assertEquals(10, a.options.warmupIters)
        assertEquals(20, a.options.minIters)
        assertEquals(1.0, a.options.timeBudgetS)
        assertEquals(listOf("class"), a.ignored)
    }

    @Test
    fun parsesEveryKey() {
        val a = HarnessArguments.parse(mapOf(
            "bundle" to "/sdcard/b", "eps" to "cpu, xnnpack", "threads" to "1,4", "rounds" to "7", "warmup" to "3",
            "min_iters" to "9", "time_budget_s" to "0.25", "artifacts" to "x.ort", "alternate_order" to "false",
            "placement" to "0", "nnapi_fp16" to "yes", "force_nnapi" to "true", "diagnostic" to "true", "results_dir" to "/sdcard/out",
        ))
        assertEquals(listOf("cpu", "xnnpack"), a.selection.computeUnits)
        assertEquals(listOf(1, 4), a.selection.threads)
        assertEquals(listOf("x.ort"), a.selection.artifactIds)
        assertEquals(listOf(7, 3, 9), listOf(a.options.rounds, a.options.warmupIters, a.options.minIters))
        assertEquals(0.25, a.options.timeBudgetS)
        assertEquals(listOf(false, false, true, true, true), listOf(a.options.alternateOrder, a.options.placement, a.nnapiFp16, a.forceNnapi, a.diagnostic))
        assertEquals("/sdcard/out", a.resultsDir)
        assertTrue(a.ignored.isEmpty())
    }

    @Test
    fun badValuesNameTheKey() {
        assertEquals("rounds must be an integer, got 'five'", assertFailsWith<HarnessError> { HarnessArguments.parse(mapOf("rounds" to "five")) }.message)
        assertEquals("rounds must be at least 1, got 0", assertFailsWith<HarnessError> { HarnessArguments.parse(mapOf("rounds" to "0")) }.message)
        assertEquals("placement must be true or false, got 'maybe'", assertFailsWith<HarnessError> { HarnessArguments.parse(mapOf("placement" to "maybe")) }.message)
        assertTrue("unknown compute unit 'gpu'" in assertFailsWith<HarnessError> { HarnessArguments.parse(mapOf("eps" to "gpu")) }.message!!)
    }
}
