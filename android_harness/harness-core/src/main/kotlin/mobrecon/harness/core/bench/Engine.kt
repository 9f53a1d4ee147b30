package mobrecon.harness.core.bench

import mobrecon.harness.core.bundle.BundleArtifact
import mobrecon.harness.core.bundle.FloatTensor
import java.io.File

/**
 * One (artifact, compute unit, thread count) the harness measures: one result record.
 *
 * @property computeUnit the result schema's vocabulary: `cpu`, `xnnpack`, `nnapi`.
 * @property threads intra-op threads the engine is asked for.
 */
data class RunPlan(val artifact: BundleArtifact, val artifactFile: File, val computeUnit: String, val threads: Int) {
    /** Short label for logs and the on-screen table: `mobrecon-densestack.nnapi.fp32.ort nnapi x1`. */
    val label: String get() = "${artifact.id} $computeUnit x$threads"
}

/**
 * What ran a record, as the result's `runtime` block names it.
 *
 * @property name `onnxruntime` (or `expected-outputs-replay` for the replay engine).
 * @property executionProvider ORT's EP name (`NnapiExecutionProvider`), null for other engines.
 * @property options the runtime's options as the platform names them, e.g.
 *   `{"NNAPI_FLAG_USE_FP16": false, "NNAPI_FLAG_CPU_DISABLED": true}`; values are strings, numbers or booleans.
 * @property runsTheModel false for engines that do not execute the artifact (the replay engine):
 *   their latencies say nothing about the model, so no achieved multiply-add rate is written.
 */
data class RuntimeDescription(
    val name: String,
    val version: String,
    val computeUnit: String,
    val executionProvider: String?,
    val options: Map<String, Any>,
    val runsTheModel: Boolean = true,
)

/**
 * Which execution provider ran how many graph nodes, where the runtime exposes it.
 *
 * @property source how it was obtained, e.g. "ORT session profiling (provider field of Node events)".
 */
data class Placement(val nodesByProvider: Map<String, Int>, val source: String)

/**
 * A runtime the harness can time: it knows nothing of rounds, statistics or files.
 *
 * Implementations: the ONNX Runtime engine of `harness-android` (NNAPI, XNNPACK, CPU EPs), and
 * [mobrecon.harness.core.replay.ExpectedOutputsReplayEngine] for host-side tests.
 */
interface Engine {
    /** The `runtime` block of a record for [plan], known before any session exists. */
    fun describe(plan: RunPlan): RuntimeDescription

    /** Null when [plan] can run here, else the one-sentence reason it is skipped. */
    fun unavailable(plan: RunPlan): String?

    /** A fresh session (ORT `OrtSession`) for [plan]; its creation is what `session_load_ms` times. */
    fun open(plan: RunPlan): EngineSession

    /**
     * Node placement for [plan] from an extra, untimed session (profiling adds time per node, so
     * it never runs in a timed session); null where the runtime does not expose it.
     *
     * @param input the fixed timing input `[1, 3, S, S]`.
     */
    fun placement(plan: RunPlan, input: FloatTensor): Placement? = null
}

/** One loaded session. Closing it releases the runtime's memory. */
interface EngineSession : AutoCloseable {
    /** Fix the input of [run]: `[1, 3, S, S]` float32, named as the artifact's input (`image`). */
    fun prepare(input: FloatTensor)

    /** One batch-1 inference on the prepared input; the call is what one latency sample times. */
    fun run()

    /**
     * One batch-1 inference on [input], outputs by name exactly as the runtime returned them
     * (`verts` `[1, 778, 3]`, `uv` `[1, 21, 2]`).
     *
     * @param inputIndex position of [input] among the bundle's verification inputs.
     */
    fun infer(input: FloatTensor, inputIndex: Int): Map<String, FloatTensor>
}

/**
 * What the harness reads from the platform: the clock, memory and thermal state.
 *
 * Android: `System.nanoTime`, `Debug.getPss`, `PowerManager.getCurrentThermalStatus`.
 */
interface PlatformProbe {
    /** Monotonic nanoseconds. */
    fun nanoTime(): Long

    /** The clock's name for the result's `method.timer` (`System.nanoTime`). */
    val timerName: String

    /** Process memory now, MiB, or null if it cannot be read. */
    fun memoryMib(): Double?

    /** `memory.metric`: `pss` (Android `Debug.getPss`), `phys_footprint` or `rss`. */
    val memoryMetric: String

    /** The thermal state's name on [thermalScale], or null if unknown. */
    fun thermalState(): String?

    /** `thermal.scale`: `android-thermal-status` or `ios-thermal-state`. */
    val thermalScale: String

    /** Release garbage between rounds (the host runs `gc.collect()` after each round). */
    fun collectGarbage() {
        System.gc()
    }
}
