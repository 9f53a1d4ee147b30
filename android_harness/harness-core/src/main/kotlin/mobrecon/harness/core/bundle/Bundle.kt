package mobrecon.harness.core.bundle

import mobrecon.harness.core.HarnessError
import mobrecon.harness.core.json.Json
import mobrecon.harness.core.json.JsonError
import mobrecon.harness.core.json.JsonObject
import mobrecon.harness.core.json.asObject
import java.io.File

/** The bundle format this harness reads (bundle.schema.json `format`). */
const val BUNDLE_FORMAT = "mobrecon-device-bundle/1"

/** A raw float32 file named by bundle.json (`inputs.tensor`, a model's `expected_outputs`). */
data class RawFile(val name: String, val file: String, val shape: List<Int>, val sizeBytes: Long, val sha256: String)

/** One way to run an artifact (`runs[]`): platform, runtime, compute unit (result vocabulary), ORT EP name. */
data class RunSpec(val platform: String, val runtime: String, val computeUnit: String, val executionProvider: String?)

/** A tensor an artifact takes or gives: name, shape (batch 1), unit if the bundle gives one. */
data class TensorSpec(val name: String, val shape: List<Int>, val unit: String?)

/** One PyTorch model of the bundle: its variant, multiply-adds and the float32 outputs expected on the inputs. */
data class BundleModel(
    val id: String,
    val variant: String,
    val trained: Boolean,
    val multAdds: Long?,
    val expectedOutputs: List<RawFile>,
)

/**
 * One artifact of the bundle.
 *
 * @property id file name in the export (`mobrecon-densestack.nnapi.fp32.ort`); a record's `artifact.file`.
 * @property recordName `artifact.name` of a result record (file name without the precision part).
 * @property file path relative to the bundle folder.
 * @property kind `file` or `directory` (`.mlpackage`).
 * @property files directory artifacts only: relative paths in the order the directory hash uses.
 * @property limits metric name (`verts_max_mm`, `uv_max_px`) -> largest allowed error, mm / px.
 * @property exportVerdict the host's accuracy verdict at export time (`pass`, `fail`, `not-run`).
 */
data class BundleArtifact(
    val id: String,
    val recordName: String,
    val file: String,
    val kind: String,
    val sha256: String,
    val sizeBytes: Long,
    val files: List<String>,
    val model: String,
    val variant: String,
    val format: String,
    val precision: String,
    val target: String,
    val runs: List<RunSpec>,
    val inputs: List<TensorSpec>,
    val outputs: List<TensorSpec>,
    val limits: Map<String, Double>,
    val exportVerdict: String,
)

/**
 * bundle.json, parsed (benchmarks/devices/bundle.schema.json) and bound to its folder.
 *
 * @property folder the folder holding bundle.json; every path in the index is relative to it.
 * @property bundleJsonSha256 sha256 of the bundle.json bytes as read.
 * @property toolVersions what built the artifacts (`onnxruntime` is the export's ORT version).
 * @property vertsToMillimetres `units.verts.to_millimetres` (200: outputs are in units of 0.2 m).
 * @property uvToPixels `units.uv.to_pixels` (128: uv is in units of the 128-px crop).
 * @property inputLabels one label per verification input, in order.
 * @property inputs the verification-input file, `[N, 3, S, S]`.
 */
