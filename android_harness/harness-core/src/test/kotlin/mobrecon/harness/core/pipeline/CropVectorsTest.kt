package mobrecon.harness.core.pipeline

import mobrecon.harness.core.json.JsonObject
import java.nio.ByteBuffer
import kotlin.test.Test
import kotlin.test.assertEquals

/** The Kotlin crop against `tests/vectors/pipeline/crop.json`, every case, within the stored tolerances. */
class CropVectorsTest {
    private val data = PipelineVectors.load("crop.json")
    private val tol = data.obj("tolerance")
    private val cases = data.objects("cases")

    private fun crop(case: JsonObject): CropTransform {
        val b = case.flat("box_xywh")
        return Crop.of(HandBox(b[0], b[1], b[2], b[3]), mirrored = case.bool("mirrored"))
    }

    private fun affine(a: Affine2x3) = a.rows().flatMap { it.toList() }.toDoubleArray()

    @Test
    fun matricesInversesAndScales() {
        assertEquals(data.int("crop_size"), Crop.SIZE, "crop_size")
        assertEquals(data.double("box_scale"), Crop.BOX_SCALE, "box_scale")
        val d = Differences("crop.json")
        for (case in cases) {
            val tf = crop(case)
            val name = case.string("name")
            d.compare("matrix", name, case.flat("matrix"), affine(tf.matrix), tol.double("matrix"))
            d.compare("inverse", name, case.flat("inverse"), affine(tf.inverse), tol.double("matrix"))
            d.compare("scale", name, doubleArrayOf(case.double("scale")), doubleArrayOf(tf.scale), tol.double("matrix"))
            assertEquals(case.bool("mirrored"), tf.mirrored, name)
        }
        d.report()
    }

    @Test
    fun mappedPointsBothWaysAndUnmirrored() {
        val d = Differences("crop.json")
        for (case in cases) {
            val tf = crop(case)
            val name = case.string("name")
            val points = tol.double("points_px")
            d.compare("frame_points_in_crop", name, case.flat("frame_points_in_crop"), tf.frameToCrop(case.flat("frame_points")), points)
            d.compare("crop_points_in_frame", name, case.flat("crop_points_in_frame"), tf.cropToFrame(case.flat("crop_points")), points)
            d.compare("crop_points_unmirrored", name, case.flat("crop_points_unmirrored"), tf.unmirrorUv(case.flat("crop_points")), points)
        }
        d.report()
    }

    @Test
    fun cropIntrinsics() {
        val d = Differences("crop.json")
        for (case in cases) {
            val k = crop(case).intrinsics(Intrinsics.of(case.rows("k_frame")))
            d.compare("k_crop", case.string("name"), case.flat("k_crop"), k.rows().flatMap { it.toList() }.toDoubleArray(), tol.double("k"))
        }
        d.report()
    }

    @Test
    fun cropPixelsOfThePatternFrameAsPackedRgbAndAsPaddedRgba() {
        val d = Differences("crop.json")
        for (case in cases) {
            val w = case.int("frame_width")
            val h = case.int("frame_height")
            val tf = crop(case)
            val rgb = Warp.crop(patternFrame(w, h, pixelStride = 3, rowPadding = 0), tf)
            val rgba = Warp.crop(patternFrame(w, h, pixelStride = 4, rowPadding = 12), tf)
            val samples = case.list("crop_samples").map { (it as List<*>).map { v -> (v as Number).toDouble() } }
            val expected = samples.map { it[3] }.toDoubleArray()
            fun at(crop: FloatArray) = samples.map { s -> crop[((s[0].toInt() * Crop.SIZE) + s[1].toInt()) * 3 + s[2].toInt()].toDouble() }
            d.compare("crop_samples (packed RGB frame)", case.string("name"), expected, at(rgb).toDoubleArray(), tol.double("pixel_value"))
            d.compare("crop_samples (RGBA frame, padded rows)", case.string("name"), expected, at(rgba).toDoubleArray(), tol.double("pixel_value"))
        }
        d.report()
    }

    @Test
    fun generalAffineWarp() {
        val warp = data.obj("warp")
        val bytes = warp.flat("frame_uint8_hwc").map { it.toInt().toByte() }.toByteArray()
        val frame = PixelFrame.packed(warp.int("frame_width"), warp.int("frame_height"), warp.int("channels"), bytes)
        val out = Warp.affine(frame, Affine2x3.of(warp.rows("matrix")), warp.int("out_width"), warp.int("out_height"))
        val d = Differences("crop.json")
        d.compare("warp expected_float_hwc", "warp", warp.flat("expected_float_hwc"), DoubleArray(out.size) { out[it].toDouble() },
                  tol.double("pixel_value"))
        d.report()
    }

    /** The vectors' pattern frame, `value(x, y, c) = (7 x + 13 y + 50 c) mod 256`; alpha 255 when [pixelStride] is 4. */
    private fun patternFrame(width: Int, height: Int, pixelStride: Int, rowPadding: Int): PixelFrame {
        val rowStride = width * pixelStride + rowPadding
        val buf = ByteBuffer.allocate(rowStride * height)
        for (y in 0 until height) for (x in 0 until width) for (c in 0 until pixelStride) {
            buf.put(y * rowStride + x * pixelStride + c, (if (c == 3) 255 else (7 * x + 13 * y + 50 * c) % 256).toByte())
        }
        return PixelFrame(width, height, buf, pixelStride = pixelStride, rowStride = rowStride)
    }
}
