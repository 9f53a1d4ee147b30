package mobrecon.harness.core.verify

import mobrecon.harness.core.bundle.FloatTensor
import kotlin.math.sqrt

/**
 * The phone's own accuracy figures for one record (result schema `accuracy`).
 *
 * @property vertexErrorMmMax largest Euclidean vertex error over all inputs, rounds and vertices, mm.
 * @property joint2dErrorPxMax largest Euclidean 2D joint error, px (128-px crop).
 * @property verdict `pass` when every limit holds, `fail` otherwise, `not-run` without outputs.
 * @property reason the failed limits (`verts_max_mm 5 > 0.4 mm`), or why not run; null on pass.
 */
data class AccuracyFigures(
    val vertexErrorMmMax: Double?,
    val joint2dErrorPxMax: Double?,
    val verdict: String,
    val reason: String?,
)

/**
 * Verification maths, the same as the host's (`mobrecon_export.verify`, `verts_max_mm` and
 * `uv_max_px`): per point the Euclidean distance (float64) between output and expected point, its
 * maximum over points and inputs, times the unit factor: `units.verts.to_millimetres` (200) for
 * vertices, `units.uv.to_pixels` (128) for 2D joints. A limit fails when the value is above it or
 * not finite (NaN outputs never pass).
 */
object Verification {
    /** Metric name -> the output it reads, as in the host's METRICS registry. */
    val METRIC_OUTPUT = mapOf("verts_max_mm" to "verts", "uv_max_px" to "uv")

    /**
     * Largest Euclidean error between [output] and [expected] over every point, in output units.
     *
     * Both are `[N, P, D]` (or any shape whose last axis is the point's coordinates).
     */
    fun maxPointError(expected: FloatTensor, output: FloatTensor): Double {
        require(expected.shape == output.shape) { "${output.name}: output shape ${output.shape}, expected ${expected.shape}" }
        val d = expected.shape.last()
        var worst = 0.0
        var p = 0
        while (p < expected.data.size) {
            var sq = 0.0
            for (k in 0 until d) {
                val diff = output.data[p + k].toDouble() - expected.data[p + k].toDouble()
                sq += diff * diff
            }
            val dist = sqrt(sq)
            if (dist.isNaN()) return Double.NaN
            if (dist > worst) worst = dist
            p += d
        }
        return worst
    }

    /**
     * Judge raw outputs of every round against the expected outputs and the artifact's limits.
     *
     * @param rounds per round, output name -> `[N, ...]` tensor as the runtime returned it.
     * @param expected output name -> `[N, ...]` PyTorch float32 outputs.
     * @param limits metric name -> largest allowed value (`verts_max_mm` mm, `uv_max_px` px).
     * @param mmPerUnit vertex units to millimetres (bundle `units.verts.to_millimetres`).
     * @param pxPerUnit uv units to pixels (bundle `units.uv.to_pixels`).
     */
    fun judge(
        rounds: List<Map<String, FloatTensor>>,
        expected: Map<String, FloatTensor>,
        limits: Map<String, Double>,
        mmPerUnit: Double,
        pxPerUnit: Double,
    ): AccuracyFigures {
        if (rounds.isEmpty()) return AccuracyFigures(null, null, "not-run", "no outputs were recorded")
        fun worst(name: String, scale: Double): Double? {
            val ref = expected[name] ?: return null
            var w = 0.0
            for (r in rounds) {
                val out = r[name] ?: return Double.NaN
                val e = maxPointError(ref, out) * scale
                if (e.isNaN()) return Double.NaN
                if (e > w) w = e
            }
            return w
        }
        val values = mapOf("verts_max_mm" to worst("verts", mmPerUnit), "uv_max_px" to worst("uv", pxPerUnit))
        val failed = limits.mapNotNull { (metric, limit) ->
            val v = values[metric]
            val unit = if (metric.endsWith("_mm")) "mm" else "px"
            when {
                v == null -> "$metric missing"
                !v.isFinite() || v > limit -> "$metric ${fmt(v)} > ${fmt(limit)} $unit"
                else -> null
            }
        }
        return AccuracyFigures(
            vertexErrorMmMax = values["verts_max_mm"]?.takeIf { it.isFinite() },
            joint2dErrorPxMax = values["uv_max_px"]?.takeIf { it.isFinite() },
            verdict = if (failed.isEmpty()) "pass" else "fail",
            reason = failed.takeIf { it.isNotEmpty() }?.joinToString("; "),
        )
    }

    /** Four significant digits, as the host's `{value:.4g}`. */
    fun fmt(v: Double): String = if (!v.isFinite()) v.toString() else {
        val s = String.format(java.util.Locale.ROOT, "%.4g", v)
        // %g keeps trailing zeros ("5.000"); the host's .4g drops them ("5").
        if ('e' in s) s else s.trimEnd('0').trimEnd('.')
    }
}
