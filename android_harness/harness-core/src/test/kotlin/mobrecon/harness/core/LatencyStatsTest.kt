package mobrecon.harness.core

import mobrecon.harness.core.stats.LatencyStats
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

/**
 * The host's definitions on samples whose statistics are worked out by hand below; exactness
 * against numpy itself is checked by the pytest wrapper (tests/android_harness), which recomputes
 * a Kotlin-written result with mobrecon_bench.results.stats.
 */
class LatencyStatsTest {
    private val oneToTen = (1..10).map { it.toDouble() }

    @Test
    fun medianOfOddAndEvenCounts() {
        assertEquals(3.0, LatencyStats.median(doubleArrayOf(5.0, 1.0, 3.0)))
        assertEquals(2.5, LatencyStats.median(doubleArrayOf(4.0, 1.0, 3.0, 2.0)))
    }

    @Test
    fun percentilesAreType7() {
        // position (n - 1) q: 0.9 -> between 1 and 2, weight 0.9; 8.1 -> between 9 and 10, weight 0.1
        val x = oneToTen.toDoubleArray()
        assertEquals(1.9, LatencyStats.percentile(x, 10.0), 1e-15)
        assertEquals(9.1, LatencyStats.percentile(x, 90.0), 1e-15)
        assertEquals(1.0, LatencyStats.percentile(x, 0.0))
        assertEquals(10.0, LatencyStats.percentile(x, 100.0))
        assertEquals(7.0, LatencyStats.percentile(doubleArrayOf(7.0), 10.0))
    }

    @Test
    fun trimmedMeanCutsFloorOfTenPercentEachTail() {
        // n = 10 -> cut 1 each side: mean(2..9) = 5.5; n = 9 -> cut 0: plain mean
        assertEquals(5.5, LatencyStats.trimmedMean((oneToTen + listOf()).toDoubleArray().also { it[9] = 1000.0 }))
        assertEquals(1036.0 / 9, LatencyStats.trimmedMean(doubleArrayOf(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 1000.0)), 1e-12)
        assertFailsWith<IllegalArgumentException> { LatencyStats.trimmedMean(doubleArrayOf(1.0), 0.5) }
    }

    @Test
    fun madIsUnscaled() {
        // median 3, deviations 2 1 0 1 97 -> median 1
        assertEquals(1.0, LatencyStats.mad(doubleArrayOf(1.0, 2.0, 3.0, 4.0, 100.0)))
    }

    @Test
    fun summaryOfRounds() {
        val s = LatencyStats.summarize(listOf(listOf(1.0, 2.0, 3.0), listOf(4.0, 5.0, 6.0), emptyList()))
        assertEquals(6, s.nSamples)
        assertEquals(3.5, s.medianMs)
        assertEquals(listOf(2.0, 5.0), s.roundMedianMs)
        assertEquals(100.0 * 3.0 / 3.5, s.roundSpreadPct)
        assertEquals(1000.0 / 3.5, s.fps)
        assertEquals(1.5, s.madMs)
        assertEquals(1.5, s.p10Ms, 1e-15)
        assertEquals(5.5, s.p90Ms, 1e-15)
    }

    @Test
    fun refusesEmptyOrNonPositiveSamples() {
        assertFailsWith<IllegalArgumentException> { LatencyStats.summarize(listOf(emptyList())) }
        assertFailsWith<IllegalArgumentException> { LatencyStats.summarize(listOf(listOf(1.0, 0.0))) }
        assertFailsWith<IllegalArgumentException> { LatencyStats.summarize(listOf(listOf(Double.NaN))) }
    }

    @Test
    fun meanUsesPairwiseSummation() {
        // 1 + 1e-16 * 200 summed left to right stays 1.0; numpy's pairwise blocks keep the small terms together.
        val x = DoubleArray(201) { if (it == 0) 1.0 else 1e-16 }
        var naive = 0.0
        for (v in x) naive += v
        assertEquals(1.0, naive)
        val mean = LatencyStats.mean(x)
        kotlin.test.assertTrue(mean > naive / 201, "pairwise keeps the small terms")
        assertEquals((1.0 + 200 * 1e-16) / 201, mean, 1e-17)
    }
}
