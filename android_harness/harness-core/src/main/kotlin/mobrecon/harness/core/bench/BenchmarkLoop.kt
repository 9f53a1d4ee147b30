package mobrecon.harness.core.bench

import mobrecon.harness.core.HarnessError
import mobrecon.harness.core.bundle.FloatTensor
import kotlin.math.floor

/**
 * The method, the host's (`benchmarks/README.md`, "Method"; result `method` block).
 *
 * @property rounds fresh sessions per record, interleaved.
 * @property warmupIters untimed inferences per session before timing.
 * @property minIters minimum timed inferences per round.
 * @property maxIters cap on timed inferences per round.
 * @property timeBudgetS target timed seconds per record per round.
 * @property alternateOrder odd rounds run the records in reverse order.
 * @property placement open one extra, untimed session per record to read node placement.
 */
data class BenchOptions(
    val rounds: Int = 5,
    val warmupIters: Int = 10,
    val minIters: Int = 20,
    val maxIters: Int = 100_000,
    val timeBudgetS: Double = 1.0,
    val alternateOrder: Boolean = true,
    val placement: Boolean = true,
) {
    init {
        if (rounds < 1) throw HarnessError("rounds must be at least 1, got $rounds")
        if (warmupIters < 0) throw HarnessError("warmup must be 0 or more, got $warmupIters")
        if (minIters < 1) throw HarnessError("min_iters must be at least 1, got $minIters")
        if (maxIters < minIters) throw HarnessError("max_iters ($maxIters) must be at least min_iters ($minIters)")
        if (!(timeBudgetS >= 0.0)) throw HarnessError("time_budget_s must be 0 or more, got $timeBudgetS")
    }
}

/**
 * Everything measured for one record, raw: what the result file's record is built from.
 *
 * @property latencyMsSamples every timed inference, ms, one list per round.
 * @property sessionLoadMs session creation per round, ms.
 * @property memoryBeforeMib memory before each round's session loaded, MiB.
 * @property memoryAfterMib memory after each round's timed runs (session alive), MiB.
 * @property rawOutputs per round, output name -> `[N, ...]` outputs for the bundle inputs.
 */
class Measurement(val plan: RunPlan, val runtime: RuntimeDescription) {
    var status: String = "ok"
    var reason: String? = null
    val latencyMsSamples = mutableListOf<List<Double>>()
    val sessionLoadMs = mutableListOf<Double>()
    var iterationsPerRound: Int = 0
    val memoryBeforeMib = mutableListOf<Double>()
    val memoryAfterMib = mutableListOf<Double>()
    var thermalStart: String? = null
    var thermalEnd: String? = null
    val rawOutputs = mutableListOf<Map<String, FloatTensor>>()
    var placement: Placement? = null

    /** Record why this record cannot run and drop any partial material (as the host does). */
    fun markSkipped(why: String) {
        status = "skipped"
        reason = why
        latencyMsSamples.clear(); sessionLoadMs.clear(); rawOutputs.clear()
        memoryBeforeMib.clear(); memoryAfterMib.clear()
        iterationsPerRound = 0
        thermalStart = null; thermalEnd = null
    }
}

/**
 * The measurement loop over an [Engine]: interleaved rounds of fresh sessions, raw samples.
 *
 * For every record, per round: memory before; a fresh session (timed: `session_load_ms`);
 * `warmupIters` untimed inferences on the fixed input; the timed inferences, each bracketed by
 * the platform clock; memory after; then the N verification inputs, one batch-1 inference each,
 * stacked into `raw_outputs`; close. The timed count is chosen once per record from the first
 * round's warm-up median: `max(minIters, floor(timeBudgetS x 1000 / median))`, capped at
 * `maxIters` (`minIters` without warm-up), so every round of a record has the same count.
 * Round r of every record runs before round r+1 of any; odd rounds run in reverse order when
 * [BenchOptions.alternateOrder]. A record whose session fails to load or run is skipped with the
 * runtime's message and keeps no partial samples.
 */
