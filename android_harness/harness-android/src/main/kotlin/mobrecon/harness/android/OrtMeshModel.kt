package mobrecon.harness.android

import ai.onnxruntime.OnnxTensor
import ai.onnxruntime.OrtEnvironment
import ai.onnxruntime.OrtSession
import mobrecon.harness.core.pipeline.Crop
import mobrecon.harness.core.pipeline.MeshModel
import mobrecon.harness.core.pipeline.MeshOutput
import mobrecon.harness.core.pipeline.PipelineError
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.FloatBuffer

/**
 * The MobRecon network on ONNX Runtime: one `[1, 3, 128, 128]` crop in, `verts` `[1, N, 3]` and
 * `uv` `[1, 21, 2]` out (the names and shapes `mobrecon export` gives its `.onnx` / `.ort` files).
 *
 * The input goes through one reused direct buffer in native order, as ORT's Java API wants for
 * copy-free tensors. Not thread-safe: one instance per inference thread.
 *
 * @param env the ORT environment the session belongs to.
 * @param session a session of a MobRecon artifact (not closed here).
 * @throws PipelineError when the session has no `verts` or `uv` output.
 */
class OrtMeshModel(private val env: OrtEnvironment, private val session: OrtSession) : MeshModel {
    private val inputName: String = session.inputNames.first()
    private val shape = longArrayOf(1, 3, Crop.SIZE.toLong(), Crop.SIZE.toLong())
    private val buffer: FloatBuffer = ByteBuffer.allocateDirect(3 * Crop.SIZE * Crop.SIZE * 4).order(ByteOrder.nativeOrder()).asFloatBuffer()

    init {
        val outputs = session.outputNames
        if (VERTS !in outputs || UV !in outputs) throw PipelineError("the model outputs $outputs, not '$VERTS' and '$UV': not a MobRecon artifact")
    }

    override fun run(input: FloatArray): MeshOutput {
        require(input.size == buffer.capacity()) { "the input must be [1, 3, 128, 128], got ${input.size} values" }
        buffer.clear()
        buffer.put(input).rewind()
        OnnxTensor.createTensor(env, buffer, shape).use { x ->
            session.run(mapOf(inputName to x)).use { result ->
                return MeshOutput(read(result, VERTS, 3), read(result, UV, 2))
            }
        }
    }

    /** Output [name], checked to be `[1, K, last]`, as a flat float array. */
    private fun read(result: OrtSession.Result, name: String, last: Long): FloatArray {
        val tensor = result.get(name).orElse(null) as? OnnxTensor ?: throw PipelineError("the model's output '$name' is not a tensor")
        val dims = tensor.info.shape
        if (dims.size != 3 || dims[0] != 1L || dims[2] != last) {
            throw PipelineError("the model's output '$name' has shape ${dims.toList()}, not [1, K, $last]: not a MobRecon artifact")
        }
        val data = tensor.floatBuffer
        return FloatArray(data.remaining()).also { data.get(it) }
    }

    private companion object {
        const val VERTS = "verts"
        const val UV = "uv"
    }
}
