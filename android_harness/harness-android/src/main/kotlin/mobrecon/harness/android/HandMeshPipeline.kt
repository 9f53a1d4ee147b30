package mobrecon.harness.android

import ai.onnxruntime.OrtEnvironment
import ai.onnxruntime.OrtLoggingLevel
import ai.onnxruntime.OrtSession
import mobrecon.harness.core.pipeline.HandBox
import mobrecon.harness.core.pipeline.HandMesh
import mobrecon.harness.core.pipeline.HandPipeline
import mobrecon.harness.core.pipeline.Handedness
import mobrecon.harness.core.pipeline.Intrinsics
import mobrecon.harness.core.pipeline.JointRegressor
import mobrecon.harness.core.pipeline.PixelFrame
import java.nio.ByteBuffer

/**
 * For app code: a camera frame and a hand box in, the hand mesh in camera space (metres) out.
 *
 * Usage, with CameraX `ImageAnalysis` set to `OUTPUT_IMAGE_FORMAT_RGBA_8888` and a hand box from
 * a hand detector (MediaPipe's hand landmarker gives box and handedness), off the main thread:
 *
 *     val pipeline = HandMeshPipeline(File(filesDir, "mobrecon_densestack.ort").path,
 *                                     JointRegressor.fromLittleEndianFloat32(assets.open("j_reg.f32").readBytes(), 21, 778))
 *     val plane = image.planes[0]
 *     val hand = pipeline.run(plane.buffer, image.width, image.height, plane.rowStride, plane.pixelStride,
 *                             HandBox(x, y, w, h), Handedness.LEFT)
 *     hand.vertsCameraM        // [778, 3] metres, camera space (x right, y down, z forward)
 *     hand.vertsFramePx()      // [778, 2] px, to draw the mesh over the frame
 *     pipeline.close()
 *
 * The steps are harness-core's [HandPipeline] (the Python `mobrecon.pipeline`, tested on the JVM
 * against the shared vectors): the reference's 1.3x square crop to 128 px (mirrored for a left
 * hand), the network on ONNX Runtime's CPU execution provider, vertices to metres, joints by the
 * regressor, camera-space registration. The frame must be upright as the box and intrinsics are
 * given (rotate by `imageInfo.rotationDegrees` first, or detect in the sensor's orientation).
 *
 * @param modelPath an exported MobRecon `.ort` or `.onnx` file.
 * @param regressor `j_reg` of the mesh the model was exported with (the HandMesh template's `j_reg.npy`, [21, 778]).
 * @param threads ORT intra-op threads.
 */
class HandMeshPipeline(modelPath: String, regressor: JointRegressor, threads: Int = 1) : AutoCloseable {
    private val env: OrtEnvironment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "mobrecon-pipeline")
    private val options = OrtSession.SessionOptions().apply { setIntraOpNumThreads(threads) }
    private val session: OrtSession = try {
        env.createSession(modelPath, options)
    } catch (e: Exception) {
        options.close()
        throw e
    }
    private val pipeline = try {
        HandPipeline(OrtMeshModel(env, session), regressor)
    } catch (e: Exception) {
        close()
        throw e
    }

    /**
     * One hand of one frame.
     *
     * @param frame interleaved 8-bit RGB or RGBA pixels (an `RGBA_8888` plane's buffer), read from index 0.
     * @param width frame width, px.
     * @param height frame height, px.
     * @param rowStride bytes per row.
     * @param pixelStride bytes per pixel (4 for RGBA, 3 for RGB).
     * @param box hand box, frame px.
     * @param handedness of the hand in the box.
     * @param kFrame frame intrinsics, px; without calibration the default (focal length = longer side).
     * @throws IllegalArgumentException on a frame or box that does not fit.
     * @throws mobrecon.harness.core.pipeline.PipelineError when model and regressor do not fit together.
     */
    fun run(frame: ByteBuffer, width: Int, height: Int, rowStride: Int, pixelStride: Int, box: HandBox, handedness: Handedness,
            kFrame: Intrinsics = Intrinsics.default(width, height)): HandMesh =
        pipeline.run(PixelFrame(width, height, frame, pixelStride, rowStride), kFrame, box, handedness)

    override fun close() {
        session.close()
        options.close()
    }
}
