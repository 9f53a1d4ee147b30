package mobrecon.harness.core

import mobrecon.harness.core.bench.BenchOptions
import mobrecon.harness.core.bench.BenchmarkLoop
import mobrecon.harness.core.bench.Engine
import mobrecon.harness.core.bench.EngineSession
import mobrecon.harness.core.bench.PlatformProbe
import mobrecon.harness.core.bench.RunPlan
import mobrecon.harness.core.bench.RuntimeDescription
import mobrecon.harness.core.bench.Selection
import mobrecon.harness.core.bench.planRuns
import mobrecon.harness.core.bundle.Bundle
import mobrecon.harness.core.bundle.FloatTensor
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** A clock the fake engine advances: inference and load times are exact, so the loop's arithmetic is checked exactly. */
private class FakeProbe : PlatformProbe {
    var now = 0L
    var memory = 100.0
    var thermalReads = 0
    override fun nanoTime() = now
    override val timerName = "fake"
    override fun memoryMib() = memory
    override val memoryMetric = "pss"
    override fun thermalState(): String { thermalReads++; return "none" }
    override val thermalScale = "android-thermal-status"
    override fun collectGarbage() {}
}

private class FakeEngine(val probe: FakeProbe, val runNs: Long = 2_000_000, val loadNs: Long = 5_000_000) : Engine {
    val events = mutableListOf<String>()
    var opens = 0
    var failOnOpen: Int? = null
    var unavailableUnit: String? = null

    override fun describe(plan: RunPlan) = RuntimeDescription("fake", "1", plan.computeUnit, "FakeExecutionProvider", mapOf("intra_op_num_threads" to plan.threads))
    override fun unavailable(plan: RunPlan) = if (plan.computeUnit == unavailableUnit) "not on this phone" else null
    override fun open(plan: RunPlan): EngineSession {
        opens++
        probe.now += loadNs
        probe.memory += 10.0
        if (opens == failOnOpen) throw IllegalStateException("model compile failed\n  at native code")
        events.add(plan.label)
        return object : EngineSession {
            override fun prepare(input: FloatTensor) {}
            override fun run() { probe.now += runNs }
            override fun infer(input: FloatTensor, inputIndex: Int) = mapOf(
                "verts" to FloatTensor("verts", listOf(1, 2, 3), FloatArray(6) { inputIndex.toFloat() }),
            )
            override fun close() { probe.memory -= 10.0 }
        }
    }
}

class BenchmarkLoopTest {
    private val bundle = Bundle.read(TestBundles.write(listOf(
        Triple("a.fp32.onnx", "fp32", listOf("xnnpack", "cpu")),
        Triple("b.fp32.onnx", "fp32", listOf("cpu")),
    )))
    private val image = FloatTensor("image", listOf(1, 3, 4, 4), FloatArray(48))
    private val inputs = List(TestBundles.N) { image }

    private fun loop(engine: FakeEngine, probe: FakeProbe, opts: BenchOptions) = BenchmarkLoop(engine, probe, opts)

    @Test
    fun iterationsComeFromWarmupMedianAndBudget() {
        val probe = FakeProbe()
        val engine = FakeEngine(probe)
        val plans = planRuns(bundle, Selection(listOf("cpu"), listOf(1), listOf("a.fp32.onnx")))
        val m = loop(engine, probe, BenchOptions(rounds = 3, warmupIters = 3, minIters = 5, timeBudgetS = 0.1, placement = false))
            .measure(plans, image, inputs).single()
        assertEquals("ok", m.status)
        assertEquals(50, m.iterationsPerRound, "floor(100 ms / 2 ms)")
        assertEquals(List(3) { List(50) { 2.0 } }, m.latencyMsSamples)
        assertEquals(listOf(5.0, 5.0, 5.0), m.sessionLoadMs)
        assertEquals(3, engine.opens, "a fresh session per round")
        assertEquals(listOf(100.0, 100.0, 100.0), m.memoryBeforeMib)
        assertEquals(listOf(110.0, 110.0, 110.0), m.memoryAfterMib)
        assertEquals(3, m.rawOutputs.size)
        val verts = m.rawOutputs[0].getValue("verts")
        assertEquals(listOf(3, 2, 3), verts.shape, "N outputs stacked")
        assertEquals(listOf(0f, 1f, 2f), listOf(verts.data[0], verts.data[6], verts.data[12]))
        assertEquals("none", m.thermalStart)
        assertEquals("none", m.thermalEnd)
    }

