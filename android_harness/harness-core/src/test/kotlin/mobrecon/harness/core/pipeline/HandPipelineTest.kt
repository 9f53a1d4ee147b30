package mobrecon.harness.core.pipeline

import java.nio.ByteBuffer
import kotlin.math.abs
import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/**
 * The chained pipeline with a fake network that "sees" a known hand: its outputs are the hand's
 * vertices and the projections of its joints into the crop the pipeline made (mirrored for a left
 * hand), so the pipeline must give back the known camera-space mesh.
 */
class HandPipelineTest {
    private val numVerts = 25
    private val kFrame = Intrinsics(600.0, 600.0, 319.5, 239.5)
    private val tTrue = doubleArrayOf(0.03, -0.02, 0.5)

    /** One-hot regressor: MANO joint j is vertex j (vertices 21.. are not joints). */
    private val regressor = JointRegressor(21, numVerts, DoubleArray(21 * numVerts).also { w -> for (j in 0 until 21) w[j * numVerts + j] = 1.0 })

    /** Root-relative vertices in metres, rounded to what the network's float32 (units of 0.2 m) can hold. */
    private val vertsRoot: DoubleArray = Random(12).let { r ->
        val units = FloatArray(3 * numVerts) { i -> if (i < 3) 0f else ((r.nextDouble() - 0.5) * 0.5).toFloat() }
        Outputs.vertsMetres(units)
    }

    /** An RGBA frame with a pattern that differs under mirroring, `(7 x + 13 y + 50 c) mod 256`. */
    private val frame = PixelFrame(640, 480, ByteBuffer.allocate(640 * 480 * 4).also { b ->
        for (i in 0 until b.capacity()) b.put(i, (7 * (i / 4 % 640) + 13 * (i / 4 / 640) + 50 * (i % 4)).mod(256).toByte())
    }, pixelStride = 4)

    private fun boxAroundTheHand(): HandBox {
        val uv = kFrame.project(Outputs.cameraSpace(vertsRoot, tTrue))
        val xs = uv.filterIndexed { i, _ -> i % 2 == 0 }
        val ys = uv.filterIndexed { i, _ -> i % 2 == 1 }
        return HandBox(xs.min() - 10, ys.min() - 5, xs.max() - xs.min() + 20, ys.max() - ys.min() + 10)
    }

    /** What a perfect network outputs for the crop [crop] of this hand, and the inputs it was given. */
    private inner class KnownHandModel(private val crop: CropTransform) : MeshModel {
        val inputs = ArrayList<FloatArray>()

        override fun run(input: FloatArray): MeshOutput {
            inputs += input
            val seen = if (crop.mirrored) Outputs.unmirrorPoints(vertsRoot) else vertsRoot
            val joints = regressor.jointsMpii(vertsRoot)
            val uvPx = crop.intrinsics(kFrame).project(Outputs.cameraSpace(joints, tTrue))
            val uvSeen = crop.unmirrorUv(uvPx) // x -> 128 - x is its own inverse
            return MeshOutput(FloatArray(seen.size) { (seen[it] / Outputs.VERTS_TO_METRES).toFloat() },
                              FloatArray(uvSeen.size) { (uvSeen[it] / crop.size).toFloat() })
        }
    }

    private fun runHand(handedness: Handedness): Pair<HandMesh, KnownHandModel> {
        val box = boxAroundTheHand()
        val model = KnownHandModel(Crop.of(box, mirrored = handedness == Handedness.LEFT))
        return HandPipeline(model, regressor).run(frame, kFrame, box, handedness) to model
    }

    private fun assertClose(expected: DoubleArray, actual: DoubleArray, tolerance: Double, what: String) {
        assertEquals(expected.size, actual.size, what)
        val worst = expected.indices.maxOf { abs(expected[it] - actual[it]) }
        assertTrue(worst <= tolerance, "$what: max |diff| $worst > $tolerance")
    }

    @Test
    fun aRightHandComesBackInCameraSpace() {
        val (hand, _) = runHand(Handedness.RIGHT)
        assertClose(tTrue, hand.registration.t, 1e-6, "t (m)")
        assertClose(Outputs.cameraSpace(vertsRoot, tTrue), hand.vertsCameraM, 1e-6, "camera-space vertices (m)")
        val jointsCamera = Outputs.cameraSpace(regressor.jointsMpii(vertsRoot), tTrue)
        assertClose(kFrame.project(jointsCamera), hand.uvFramePx, 1e-3, "2D joints in the frame (px)")
        assertClose(hand.uvFramePx, hand.jointsFramePx(), 1e-3, "registered joints reproject onto the 2D joints (px)")
        assertEquals(1, hand.registration.rounds)
        assertEquals(21, hand.registration.jointsUsed.size)
    }

    @Test
    fun aLeftHandIsMirroredForTheNetworkAndUnmirroredAfter() {
        val (left, leftModel) = runHand(Handedness.LEFT)
        val (right, rightModel) = runHand(Handedness.RIGHT)
        assertTrue(left.crop.mirrored && !right.crop.mirrored)
        assertClose(right.vertsCameraM, left.vertsCameraM, 1e-6, "left vs right camera-space vertices (m)")
        assertClose(tTrue, left.registration.t, 1e-6, "t (m)")
        assertClose(right.uvFramePx, left.uvFramePx, 1e-3, "left vs right 2D joints in the frame (px)")
        assertClose(right.kCrop.rows().flatMap { it.toList() }.toDoubleArray(), left.kCrop.rows().flatMap { it.toList() }.toDoubleArray(),
                    1e-12, "K of the un-mirrored crop")
        // the left hand's input is the right hand's, columns reflected about crop x = 64: column c <- column 128 - c
        val l = leftModel.inputs.single()
        val r = rightModel.inputs.single()
        assertEquals(3 * 128 * 128, l.size)
        assertTrue(l.toSet().size > 100, "the crop is not uniform (the check below means something)")
        for (ch in 0 until 3) for (y in 0 until 128) for (x in 1 until 128) {
            assertEquals(r[ch * 128 * 128 + y * 128 + 128 - x], l[ch * 128 * 128 + y * 128 + x], 1e-5f)
        }
    }

    @Test
    fun aBoxOutsideTheFrameOrAMeshOfAnotherSizeIsRefused() {
        val outside = HandBox(700.0, 10.0, 50.0, 50.0)
        val model = KnownHandModel(Crop.of(outside))
        assertFailsWith<IllegalArgumentException> { HandPipeline(model, regressor).run(frame, kFrame, outside, Handedness.RIGHT) }
        val other = JointRegressor(21, numVerts + 1, DoubleArray(21 * (numVerts + 1)))
        val e = assertFailsWith<PipelineError> {
            HandPipeline(KnownHandModel(Crop.of(boxAroundTheHand())), other).run(frame, kFrame, boxAroundTheHand(), Handedness.RIGHT)
        }
        assertTrue("different meshes" in e.message!!, e.message)
        assertFailsWith<PipelineError> { HandPipeline(model, JointRegressor(16, numVerts, DoubleArray(16 * numVerts))) }
    }
}
