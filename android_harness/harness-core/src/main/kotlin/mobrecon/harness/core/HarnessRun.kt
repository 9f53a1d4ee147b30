package mobrecon.harness.core

import mobrecon.harness.core.bench.BenchOptions
import mobrecon.harness.core.bench.BenchmarkLoop
import mobrecon.harness.core.bench.Engine
import mobrecon.harness.core.bench.Measurement
import mobrecon.harness.core.bench.PlatformProbe
import mobrecon.harness.core.bench.Selection
import mobrecon.harness.core.bench.planRuns
import mobrecon.harness.core.bundle.Bundle
import mobrecon.harness.core.bundle.FloatTensor
import mobrecon.harness.core.json.JsonObject
import mobrecon.harness.core.result.DeviceFacts
import mobrecon.harness.core.result.HarnessInfo
import mobrecon.harness.core.result.ResultWriter
import mobrecon.harness.core.result.ThermalInfo
import mobrecon.harness.core.verify.AccuracyFigures
import java.io.File
import java.time.Instant

/** Name and version every result of this harness carries (`harness` block, `tool_versions`). */
const val HARNESS_NAME = "mobrecon-android-harness"
const val HARNESS_VERSION = "0.1.0"

/**
 * What one run produced.
 *
 * @property resultFile the written result, in the results folder.
 * @property measurements raw measurements, in run order.
 * @property accuracy the phone's own accuracy per measurement (null: did not run).
 */
class RunOutcome(
    val resultFile: File,
    val document: JsonObject,
    val measurements: List<Measurement>,
    val accuracy: List<AccuracyFigures?>,
) {
    /** The on-screen table (see [SummaryTable]). */
    fun table(): String = SummaryTable.render(measurements, accuracy)
}

/**
 * One harness run, platform-free: read and check the bundle, measure the selection, judge the raw
 * outputs, write the result file.
 *
 * Usage (Android: `mobrecon.harness.android.AndroidHarness` wires the ORT engine and the probe):
 *
 *     val outcome = HarnessRun(engine, probe, device, toolVersions).execute(bundleDir, selection, options, resultsDir)
 *     println(outcome.table())
 */
class HarnessRun(
    private val engine: Engine,
    private val probe: PlatformProbe,
    private val device: DeviceFacts,
    private val toolVersions: Map<String, String>,
    private val harness: HarnessInfo = HarnessInfo(HARNESS_NAME, HARNESS_VERSION, "android"),
    private val log: (String) -> Unit = {},
    private val clock: () -> Instant = Instant::now,
) {
    /**
     * Run [selection] from the bundle in [bundleDir] and write the result into [resultsDir].
     *
     * @param fileName the result's file name; default the contract's `result-android-<model>-<time>.json`.
     *
     * @throws HarnessError on a bad bundle, a changed artifact (sha256 mismatch: nothing is timed),
     *   a selection that matches nothing, or a results folder that cannot be written.
     */
    fun execute(bundleDir: File, selection: Selection, options: BenchOptions, resultsDir: File, fileName: String? = null): RunOutcome {
        val bundle = Bundle.read(bundleDir)
        val plans = planRuns(bundle, selection)
        log("checking sha256 of ${plans.map { it.artifact.id }.distinct().size} artifacts")
        val computed = plans.map { it.artifact }.distinctBy { it.id }.associate { it.id to bundle.verifyArtifact(it) }
        val inputs = bundle.readInputs()
        val perInput = (0 until inputs.shape[0]).map { i -> batchOfOne(inputs.row(i), plans.first().artifact.inputs.first().name) }
        val timing = perInput[timingInputIndex(bundle.inputLabels)]
        val thermalStart = probe.thermalState()
        val measurements = BenchmarkLoop(engine, probe, options, log).measure(plans, timing, perInput)
        val thermalEnd = probe.thermalState()
        val accuracy = ResultWriter.judgeAll(bundle, measurements)
        val finished = clock()
        val versions = LinkedHashMap(toolVersions)
        versions[HARNESS_NAME] = harness.version
        bundle.toolVersions["onnxruntime"]?.let { versions["export_onnxruntime"] = it }
        val doc = ResultWriter.document(
            bundle, measurements, accuracy, computed, device, harness, versions, options,
            probe.timerName, probe.memoryMetric, ThermalInfo(probe.thermalScale, thermalStart, thermalEnd), finished,
        )
        val file = ResultWriter.write(doc, resultsDir, fileName ?: ResultWriter.fileName(harness.platform, device.modelName, finished))
        log("wrote ${file.path}")
        return RunOutcome(file, doc, measurements, accuracy)
    }

    companion object {
        /** The timed inferences use the first random verification input (a fixed, seeded image), else the first input. */
        fun timingInputIndex(labels: List<String>): Int = labels.indexOfFirst { it.startsWith("random:") }.coerceAtLeast(0)

        private fun batchOfOne(t: FloatTensor, name: String) = FloatTensor(name, listOf(1) + t.shape, t.data)
    }
}
