package mobrecon.harness.core

import mobrecon.harness.core.bundle.FloatTensor
import mobrecon.harness.core.bundle.Hashing
import mobrecon.harness.core.json.Json
import mobrecon.harness.core.json.JsonObject
import mobrecon.harness.core.json.jsonObjectOf
import java.io.File
import java.nio.file.Files
import kotlin.random.Random

/**
 * Writes small bundles (bundle.schema.json layout, tiny shapes) for the unit tests: N inputs of
 * [3, 4, 4], expected verts [N, 5, 3] and uv [N, 2, 2], one model, artifacts given by the caller.
 */
object TestBundles {
    const val N = 3

    fun tempDir(prefix: String): File = Files.createTempDirectory(prefix).toFile().also { it.deleteOnExit() }

    private fun raw(dir: File, name: String, rel: String, t: FloatTensor): JsonObject {
        val f = File(dir, rel).also { it.parentFile.mkdirs() }
        f.writeBytes(t.littleEndianBytes())
        return jsonObjectOf(
            "name" to name, "file" to rel, "shape" to t.shape, "dtype" to "float32", "byte_order" to "little",
            "size_bytes" to f.length(), "sha256" to Hashing.fileSha256(f),
        )
    }

    fun random(name: String, shape: List<Int>, seed: Int): FloatTensor {
        val r = Random(seed)
        return FloatTensor(name, shape, FloatArray(FloatTensor.elementCount(shape).toInt()) { r.nextFloat() * 2 - 1 })
    }

    /**
     * A bundle in a new folder. Each artifact is (file name, precision, compute units for android);
     * artifact bytes are arbitrary (the replay engine never reads them).
     */
    fun write(
        artifacts: List<Triple<String, String, List<String>>> = listOf(Triple("m.nnapi.fp32.ort", "fp32", listOf("nnapi", "xnnpack", "cpu"))),
        labels: List<String> = listOf("grey", "random:0:0", "random:0:1"),
        limits: Map<String, Double> = mapOf("verts_max_mm" to 0.4, "uv_max_px" to 0.05),
    ): File {
        val dir = tempDir("bundle")
        val inputs = raw(dir, "image", "inputs/verification.f32", random("image", listOf(N, 3, 4, 4), 1))
        val verts = raw(dir, "verts", "expected/m.verts.f32", random("verts", listOf(N, 5, 3), 2))
        val uv = raw(dir, "uv", "expected/m.uv.f32", random("uv", listOf(N, 2, 2), 3))
        val arts = artifacts.map { (file, precision, units) ->
            val f = File(dir, "artifacts/$file").also { it.parentFile.mkdirs(); it.writeText("not a model: $file") }
            jsonObjectOf(
                "id" to file, "record_name" to file.replace(".$precision", ""), "file" to "artifacts/$file", "kind" to "file",
                "sha256" to Hashing.fileSha256(f), "size_bytes" to f.length(), "model" to "m", "variant" to "densestack",
                "format" to "ort", "precision" to precision, "target" to "ort-nnapi",
                "runs" to units.map { u -> jsonObjectOf("platform" to "android", "runtime" to "onnxruntime", "compute_unit" to u, "execution_provider" to null) } +
                    listOf(jsonObjectOf("platform" to "ios", "runtime" to "onnxruntime", "compute_unit" to "coreml-ep", "execution_provider" to "CoreMLExecutionProvider")),
                "inputs" to listOf(jsonObjectOf("name" to "image", "shape" to listOf(1, 3, 4, 4), "dtype" to "float32")),
                "outputs" to listOf(jsonObjectOf("name" to "verts", "shape" to listOf(1, 5, 3), "dtype" to "float32"), jsonObjectOf("name" to "uv", "shape" to listOf(1, 2, 2), "dtype" to "float32")),
                "limits" to JsonObject().also { o -> limits.forEach { (k, v) -> o[k] = v } },
                "export_check" to jsonObjectOf("gate" to "ort-partition", "verdict" to "pass", "summary" to "1 partition"),
                "export_accuracy" to jsonObjectOf("verdict" to "pass", "reason" to null, "verts_max_mm" to 0.01, "uv_max_px" to 0.001, "runtime" to "onnxruntime"),
            )
        }
        val doc = jsonObjectOf(
            "format" to "mobrecon-device-bundle/1", "created_utc" to "2026-12-01T00:00:00Z",
            "tool_versions" to jsonObjectOf("onnxruntime" to "1.32.0"),
            "hashing" to jsonObjectOf("file" to "sha256 of the bytes", "directory" to "see the contract"),
            "preprocessing" to jsonObjectOf("size" to 4, "channel_order" to "RGB", "layout" to "NCHW", "mean" to listOf(0.5, 0.5, 0.5), "std" to listOf(0.5, 0.5, 0.5), "formula" to "(pixel / 255 - mean) / std", "range" to listOf(-1.0, 1.0)),
            "units" to jsonObjectOf(
                "verts" to jsonObjectOf("to_metres" to 0.2, "to_millimetres" to 200.0, "description" to "units of 0.2 m"),
                "uv" to jsonObjectOf("to_pixels" to 128.0, "description" to "units of the crop"),
            ),
            "limits" to jsonObjectOf("fp32" to jsonObjectOf("verts_max_mm" to 0.4, "uv_max_px" to 0.05)),
            "inputs" to jsonObjectOf("labels" to labels, "tensor" to inputs),
            "models" to listOf(jsonObjectOf(
                "id" to "m", "variant" to "densestack", "card_tag" to "densestack.untrained", "trained" to false, "recipe" to "test",
                "checkpoint_sha256" to null, "checkpoint_layout" to "none", "topology_source" to "synthetic", "topology_sha256" to "0".repeat(64),
                "topology_synthetic" to true, "mult_adds" to 1000L, "float32_floor" to jsonObjectOf(), "expected_outputs" to listOf(verts, uv),
            )),
            "artifacts" to arts,
        )
        File(dir, "bundle.json").writeText(Json.write(doc))
        return dir
    }
}
