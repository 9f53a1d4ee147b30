package mobrecon.harness.core

import mobrecon.harness.core.bench.Measurement
import mobrecon.harness.core.stats.LatencyStats
import mobrecon.harness.core.verify.AccuracyFigures
import java.util.Locale

/**
 * The table the app shows and the instrumentation log prints: one line per record.
 *
 * Columns: artifact, compute unit, threads, median / p10 / p90 ms, FPS, round spread %, session
 * load ms (median over rounds), the phone's max vertex mm / 2D joint px and verdict; skipped
 * records show their reason. Statistics are the host's definitions ([LatencyStats]); the host
 * recomputes them all at ingest.
 */
object SummaryTable {
    fun render(measurements: List<Measurement>, accuracy: List<AccuracyFigures?>): String {
        val header = listOf("artifact", "unit", "thr", "median", "p10", "p90", "fps", "spread%", "load ms", "max mm", "max px", "accuracy")
        val rows = measurements.mapIndexed { i, m ->
            val name = m.plan.artifact.id
            if (m.status != "ok") {
                listOf(name, m.plan.computeUnit, "${m.plan.threads}", "${m.status}: ${m.reason}")
            } else {
                val s = LatencyStats.summarize(m.latencyMsSamples)
                val a = accuracy[i]
                listOf(
                    name, m.plan.computeUnit, "${m.plan.threads}", f(s.medianMs), f(s.p10Ms), f(s.p90Ms), f(s.fps, 1),
                    f(s.roundSpreadPct, 1), f(LatencyStats.median(m.sessionLoadMs.toDoubleArray()), 1),
                    a?.vertexErrorMmMax?.let { f(it, 3) } ?: "-", a?.joint2dErrorPxMax?.let { f(it, 3) } ?: "-",
                    a?.verdict ?: "-",
                )
            }
        }
        val widths = header.indices.map { c -> (rows.filter { it.size == header.size }.map { it[c].length } + header[c].length).max() }
        fun line(cells: List<String>) = cells.mapIndexed { c, v -> if (cells.size == header.size) v.padEnd(widths[c]) else v }
            .joinToString("  ").trimEnd()
        return (listOf(line(header)) + rows.map(::line)).joinToString("\n") + "\n(ms unless marked; phone's own figures, recomputed by `mobrecon bench ingest`)"
    }

    private fun f(v: Double, digits: Int = 3): String = String.format(Locale.ROOT, "%.${digits}f", v)
}
