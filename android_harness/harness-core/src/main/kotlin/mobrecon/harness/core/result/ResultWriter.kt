package mobrecon.harness.core.result

import mobrecon.harness.core.HarnessError
import mobrecon.harness.core.bench.BenchOptions
import mobrecon.harness.core.bench.Measurement
import mobrecon.harness.core.bundle.Bundle
import mobrecon.harness.core.json.Json
import mobrecon.harness.core.json.JsonObject
import mobrecon.harness.core.json.jsonObjectOf
import mobrecon.harness.core.stats.LatencyStats
import mobrecon.harness.core.stats.TRIM_FRACTION
import mobrecon.harness.core.verify.AccuracyFigures
import mobrecon.harness.core.verify.Verification
import java.io.File
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter

/** Result schema version written (benchmarks/results/result.schema.json). */
const val SCHEMA_VERSION = 2

/**
 * What the platform tells about the device (result `device` block; Android `Build.*`).
 *
 * @property modelName Android `Build.MODEL` (`SM-S918B`), never a marketing name.
 * @property os e.g. `Android 14`.
 * @property cpuModel `Build.SOC_MODEL` where known, else `Build.HARDWARE`.
 * @property socManufacturer, socModel `Build.SOC_*` on API 31+, null below.
 * @property hardware `Build.HARDWARE` / `Build.BOARD`, the device-class fallback below API 31.
 * @property abi `Build.SUPPORTED_ABIS[0]`.
 */
data class DeviceFacts(
    val modelName: String,
    val os: String,
    val cpuModel: String,
    val logicalCores: Int,
    val manufacturer: String?,
    val socManufacturer: String?,
    val socModel: String?,
    val hardware: String?,
    val osName: String?,
    val osVersion: String?,
    val apiLevel: Int?,
    val abi: String?,
)

/** The program that measured: result `harness` block. */
data class HarnessInfo(val name: String, val version: String, val platform: String)

/** Thermal state of the whole run: result `thermal` block. */
data class ThermalInfo(val scale: String, val start: String?, val end: String?)

/**
 * Builds and writes the result file, schema version 2, every field named as the schema names it.
 *
 * The phone writes raw material (every latency sample, raw outputs per round) and its own figures
 * for its screen (statistics by the host's definitions, accuracy with `source: "measured on
 * device"`); `mobrecon bench ingest` recomputes all of them.
 */
object ResultWriter {
    const val ACCURACY_SOURCE = "measured on device"

    /**
     * The result document.
     *
     * @param accuracy per measurement (same order), the phone's own figures; null = not judged.
     * @param computedSha256 artifact id -> the sha256 this device computed before loading it.
     * @param toolVersions at least `onnxruntime` (when used), the OS and the harness.
     * @param createdUtc when the run finished.
     */
    fun document(
        bundle: Bundle,
        measurements: List<Measurement>,
        accuracy: List<AccuracyFigures?>,
        computedSha256: Map<String, String>,
        device: DeviceFacts,
        harness: HarnessInfo,
        toolVersions: Map<String, String>,
        options: BenchOptions,
        timer: String,
        memoryMetric: String,
        thermal: ThermalInfo,
        createdUtc: Instant,
    ): JsonObject {
        val inputsSha = bundle.inputs.sha256
        return jsonObjectOf(
            "schema_version" to SCHEMA_VERSION,
            "created_utc" to isoUtc(createdUtc),
            "host" to device.modelName,
            "device" to deviceBlock(device),
            "tool_versions" to JsonObject().also { o -> toolVersions.forEach { (k, v) -> o[k] = v } },
            "method" to jsonObjectOf(
                "rounds" to options.rounds,
                "warmup_iters" to options.warmupIters,
                "min_iters" to options.minIters,
                "time_budget_s" to options.timeBudgetS,
                "interleaved" to true,
                "alternate_order" to options.alternateOrder,
                "timer" to timer,
                "trim_fraction" to TRIM_FRACTION,
            ),
            "compute_floor" to emptyList<Any>(),
            "records" to measurements.mapIndexed { i, m -> record(bundle, m, accuracy[i], computedSha256, memoryMetric, inputsSha) },
            "host_load" to null,
            "harness" to jsonObjectOf("name" to harness.name, "version" to harness.version, "platform" to harness.platform),
            "bundle" to jsonObjectOf("format" to bundle.format, "bundle_json_sha256" to bundle.bundleJsonSha256, "inputs_sha256" to inputsSha),
            "thermal" to jsonObjectOf("scale" to thermal.scale, "start" to thermal.start, "end" to thermal.end),
        )
    }

    private fun deviceBlock(d: DeviceFacts) = jsonObjectOf(
        "device_class" to "unclassified",
        "model_name" to d.modelName,
        "os" to d.os,
        "cpu_model" to d.cpuModel,
        "logical_cores" to d.logicalCores,
        "usable_cores" to null,
        "manufacturer" to d.manufacturer,
        "soc_manufacturer" to d.socManufacturer,
        "soc_model" to d.socModel,
        "hardware" to d.hardware,
        "os_name" to d.osName,
        "os_version" to d.osVersion,
        "api_level" to d.apiLevel,
        "abi" to d.abi,
    )

