package mobrecon.harness.core.pipeline

import java.nio.ByteBuffer
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

/** The warp and the network input, known answers. */
class WarpTest {
    @Test
    fun modelInputIsNchwAndNormalisedToMinusOneOne() {
        val s = 2
        // pixel p has R = 0, G = 255, B = 51 * p
        val crop = FloatArray(s * s * 3) { i -> when (i % 3) { 0 -> 0f; 1 -> 255f; else -> 51f * (i / 3) } }
        val x = Warp.modelInput(crop, size = s)
        for (p in 0 until s * s) {
            assertEquals(-1f, x[p])
            assertEquals(1f, x[s * s + p])
            assertEquals((51f * p / 255f - 0.5f) / 0.5f, x[2 * s * s + p])
        }
        assertFailsWith<IllegalArgumentException> { Warp.modelInput(FloatArray(10), size = s) }
    }

    @Test
    fun identityAndHalfPixelShiftsAndTheZeroBorder() {
        val bytes = ByteArray(4 * 3) { (it * 20).toByte() } // 2 x 2 RGB
        val frame = PixelFrame.packed(2, 2, 3, bytes)
        val identity = Warp.affine(frame, Affine2x3(1.0, 0.0, 0.0, 0.0, 1.0, 0.0), 2, 2)
        for (i in bytes.indices) assertEquals((bytes[i].toInt() and 0xFF).toFloat(), identity[i])
        // output x samples the frame at x + 0.5: the mean of columns 0 and 1; beyond the last column half of it is border 0
        val shifted = Warp.affine(frame, Affine2x3(1.0, 0.0, -0.5, 0.0, 1.0, 0.0), 2, 1)
        for (c in 0 until 3) {
            assertEquals((c * 20 + (3 + c) * 20) / 2f, shifted[c])
            assertEquals((3 + c) * 20 / 2f, shifted[3 + c])
        }
    }

    @Test
    fun frameSizesAreChecked() {
        assertFailsWith<IllegalArgumentException> { PixelFrame(4, 4, ByteBuffer.allocate(4 * 4 * 4 - 1), pixelStride = 4) }
        assertFailsWith<IllegalArgumentException> { PixelFrame(4, 4, ByteBuffer.allocate(100), pixelStride = 4, rowStride = 15) }
        val grey = PixelFrame.packed(2, 2, 1, ByteArray(4))
        assertFailsWith<IllegalArgumentException> { Warp.crop(grey, Crop.of(HandBox(0.0, 0.0, 2.0, 2.0))) }
    }
}
