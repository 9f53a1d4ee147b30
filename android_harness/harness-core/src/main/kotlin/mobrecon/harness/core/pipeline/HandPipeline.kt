package mobrecon.harness.core.pipeline

/**
 * The model and the mesh data do not fit together (an artifact that is not MobRecon's, a joint
 * regressor of another mesh): one sentence an app can show or log. Bad arguments (a box outside
 * the frame, arrays of the wrong size) are [IllegalArgumentException]s.
 */
class PipelineError(message: String) : RuntimeException(message)

/** Left or right hand; left hands are mirrored for the network, which knows right hands only. */
enum class Handedness { RIGHT, LEFT }

/**
 * The network on one crop, whatever runs it (ONNX Runtime on the phone, a fake in tests).
 */
fun interface MeshModel {
    /**
     * @param input `[1, 3, 128, 128]` NCHW float in [-1, 1] ([Warp.modelInput]).
     * @return the outputs `verts` and `uv`.
     */
    fun run(input: FloatArray): MeshOutput
}

/**
 * The network's outputs for one crop, in its own units.
 *
 * @property verts `[N, 3]` root-relative vertices, units of 0.2 m, of the crop as warped (mirrored if it was).
 * @property uv `[21, 2]` 2D joints, FreiHAND/MPII order, crop units (x 128 = crop px), of the crop as warped.
 */
class MeshOutput(val verts: FloatArray, val uv: FloatArray) {
    init {
        require(verts.size % 3 == 0 && verts.isNotEmpty()) { "verts must be [N, 3], got ${verts.size} values" }
        require(uv.size == 2 * Outputs.MPII_JOINTS.size) { "uv must be [21, 2], got ${uv.size} values" }
    }
}

/**
 * One hand through the pipeline (the Python `HandResult`). Flat row-major arrays, shapes as noted.
 *
 * @property box hand box, frame px.
 * @property handedness the hand in the box (a left hand was mirrored for the network).
 * @property crop the crop transform (mirrored for a left hand).
 * @property kFrame frame intrinsics used, frame px.
 * @property kCrop intrinsics of the un-mirrored crop, crop px.
 * @property uvCropPx `[21, 2]` predicted 2D joints, un-mirrored crop px, MPII order.
 * @property uvFramePx `[21, 2]` the same in frame px.
 * @property vertsRootM `[N, 3]` root-relative vertices, metres, un-mirrored.
 * @property jointsRootM `[21, 3]` regressed joints, metres, MPII order.
 * @property registration the camera-space fit.
 * @property vertsCameraM `[N, 3]` camera space (x right, y down, z forward), metres.
 * @property jointsCameraM `[21, 3]` camera space, metres, MPII order.
 */
class HandMesh(
    val box: HandBox,
    val handedness: Handedness,
    val crop: CropTransform,
    val kFrame: Intrinsics,
    val kCrop: Intrinsics,
    val uvCropPx: DoubleArray,
    val uvFramePx: DoubleArray,
    val vertsRootM: DoubleArray,
    val jointsRootM: DoubleArray,
    val registration: RegistrationResult,
    val vertsCameraM: DoubleArray,
    val jointsCameraM: DoubleArray,
) {
    /** `[N, 2]` camera-space vertices projected into the frame, px (for drawing the mesh over it). */
    fun vertsFramePx(): DoubleArray = kFrame.project(vertsCameraM)

    /** `[21, 2]` camera-space joints projected into the frame, px. */
    fun jointsFramePx(): DoubleArray = kFrame.project(jointsCameraM)
}

/**
 * Frame to camera-space mesh (the Python `HandPipeline.run`, for a given hand box): crop, network,
 * un-mirror, metres, joints, registration.
 *
 * Usage:
 *
 *     val pipeline = HandPipeline(model, regressor)
 *     val hand = pipeline.run(frame, Intrinsics.default(frame.width, frame.height), box, Handedness.LEFT)
 *     hand.vertsCameraM      // [N, 3] metres, camera space
 *
 * @param model the network.
 * @param regressor `j_reg` of the mesh the network predicts (its vertex count must match).
 * @param zBounds registration bounds on `t_z`, metres.
 */
class HandPipeline(private val model: MeshModel, private val regressor: JointRegressor,
                   private val zBounds: Pair<Double, Double> = Registration.Z_BOUNDS_M) {
    init {
        if (regressor.numJoints != Outputs.MANO_JOINTS.size) throw PipelineError("the joint regressor has ${regressor.numJoints} joints, the pipeline needs 21 (MANO)")
    }

    /**
     * Run every step on one frame.
     *
     * @param frame upright RGB(A) frame (rotate a sensor-oriented camera frame first, or pass a box and K in its orientation).
     * @param kFrame intrinsics in frame px ([Intrinsics.default] when unknown).
     * @param box hand box, frame px (from a hand detector, e.g. MediaPipe's).
     * @throws IllegalArgumentException when the box lies outside the frame.
     * @throws PipelineError when the model's vertex count is not the regressor's.
     */
    fun run(frame: PixelFrame, kFrame: Intrinsics, box: HandBox, handedness: Handedness): HandMesh {
        require(box.overlaps(frame.width, frame.height)) { "the hand box $box lies outside the ${frame.width}x${frame.height} frame" }
        val crop = Crop.of(box, mirrored = handedness == Handedness.LEFT)
        val out = model.run(Warp.modelInput(Warp.crop(frame, crop), crop.size))
        if (out.verts.size != 3 * regressor.numVerts) {
            throw PipelineError("the model outputs ${out.verts.size / 3} vertices but the joint regressor has ${regressor.numVerts}: they belong to different meshes")
        }
        val uvCropPx = crop.networkUvToCropPx(out.uv)
        val verts = Outputs.vertsMetres(out.verts).let { if (crop.mirrored) Outputs.unmirrorPoints(it) else it }
        val joints = regressor.jointsMpii(verts)
        val kCrop = crop.intrinsics(kFrame)
        val reg = Registration.register(joints, uvCropPx, kCrop, zBounds)
        return HandMesh(box, handedness, crop, kFrame, kCrop, uvCropPx, crop.unmirrored.cropToFrame(uvCropPx), verts, joints, reg,
                        Outputs.cameraSpace(verts, reg.t), Outputs.cameraSpace(joints, reg.t))
    }
}