    private fun record(
        bundle: Bundle,
        m: Measurement,
        acc: AccuracyFigures?,
        computedSha256: Map<String, String>,
        memoryMetric: String,
        inputsSha: String,
    ): JsonObject {
        val a = m.plan.artifact
        val rt = m.runtime
        val ok = m.status == "ok"
        val summary = if (ok) LatencyStats.summarize(m.latencyMsSamples) else null
        val multAdds = bundle.model(a.model).multAdds
        val rec = jsonObjectOf(
            "artifact" to jsonObjectOf(
                "name" to a.recordName, "file" to a.id, "sha256" to (computedSha256[a.id] ?: throw HarnessError("artifact ${a.id} was not hashed on this device")), "variant" to a.variant,
                "precision" to a.precision, "format" to a.format, "form" to "deploy",
            ),
            "runtime" to jsonObjectOf(
                "name" to rt.name, "version" to rt.version, "compute_unit" to rt.computeUnit,
                "execution_provider" to rt.executionProvider,
                "options" to JsonObject().also { o -> rt.options.forEach { (k, v) -> o[k] = v } },
                "nodes_by_provider" to m.placement?.let { p -> JsonObject().also { o -> p.nodesByProvider.forEach { (k, v) -> o[k] = v } } },
                "nodes_by_provider_source" to m.placement?.source,
            ),
            "threads" to m.plan.threads,
            "status" to m.status,
            "reason" to m.reason,
            "latency_ms_samples" to m.latencyMsSamples.map { it.toList() },
            "session_load_ms" to m.sessionLoadMs.toList(),
            "iterations_per_round" to m.iterationsPerRound.takeIf { it > 0 },
            "median_ms" to summary?.medianMs,
            "p10_ms" to summary?.p10Ms,
            "p90_ms" to summary?.p90Ms,
            "trimmed_mean_ms" to summary?.trimmedMeanMs,
            "mad_ms" to summary?.madMs,
            "round_median_ms" to (summary?.roundMedianMs ?: emptyList()),
            "round_spread_pct" to summary?.roundSpreadPct,
            "fps" to summary?.fps,
            "peak_rss_mib" to null,
            "rss_growth_mib" to null,
            "accuracy" to accuracyBlock(acc),
            "cost" to jsonObjectOf(
                "mult_adds" to multAdds,
                "achieved_mult_adds_per_s" to if (multAdds != null && summary != null && rt.runsTheModel) multAdds / (summary.medianMs / 1000.0) else null,
                "compute_floor_fraction" to null,
            ),
            "compile_ms" to null,
            "memory" to if (ok && m.memoryBeforeMib.isNotEmpty()) {
                jsonObjectOf("metric" to memoryMetric, "before_mib" to m.memoryBeforeMib.toList(), "after_mib" to m.memoryAfterMib.toList())
            } else null,
            "thermal_state_start" to m.thermalStart,
            "thermal_state_end" to m.thermalEnd,
            "raw_outputs" to if (ok && m.rawOutputs.isNotEmpty()) jsonObjectOf(
                "inputs_sha256" to inputsSha,
                "rounds" to m.rawOutputs.map { round ->
                    round.values.map { t ->
                        jsonObjectOf("name" to t.name, "shape" to t.shape, "dtype" to "float32", "byte_order" to "little", "data_base64" to t.base64())
                    }
                },
            ) else null,
        )
        return rec
    }

    private fun accuracyBlock(acc: AccuracyFigures?): JsonObject = if (acc == null) {
        jsonObjectOf("verdict" to "not-run", "reason" to "the record did not run", "source" to ACCURACY_SOURCE)
    } else {
        jsonObjectOf(
            "vertex_error_mm_max" to acc.vertexErrorMmMax,
            "joint3d_error_mm_max" to null,
            "joint2d_error_px_max" to acc.joint2dErrorPxMax,
            "verdict" to acc.verdict,
            "reason" to acc.reason,
            "source" to ACCURACY_SOURCE,
        )
    }

    /** `2026-12-01T21:30:00Z`. */
    fun isoUtc(t: Instant): String = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC).format(t)

    /** The contract's file name: `result-<platform>-<model_name>-<yyyymmddThhmmssZ>.json`, model name made file-safe. */
    fun fileName(platform: String, modelName: String, t: Instant): String {
        val safe = modelName.replace(Regex("[^A-Za-z0-9._-]+"), "_").trim('_').ifEmpty { "device" }
        val stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(t)
        return "result-$platform-$safe-$stamp.json"
    }

    /**
     * Write [doc] into [folder] as [name]: a temporary file in the same folder, then a rename, so
     * a reader never sees half a file.
     *
     * @return the written file.
     * @throws HarnessError if the folder cannot be made or written.
     */
    fun write(doc: JsonObject, folder: File, name: String): File {
        if (!folder.isDirectory && !folder.mkdirs()) throw HarnessError("cannot create the results folder ${folder.path}")
        val target = File(folder, name)
        val tmp = File(folder, ".$name.tmp")
        try {
            tmp.writeText(Json.write(doc), Charsets.UTF_8)
            if (!tmp.renameTo(target)) throw HarnessError("cannot move ${tmp.path} to ${target.path}")
        } catch (e: java.io.IOException) {
            tmp.delete()
            throw HarnessError("cannot write the result file ${target.path}: ${e.message}")
        }
        return target
    }

    /** Phone's own accuracy for each measurement (null for records that did not run). */
    fun judgeAll(bundle: Bundle, measurements: List<Measurement>): List<AccuracyFigures?> {
        val expectedByModel = HashMap<String, Map<String, mobrecon.harness.core.bundle.FloatTensor>>()
        return measurements.map { m ->
            if (m.status != "ok") return@map null
            val expected = expectedByModel.getOrPut(m.plan.artifact.model) { bundle.readExpected(bundle.model(m.plan.artifact.model)) }
            Verification.judge(m.rawOutputs, expected, m.plan.artifact.limits, bundle.vertsToMillimetres, bundle.uvToPixels)
        }
    }
}
