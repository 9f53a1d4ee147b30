package mobrecon.harness.core.pipeline

import java.nio.ByteBuffer
import kotlin.math.floor

/**
 * An 8-bit interleaved frame (RGB, RGBA, or any leading channels), read in place.
 *
 * Sample `(row r, column c, channel ch)` is the unsigned byte at absolute index
 * `r * rowStride + c * pixelStride + ch` of [pixels] (the buffer's position is ignored). An Android
 * `RGBA_8888` camera frame (CameraX `ImageAnalysis` with `OUTPUT_IMAGE_FORMAT_RGBA_8888`) is
 * `PixelFrame(width, height, plane.buffer, pixelStride = 4, rowStride = plane.rowStride)`; the
 * pipeline reads its first three channels (R, G, B) and ignores alpha.
 *
 * @property width px.
 * @property height px.
 * @property pixelStride bytes from one pixel to the next (3 for RGB, 4 for RGBA).
 * @property rowStride bytes from one row to the next, at least `width * pixelStride`.
 * @property channels channels stored per pixel that may be read, at most [pixelStride].
 * @throws IllegalArgumentException when the sizes are inconsistent or the buffer is too short.
 */
class PixelFrame(
    val width: Int,
    val height: Int,
    val pixels: ByteBuffer,
    val pixelStride: Int,
    val rowStride: Int = width * pixelStride,
    val channels: Int = pixelStride,
) {
    init {
        require(width > 0 && height > 0) { "a frame needs a positive width and height, got ${width}x$height" }
        require(pixelStride > 0 && channels in 1..pixelStride) { "pixelStride $pixelStride and channels $channels do not fit" }
        require(rowStride >= width * pixelStride) { "rowStride $rowStride is shorter than a row of $width pixels of $pixelStride bytes" }
        val needed = (height - 1).toLong() * rowStride + width.toLong() * pixelStride
        require(pixels.limit() >= needed) { "a ${width}x$height frame needs $needed bytes, the buffer holds ${pixels.limit()}" }
    }

    /** Sample at column [x], row [y] (inside the frame), channel [ch]: 0..255. */
    fun sample(x: Int, y: Int, ch: Int): Int = pixels.get(y * rowStride + x * pixelStride + ch).toInt() and 0xFF

    /** Sample at the pixel centre ([x], [y]) (integral values), or [border] when it lies outside the frame. */
    internal fun sampleOr(x: Double, y: Double, ch: Int, border: Double): Double =
        if (x >= 0 && x < width && y >= 0 && y < height) sample(x.toInt(), y.toInt(), ch).toDouble() else border

    companion object {
        /** A tightly packed HWC byte array (`index = (row * width + col) * channels + channel`). */
        fun packed(width: Int, height: Int, channels: Int, bytes: ByteArray): PixelFrame =
            PixelFrame(width, height, ByteBuffer.wrap(bytes), pixelStride = channels)
    }
}

/** Bilinear affine warps (`cv2.warpAffine`, `INTER_LINEAR`, `BORDER_CONSTANT`) and the network's input tensor. */
object Warp {
    /**
     * Warp [frame] by a frame -> output affine (port of `mobrecon.pipeline.crop.warp_affine`).
     *
     * Output pixel `(x, y)` reads the frame at `inverse(matrix) (x, y, 1)`, bilinear between the
     * four neighbouring pixel centres; a neighbour outside the frame reads [borderValue]. Computed in
     * double precision, stored as float, not rounded (OpenCV quantises coordinates to 1/32 px and
     * rounds its 8-bit output: up to ~0.5 grey levels of difference).
     *
     * @param matrix frame px -> output px.
     * @param width output width, px.
     * @param height output height, px.
     * @param channels leading channels to warp (at most `frame.channels`).
     * @return `[height, width, channels]` HWC floats, 0..255.
     */
    fun affine(frame: PixelFrame, matrix: Affine2x3, width: Int, height: Int, channels: Int = frame.channels,
               borderValue: Double = 0.0): FloatArray {
        require(width > 0 && height > 0) { "output size must be positive, got ${width}x$height" }
        require(channels in 1..frame.channels) { "cannot warp $channels channels of a ${frame.channels}-channel frame" }
        val inv = matrix.inverse()
        val out = FloatArray(width * height * channels)
        for (y in 0 until height) {
            for (x in 0 until width) {
                val sx = inv.m00 * x + inv.m01 * y + inv.m02
                val sy = inv.m10 * x + inv.m11 * y + inv.m12
                val x0 = floor(sx)
                val y0 = floor(sy)
                val fx = sx - x0
                val fy = sy - y0
                val w00 = (1 - fx) * (1 - fy)
                val w10 = fx * (1 - fy)
                val w01 = (1 - fx) * fy
                val w11 = fx * fy
                val base = (y * width + x) * channels
                for (ch in 0 until channels) {
                    // summed in the Python's order: (0, 0), (1, 0), (0, 1), (1, 1)
                    var acc = 0.0
                    acc += frame.sampleOr(x0, y0, ch, borderValue) * w00
                    acc += frame.sampleOr(x0 + 1, y0, ch, borderValue) * w10
                    acc += frame.sampleOr(x0, y0 + 1, ch, borderValue) * w01
                    acc += frame.sampleOr(x0 + 1, y0 + 1, ch, borderValue) * w11
                    out[base + ch] = acc.toFloat()
                }
            }
        }
        return out
    }

    /** The 128 x 128 RGB crop of [frame] for [crop]: `[128, 128, 3]` HWC floats, 0..255. */
    fun crop(frame: PixelFrame, crop: CropTransform): FloatArray {
        require(frame.channels >= 3) { "the network needs an RGB frame, this one has ${frame.channels} channel(s)" }
        return affine(frame, crop.matrix, crop.size, crop.size, channels = 3)
    }

    /**
     * `[S, S, 3]` RGB crop, 0..255 -> the network's `[1, 3, S, S]` input (NCHW), float
     * `(pixel / 255 - 0.5) / 0.5` in [-1, 1], computed in float as the Python `model_input` does.
     */
    fun modelInput(crop: FloatArray, size: Int = Crop.SIZE): FloatArray {
        val plane = size * size
        require(crop.size == plane * 3) { "the crop must be [$size, $size, 3] (${plane * 3} values), got ${crop.size}" }
        val out = FloatArray(plane * 3)
        for (p in 0 until plane) {
            for (c in 0 until 3) out[c * plane + p] = (crop[p * 3 + c] / 255f - 0.5f) / 0.5f
        }
        return out
    }
}
