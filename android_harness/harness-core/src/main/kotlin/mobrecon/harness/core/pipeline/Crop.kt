package mobrecon.harness.core.pipeline

/**
 * The reference's input crop (port of `mobrecon/pipeline/crop.py`): the square box of side
 * `max(w, h)` around the hand box centre, enlarged 1.3x, mapped to the 128-px crop with the box
 * centre at crop pixel `(64, 64)`.
 *
 * Usage:
 *
 *     val crop = Crop.of(HandBox(x, y, w, h), mirrored = isLeftHand)      // CropTransform
 *     val pixels = Warp.affine(frame, crop.matrix, Crop.SIZE, Crop.SIZE)   // [128, 128, 3] float, 0..255
 *     val input = Warp.modelInput(pixels)                                   // [1, 3, 128, 128] in [-1, 1]
 *     val uvFrame = crop.networkUvToFrame(uvNetwork)                        // network uv -> frame px
 *     val kCrop = crop.intrinsics(kFrame)                                   // K of the un-mirrored crop
 *
 * `x_crop = +-s (x - cx) + 64`, `y_crop = s (y - cy) + 64`, `s = 128 / (1.3 max(w, h))` crop px per
 * frame px, minus sign when mirrored (a left hand: the network knows right hands only). Mirroring
 * is the reflection about the box centre; outputs come back with [unmirrorUv] (`x -> 128 - x`) and
 * [Outputs.unmirrorPoints] (`x -> -x` on 3D points).
 */
object Crop {
    /** Side of the network input, px. */
    const val SIZE = 128

    /** The reference's box enlargement (`DATA.FREIHAND.BASE_SCALE`). */
    const val BOX_SCALE = 1.3

    /** The crop of a hand box. */
    fun of(box: HandBox, mirrored: Boolean = false, size: Int = SIZE, boxScale: Double = BOX_SCALE): CropTransform =
        fromSquare(box.centerX, box.centerY, box.side, mirrored, size, boxScale)

    /**
     * The crop of a square box given by centre ([centerX], [centerY], frame px) and [side] (frame px).
     *
     * @throws IllegalArgumentException on a non-finite centre or a side that is not positive.
     */
    fun fromSquare(centerX: Double, centerY: Double, side: Double, mirrored: Boolean = false, size: Int = SIZE,
                   boxScale: Double = BOX_SCALE): CropTransform {
        require(centerX.isFinite() && centerY.isFinite() && side.isFinite() && side > 0) {
            "a crop box needs a finite centre and a positive side, got centre ($centerX, $centerY), side $side"
        }
        val s = size / (boxScale * side)
        val sx = if (mirrored) -s else s
        val half = size / 2.0
        val matrix = Affine2x3(sx, 0.0, half - sx * centerX, 0.0, s, half - s * centerY)
        return CropTransform(matrix, matrix.inverse(), mirrored, centerX, centerY, side, s, size, boxScale)
    }
}

/**
 * Frame <-> crop mapping of one hand.
 *
 * @property matrix frame px -> crop px (of the crop as warped, mirrored or not).
 * @property inverse crop px -> frame px.
 * @property mirrored the crop is the mirror image (left hand).
 * @property centerX box centre x, frame px.
 * @property centerY box centre y, frame px.
 * @property side square box side before the enlargement, frame px.
 * @property scale crop px per frame px, `size / (boxScale side)`.
 * @property size crop side, px (128).
 * @property boxScale enlargement of the square box (1.3).
 */
class CropTransform internal constructor(
    val matrix: Affine2x3,
    val inverse: Affine2x3,
    val mirrored: Boolean,
    val centerX: Double,
    val centerY: Double,
    val side: Double,
    val scale: Double,
    val size: Int,
    val boxScale: Double,
) {
    /** `[N, 2]` frame px -> crop px of this crop (mirrored if it is). */
    fun frameToCrop(points: DoubleArray): DoubleArray = matrix.map(points)

    /** `[N, 2]` crop px of this crop (mirrored if it is) -> frame px. */
    fun cropToFrame(points: DoubleArray): DoubleArray = inverse.map(points)

    /** `[N, 2]` crop px of this crop -> crop px of the un-mirrored crop (`x -> size - x` when mirrored): a copy. */
    fun unmirrorUv(uvPx: DoubleArray): DoubleArray {
        require(uvPx.size % 2 == 0) { "uv must be [N, 2] flat, got ${uvPx.size} values" }
        return DoubleArray(uvPx.size) { i -> if (mirrored && i % 2 == 0) size - uvPx[i] else uvPx[i] }
    }

    /** The same box without mirroring: the crop the un-mirrored outputs live in. */
    val unmirrored: CropTransform
        get() = if (!mirrored) this else Crop.fromSquare(centerX, centerY, side, mirrored = false, size = size, boxScale = boxScale)

    /**
     * The network's `uv` (`[21, 2]`, crop units: x [size] = px, of this crop) -> un-mirrored crop px.
     */
    fun networkUvToCropPx(uvNetwork: FloatArray): DoubleArray =
        unmirrorUv(DoubleArray(uvNetwork.size) { uvNetwork[it].toDouble() * size })

    /** The network's `uv` (`[21, 2]`, crop units) -> frame px (un-mirrored, then through the inverse). */
    fun networkUvToFrame(uvNetwork: FloatArray): DoubleArray = unmirrored.cropToFrame(networkUvToCropPx(uvNetwork))

    /**
     * Pinhole intrinsics of the un-mirrored crop, as the reference builds its `calib`: focal lengths
     * (and skew) times [scale], the principal point mapped by the un-mirrored crop affine (HandMesh
     * `mobrecon/datasets/freihand.py`).
     *
     * @param kFrame frame intrinsics, frame px.
     * @return intrinsics in crop px of the un-mirrored crop.
     */
    fun intrinsics(kFrame: Intrinsics): Intrinsics {
        val tf = unmirrored
        return Intrinsics(
            fx = kFrame.fx * tf.scale, fy = kFrame.fy * tf.scale,
            cx = tf.matrix.mapX(kFrame.cx, kFrame.cy), cy = tf.matrix.mapY(kFrame.cx, kFrame.cy), skew = kFrame.skew * tf.scale,
        )
    }
}