    @Test
    fun iterationsAreClampedAndWarmupFreeRoundsUseTheMinimum() {
        val probe = FakeProbe()
        val opts = BenchOptions(rounds = 1, warmupIters = 2, minIters = 7, maxIters = 9, timeBudgetS = 10.0, placement = false)
        val l = loop(FakeEngine(probe), probe, opts)
        assertEquals(9, l.iterations(listOf(2.0, 2.0)), "capped at max_iters")
        assertEquals(7, l.iterations(emptyList()), "no warm-up: min_iters")
        assertEquals(7, loop(FakeEngine(probe), probe, opts.copy(timeBudgetS = 0.0)).iterations(listOf(2.0)), "never below min_iters")
    }

    @Test
    fun roundsAreInterleavedAndAlternate() {
        val probe = FakeProbe()
        val engine = FakeEngine(probe)
        val plans = planRuns(bundle, Selection(listOf("cpu"), listOf(1)))
        loop(engine, probe, BenchOptions(rounds = 3, warmupIters = 1, minIters = 1, timeBudgetS = 0.0, placement = false)).measure(plans, image, inputs)
        val a = "a.fp32.onnx cpu x1"
        val b = "b.fp32.onnx cpu x1"
        assertEquals(listOf(a, b, b, a, a, b), engine.events)
        engine.events.clear()
        loop(engine, probe, BenchOptions(rounds = 2, warmupIters = 1, minIters = 1, timeBudgetS = 0.0, alternateOrder = false, placement = false)).measure(plans, image, inputs)
        assertEquals(listOf(a, b, a, b), engine.events)
    }

    @Test
    fun aFailingSessionSkipsItsRecordAndKeepsNoPartialSamples() {
        val probe = FakeProbe()
        val engine = FakeEngine(probe).apply { failOnOpen = 3; unavailableUnit = "xnnpack" }
        val plans = planRuns(bundle, Selection(listOf("xnnpack", "cpu"), listOf(1)))
        val ms = loop(engine, probe, BenchOptions(rounds = 2, warmupIters = 1, minIters = 2, timeBudgetS = 0.0, placement = false)).measure(plans, image, inputs)
        val byLabel = ms.associateBy { it.plan.label }
        assertEquals("skipped", byLabel.getValue("a.fp32.onnx xnnpack x1").status)
        assertEquals("not on this phone", byLabel.getValue("a.fp32.onnx xnnpack x1").reason)
        // opens: round 1 a-cpu (1), b-cpu (2); round 2 reversed: b-cpu (3) fails
        val failed = byLabel.getValue("b.fp32.onnx cpu x1")
        assertEquals("skipped", failed.status)
        assertEquals("FakeExecutionProvider failed in round 2: model compile failed", failed.reason)
        assertTrue(failed.latencyMsSamples.isEmpty() && failed.rawOutputs.isEmpty() && failed.sessionLoadMs.isEmpty())
        assertNull(failed.thermalEnd)
        assertEquals(2, byLabel.getValue("a.fp32.onnx cpu x1").latencyMsSamples.size, "the other record goes on")
    }

    @Test
    fun placementComesFromTheEngineAfterTheRounds() {
        val probe = FakeProbe()
        val engine = object : Engine by FakeEngine(probe) {
            override fun placement(plan: RunPlan, input: FloatTensor) = mobrecon.harness.core.bench.Placement(mapOf("CPUExecutionProvider" to 3), "test")
        }
        val plans = planRuns(bundle, Selection(listOf("cpu"), listOf(1), listOf("b.fp32.onnx")))
        val m = BenchmarkLoop(engine, probe, BenchOptions(rounds = 1, warmupIters = 0, minIters = 1, timeBudgetS = 0.0)).measure(plans, image, inputs).single()
        assertEquals(mapOf("CPUExecutionProvider" to 3), m.placement?.nodesByProvider)
    }
}