class Bundle(
    val folder: File,
    val format: String,
    val bundleJsonSha256: String,
    val toolVersions: Map<String, String>,
    val vertsToMillimetres: Double,
    val uvToPixels: Double,
    val inputLabels: List<String>,
    val inputs: RawFile,
    val models: List<BundleModel>,
    val artifacts: List<BundleArtifact>,
) {
    fun model(id: String): BundleModel =
        models.firstOrNull { it.id == id } ?: throw HarnessError("bundle.json: artifact names model '$id', which the bundle does not hold")

    fun path(relative: String): File = File(folder, relative)

    /** The verification inputs `[N, 3, S, S]`, after checking the file's size and sha256. */
    fun readInputs(): FloatTensor = readChecked(inputs)

    /** A model's expected outputs by name (`verts` `[N, 778, 3]`, `uv` `[N, 21, 2]`), checked. */
    fun readExpected(model: BundleModel): Map<String, FloatTensor> = model.expectedOutputs.associate { it.name to readChecked(it) }

    /**
     * The sha256 of an artifact as found on this device, checked against bundle.json.
     *
     * @throws HarnessError if the file is missing or its hash differs (the harness refuses to load it).
     */
    fun verifyArtifact(artifact: BundleArtifact): String {
        val f = path(artifact.file)
        if (!f.exists()) throw HarnessError("artifact ${artifact.id} is missing from the bundle (${f.path})")
        val computed = if (artifact.kind == "directory") Hashing.directorySha256(f, artifact.files) else Hashing.fileSha256(f)
        if (computed != artifact.sha256) {
            throw HarnessError("artifact ${artifact.id} has sha256 $computed, bundle.json says ${artifact.sha256}: refusing to load a changed file")
        }
        return computed
    }

    private fun readChecked(raw: RawFile): FloatTensor {
        val f = path(raw.file)
        if (!f.exists()) throw HarnessError("bundle file ${raw.file} is missing")
        if (f.length() != raw.sizeBytes || raw.sizeBytes != 4 * FloatTensor.elementCount(raw.shape)) {
            throw HarnessError("bundle file ${raw.file} has ${f.length()} bytes; bundle.json says ${raw.sizeBytes} for float32 ${raw.shape}")
        }
        val sha = Hashing.fileSha256(f)
        if (sha != raw.sha256) throw HarnessError("bundle file ${raw.file} has sha256 $sha, bundle.json says ${raw.sha256}")
        return FloatTensor.readRaw(raw.name, raw.shape, f)
    }

    companion object {
        /**
         * Read `folder/bundle.json`.
         *
         * @throws HarnessError naming the first problem: missing folder or file, not JSON, wrong
         *   format, a field missing or of the wrong type.
         */
        fun read(folder: File): Bundle {
            val index = File(folder, "bundle.json")
            if (!index.isFile) throw HarnessError("no bundle.json in ${folder.path} (push the folder `mobrecon device bundle` wrote)")
            val bytes = index.readBytes()
            return try {
                parse(folder, Json.parse(bytes.toString(Charsets.UTF_8)).asObject(), Hashing.sha256Hex(bytes))
            } catch (e: JsonError) {
                throw HarnessError("bundle.json: ${e.message}")
            }
        }

        private fun parse(folder: File, doc: JsonObject, sha: String): Bundle {
            val format = doc.string("format")
            if (format != BUNDLE_FORMAT) throw HarnessError("bundle.json has format '$format'; this harness reads '$BUNDLE_FORMAT'")
            val units = doc.obj("units")
            val inputs = doc.obj("inputs")
            return Bundle(
                folder = folder,
                format = format,
                bundleJsonSha256 = sha,
                toolVersions = doc.obj("tool_versions").toMap().mapValues { it.value.toString() },
                vertsToMillimetres = units.obj("verts").double("to_millimetres"),
                uvToPixels = units.obj("uv").double("to_pixels"),
                inputLabels = inputs.strings("labels"),
                inputs = rawFile(inputs.obj("tensor")),
                models = doc.objects("models").map(::model),
                artifacts = doc.objects("artifacts").map(::artifact),
            )
        }

        private fun shape(o: JsonObject, key: String = "shape"): List<Int> = o.longs(key).map { it.toInt() }

        private fun rawFile(o: JsonObject): RawFile {
            if (o.string("dtype") != "float32" || o.string("byte_order") != "little") {
                throw HarnessError("${o.path}: only little-endian float32 raw files are defined")
            }
            return RawFile(o.string("name"), o.string("file"), shape(o), o.long("size_bytes"), o.string("sha256"))
        }

        private fun model(o: JsonObject) = BundleModel(
            id = o.string("id"),
            variant = o.string("variant"),
            trained = o.bool("trained"),
            multAdds = o.longOrNull("mult_adds"),
            expectedOutputs = o.objects("expected_outputs").map(::rawFile),
        )

        private fun tensorSpec(o: JsonObject) = TensorSpec(o.string("name"), shape(o), o.stringOrNull("unit"))

        private fun artifact(o: JsonObject) = BundleArtifact(
            id = o.string("id"),
            recordName = o.string("record_name"),
            file = o.string("file"),
            kind = o.string("kind"),
            sha256 = o.string("sha256"),
            sizeBytes = o.long("size_bytes"),
            files = o.listOrNull("files")?.let { o.objects("files").map { f -> f.string("path") } } ?: emptyList(),
            model = o.string("model"),
            variant = o.string("variant"),
            format = o.string("format"),
            precision = o.string("precision"),
            target = o.string("target"),
            runs = o.objects("runs").map { RunSpec(it.string("platform"), it.string("runtime"), it.string("compute_unit"), it.stringOrNull("execution_provider")) },
            inputs = o.objects("inputs").map(::tensorSpec),
            outputs = o.objects("outputs").map(::tensorSpec),
            limits = o.obj("limits").toMap().mapValues { (k, v) -> (v as? Number)?.toDouble() ?: throw HarnessError("${o.path}.limits.$k: expected a number") },
            exportVerdict = o.obj("export_accuracy").string("verdict"),
        )
    }
}
