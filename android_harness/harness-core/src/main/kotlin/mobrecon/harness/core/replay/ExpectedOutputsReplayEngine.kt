package mobrecon.harness.core.replay

import mobrecon.harness.core.HARNESS_VERSION
import mobrecon.harness.core.bench.Engine
import mobrecon.harness.core.bench.EngineSession
import mobrecon.harness.core.bench.PlatformProbe
import mobrecon.harness.core.bench.RunPlan
import mobrecon.harness.core.bench.RuntimeDescription
import mobrecon.harness.core.bundle.Bundle
import mobrecon.harness.core.bundle.FloatTensor

/**
 * The expected-outputs replay engine: NOT a model runtime. Every "inference" returns the bundle's
 * expected PyTorch outputs for that input, optionally shifted by a known amount, so that a host
 * test can drive the whole harness (loop, verification, result file) without a phone and check
 * that the host's ingest recomputes exactly the error that was put in.
 *
 * @param shiftMm added to every vertex's x coordinate, millimetres (converted with the bundle's
 *   `units.verts.to_millimetres`): the phone's and the host's max vertex error are then this amount.
 * @param shiftPx added to every 2D joint's x coordinate, pixels (`units.uv.to_pixels`).
 */
class ExpectedOutputsReplayEngine(
    private val bundle: Bundle,
    private val shiftMm: Double = 0.0,
    private val shiftPx: Double = 0.0,
) : Engine {
    private val expected = HashMap<String, Map<String, FloatTensor>>()

    override fun describe(plan: RunPlan) = RuntimeDescription(
        name = RUNTIME_NAME,
        version = HARNESS_VERSION,
        computeUnit = plan.computeUnit,
        executionProvider = null,
        options = mapOf("engine" to "returns the bundle's expected outputs; not a model runtime", "shift_mm" to shiftMm, "shift_px" to shiftPx),
        runsTheModel = false,
    )

    override fun unavailable(plan: RunPlan): String? = null

    override fun open(plan: RunPlan): EngineSession {
        val outputs = expected.getOrPut(plan.artifact.model) { shifted(bundle.readExpected(bundle.model(plan.artifact.model))) }
        return Session(outputs)
    }

    private fun shifted(outputs: Map<String, FloatTensor>): Map<String, FloatTensor> = outputs.mapValues { (name, t) ->
        val delta = when (name) {
            "verts" -> shiftMm / bundle.vertsToMillimetres
            "uv" -> shiftPx / bundle.uvToPixels
            else -> 0.0
        }
        if (delta == 0.0) t else {
            val d = t.shape.last()
            FloatTensor(name, t.shape, FloatArray(t.data.size) { i -> if (i % d == 0) (t.data[i] + delta).toFloat() else t.data[i] })
        }
    }

    private class Session(private val outputs: Map<String, FloatTensor>) : EngineSession {
        private var scratch = FloatArray(0)
        private var sink = 0f

        override fun prepare(input: FloatTensor) {
            scratch = FloatArray(outputs.values.sumOf { it.data.size } / outputs.values.first().shape[0])
        }

        /** Copies one input's worth of expected outputs: real work the clock can see, no model. */
        override fun run() {
            var at = 0
            for (t in outputs.values) {
                val n = t.data.size / t.shape[0]
                System.arraycopy(t.data, 0, scratch, at, n)
                at += n
            }
            sink += scratch[0]
        }

        override fun infer(input: FloatTensor, inputIndex: Int): Map<String, FloatTensor> =
            outputs.mapValues { (name, t) -> t.row(inputIndex).let { r -> FloatTensor(name, listOf(1) + r.shape, r.data) } }

        override fun close() {}
    }

    companion object {
        /** `runtime.name` of replay records: says plainly that no runtime ran. */
        const val RUNTIME_NAME = "expected-outputs-replay"
    }
}

/** The JVM's clock; no memory or thermal reading (a host JVM is not a phone: those fields stay null). */
class JvmProbe : PlatformProbe {
    override fun nanoTime(): Long = System.nanoTime()
    override val timerName = "System.nanoTime"
    override fun memoryMib(): Double? = null
    override val memoryMetric = "pss"
    override fun thermalState(): String? = null
    override val thermalScale = "android-thermal-status"
}