class BenchmarkLoop(
    private val engine: Engine,
    private val probe: PlatformProbe,
    private val options: BenchOptions,
    private val log: (String) -> Unit = {},
) {
    /**
     * Measure [plans].
     *
     * @param timingInput the fixed input of the timed inferences, `[1, 3, S, S]`.
     * @param verificationInputs the bundle inputs, each `[1, 3, S, S]`, in bundle order.
     */
    fun measure(plans: List<RunPlan>, timingInput: FloatTensor, verificationInputs: List<FloatTensor>): List<Measurement> {
        val all = plans.map { Measurement(it, engine.describe(it)) }
        for (m in all) engine.unavailable(m.plan)?.let { m.markSkipped(it) }
        val active = all.filter { it.status == "ok" }
        for (r in 0 until options.rounds) {
            val order = if (options.alternateOrder && r % 2 == 1) active.reversed() else active
            for (m in order) {
                if (m.status != "ok") continue
                if (r == 0) m.thermalStart = probe.thermalState()
                log("round ${r + 1}/${options.rounds} ${m.plan.label}")
                try {
                    oneRound(m, timingInput, verificationInputs)
                } catch (e: HarnessError) {
                    throw e
                } catch (e: Exception) {
                    m.markSkipped("${m.runtime.executionProvider ?: m.runtime.name} failed in round ${r + 1}: ${oneLine(e)}")
                }
                if (r == options.rounds - 1 && m.status == "ok") m.thermalEnd = probe.thermalState()
                probe.collectGarbage()
            }
        }
        if (options.placement) {
            for (m in active.filter { it.status == "ok" }) {
                m.placement = try {
                    engine.placement(m.plan, timingInput)
                } catch (e: Exception) {
                    log("placement of ${m.plan.label} not read: ${oneLine(e)}")
                    null
                }
            }
        }
        return all
    }

    private fun oneRound(m: Measurement, timingInput: FloatTensor, verificationInputs: List<FloatTensor>) {
        probe.memoryMib()?.let { m.memoryBeforeMib.add(it) }
        val start = probe.nanoTime()
        val session = engine.open(m.plan)
        m.sessionLoadMs.add((probe.nanoTime() - start) / NS_PER_MS)
        session.use { s ->
            s.prepare(timingInput)
            val warm = timedBlock(s, options.warmupIters)
            if (m.iterationsPerRound == 0) m.iterationsPerRound = iterations(warm)
            val samples = timedBlock(s, m.iterationsPerRound)
            if (samples.any { it <= 0.0 }) {
                throw IllegalStateException("the clock returned a zero-length inference; ${probe.timerName} is too coarse here")
            }
            m.latencyMsSamples.add(samples)
            probe.memoryMib()?.let { m.memoryAfterMib.add(it) }
            val perInput = verificationInputs.mapIndexed { i, x -> s.infer(x, i) }
            val names = perInput.first().keys
            m.rawOutputs.add(names.associateWith { name -> FloatTensor.stack(name, perInput.map { it.getValue(name) }) })
        }
    }

    private fun timedBlock(s: EngineSession, n: Int): List<Double> {
        val ns = LongArray(n)
        for (i in 0 until n) {
            val t0 = probe.nanoTime()
            s.run()
            ns[i] = probe.nanoTime() - t0
        }
        return ns.map { it / NS_PER_MS }
    }

    /** The host's `_iterations`: timed inferences per round from the warm-up speed and the time budget. */
    internal fun iterations(warmupMs: List<Double>): Int {
        if (warmupMs.isEmpty()) return options.minIters
        val perIterMs = maxOf(mobrecon.harness.core.stats.LatencyStats.median(warmupMs.toDoubleArray()), 1e-6)
        val fit = floor(options.timeBudgetS * 1000.0 / perIterMs)
        return minOf(options.maxIters.toDouble(), maxOf(options.minIters.toDouble(), fit)).toInt()
    }

    private companion object {
        const val NS_PER_MS = 1e6

        fun oneLine(e: Throwable): String = (e.message ?: e::class.java.simpleName).lineSequence().first().trim()
    }
}
