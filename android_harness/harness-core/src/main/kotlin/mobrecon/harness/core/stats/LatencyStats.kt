package mobrecon.harness.core.stats

import kotlin.math.floor

/** Share cut from EACH tail before the trimmed mean (the host's `TRIM_FRACTION`). */
const val TRIM_FRACTION = 0.1

/**
 * Latency summary of one record, the host's definitions (`mobrecon_bench.results.stats.summarize`).
 *
 * All in milliseconds except [roundSpreadPct] (percent) and [fps] (inferences per second).
 *
 * @property roundMedianMs median of each round (fresh session), in round order.
 */
data class LatencySummary(
    val nSamples: Int,
    val medianMs: Double,
    val p10Ms: Double,
    val p90Ms: Double,
    val trimmedMeanMs: Double,
    val madMs: Double,
    val roundMedianMs: List<Double>,
    val roundSpreadPct: Double,
    val fps: Double,
)

/**
 * The host's statistics, reproduced operation for operation so that the phone's table shows the
 * same numbers `mobrecon bench ingest` recomputes (numpy 2.x, float64):
 *
 * - median: `np.median` (middle value, or the mean of the two middle values);
 * - percentiles: `np.percentile`, method "linear" (Hyndman and Fan type 7): position
 *   `(n - 1) x q` in the sorted samples, interpolated with numpy's `_lerp` (which computes from the
 *   upper neighbour when the weight is 0.5 or more);
 * - trimmed mean: cut `floor(0.1 n)` samples from each tail, then `np.mean` (numpy's pairwise sum);
 * - MAD: the unscaled median absolute deviation from the median;
 * - round spread: `100 x (max - min of round medians) / pooled median`; fps = 1000 / median.
 */
object LatencyStats {
    /**
     * Summarise per-round samples.
     *
     * @param rounds milliseconds, one list per round; empty rounds are skipped for the round medians.
     * @throws IllegalArgumentException on no samples, or a sample that is not a positive finite number.
     */
    fun summarize(rounds: List<List<Double>>): LatencySummary {
        val x = rounds.flatten().toDoubleArray()
        require(x.isNotEmpty()) { "no latency samples to summarise" }
        require(x.all { it.isFinite() && it > 0.0 }) { "latency samples must be positive finite milliseconds" }
        val sorted = x.sortedArray()
        val median = medianOfSorted(sorted)
        val meds = rounds.filter { it.isNotEmpty() }.map { median(it.toDoubleArray()) }
        return LatencySummary(
            nSamples = x.size,
            medianMs = median,
            p10Ms = percentileOfSorted(sorted, 10.0),
            p90Ms = percentileOfSorted(sorted, 90.0),
            trimmedMeanMs = trimmedMean(sorted, TRIM_FRACTION),
            madMs = mad(x),
            roundMedianMs = meds,
            roundSpreadPct = 100.0 * (meds.max() - meds.min()) / median,
            fps = 1000.0 / median,
        )
    }

    /** `np.median` of [x] (not modified). */
    fun median(x: DoubleArray): Double = medianOfSorted(x.sortedArray())

    /** `np.percentile(x, q)` with the default "linear" method; [q] in percent, [0, 100]. */
    fun percentile(x: DoubleArray, q: Double): Double = percentileOfSorted(x.sortedArray(), q)

    /** The host's `trimmed_mean`: mean after cutting `floor(fraction x n)` from each tail. */
    fun trimmedMean(x: DoubleArray, fraction: Double = TRIM_FRACTION): Double {
        require(fraction >= 0.0 && fraction < 0.5) { "trim fraction must be in [0, 0.5), got $fraction" }
        val sorted = x.sortedArray()
        val cut = floor(fraction * sorted.size).toInt()
        return mean(sorted.copyOfRange(cut, sorted.size - cut))
    }

    /** Median absolute deviation from the median, unscaled. */
    fun mad(x: DoubleArray): Double {
        val m = median(x)
        return median(DoubleArray(x.size) { kotlin.math.abs(x[it] - m) })
    }

    /** `np.mean`: numpy's pairwise sum divided by the count. */
    fun mean(x: DoubleArray): Double = pairwiseSum(x, 0, x.size) / x.size

    private fun medianOfSorted(s: DoubleArray): Double {
        val n = s.size
        val mid = n / 2
        // np.median takes np.mean of the middle one or two values: (0 + a + b) / 2 for two.
        return if (n % 2 == 1) s[mid] else (s[mid - 1] + s[mid]) / 2.0
    }

    private fun percentileOfSorted(s: DoubleArray, q: Double): Double {
        val n = s.size
        val quantile = q / 100.0
        val virtual = (n - 1) * quantile
        var previous = floor(virtual)
        if (virtual >= n - 1) return s[n - 1]
        if (virtual < 0) return s[0]
        val lo = previous.toInt()
        val gamma = virtual - previous
        val a = s[lo]
        val b = s[lo + 1]
        val diff = b - a
        return if (gamma >= 0.5) b - diff * (1 - gamma) else a + diff * gamma
    }

    /** numpy's `pairwise_sum_DOUBLE` (blocks of 8 accumulators up to 128 values, halves beyond). */
    private fun pairwiseSum(a: DoubleArray, start: Int, n: Int): Double {
        if (n < 8) {
            var res = 0.0
            for (i in 0 until n) res += a[start + i]
            return res
        }
        if (n <= PAIRWISE_BLOCK) {
            val r = DoubleArray(8) { a[start + it] }
            var i = 8
            while (i < n - (n % 8)) {
                for (j in 0 until 8) r[j] += a[start + i + j]
                i += 8
            }
            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while (i < n) { res += a[start + i]; i++ }
            return res
        }
        var n2 = n / 2
        n2 -= n2 % 8
        return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2)
    }

    private const val PAIRWISE_BLOCK = 128
}
