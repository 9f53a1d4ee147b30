package mobrecon.harness.core

import mobrecon.harness.core.bench.Selection
import mobrecon.harness.core.bench.planRuns
import mobrecon.harness.core.bundle.Bundle
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

class BundleTest {
    @Test
    fun readsIndexTensorsAndHashes() {
        val dir = TestBundles.write()
        val b = Bundle.read(dir)
        assertEquals(200.0, b.vertsToMillimetres)
        assertEquals(128.0, b.uvToPixels)
        assertEquals(listOf(3, 3, 4, 4), b.readInputs().shape)
        val expected = b.readExpected(b.model("m"))
        assertEquals(listOf(3, 5, 3), expected.getValue("verts").shape)
        assertEquals(TestBundles.random("uv", listOf(3, 2, 2), 3).data.toList(), expected.getValue("uv").data.toList())
        val a = b.artifacts.single()
        assertEquals(a.sha256, b.verifyArtifact(a))
        assertEquals(mapOf("verts_max_mm" to 0.4, "uv_max_px" to 0.05), a.limits)
        assertEquals("1.32.0", b.toolVersions["onnxruntime"])
    }

    @Test
    fun refusesAChangedArtifactOrTensor() {
        val dir = TestBundles.write()
        File(dir, "artifacts/m.nnapi.fp32.ort").appendText("!")
        val b = Bundle.read(dir)
        val e = assertFailsWith<HarnessError> { b.verifyArtifact(b.artifacts.single()) }
        assertTrue("refusing to load a changed file" in e.message!!, e.message)
        File(dir, "inputs/verification.f32").appendBytes(ByteArray(4))
        assertTrue("bytes" in assertFailsWith<HarnessError> { b.readInputs() }.message!!)
    }

    @Test
    fun badIndexesAreOneSentence() {
        val none = TestBundles.tempDir("empty")
        assertTrue("no bundle.json" in assertFailsWith<HarnessError> { Bundle.read(none) }.message!!)
        val dir = TestBundles.write()
        val index = File(dir, "bundle.json")
        index.writeText(index.readText().replace("mobrecon-device-bundle/1", "mobrecon-device-bundle/9"))
        assertTrue("format 'mobrecon-device-bundle/9'" in assertFailsWith<HarnessError> { Bundle.read(dir) }.message!!)
        val dir2 = TestBundles.write()
        val index2 = File(dir2, "bundle.json")
        index2.writeText(index2.readText().replace("\"record_name\"", "\"renamed\""))
        assertEquals("bundle.json: $.artifacts[0]: missing required field 'record_name'", assertFailsWith<HarnessError> { Bundle.read(dir2) }.message)
        index.writeText("{")
        assertTrue(assertFailsWith<HarnessError> { Bundle.read(dir) }.message!!.startsWith("bundle.json: invalid JSON"))
    }

    @Test
    fun plansFollowSelectionOrderAndTimeNnapiOnce() {
        val b = Bundle.read(TestBundles.write(listOf(
            Triple("a.nnapi.fp32.ort", "fp32", listOf("nnapi", "xnnpack", "cpu")),
            Triple("b.fp32.onnx", "fp32", listOf("xnnpack", "cpu")),
        )))
        val plans = planRuns(b, Selection(listOf("cpu", "nnapi"), listOf(1, 4)))
        assertEquals(listOf("a.nnapi.fp32.ort cpu x1", "a.nnapi.fp32.ort cpu x4", "a.nnapi.fp32.ort nnapi x1", "b.fp32.onnx cpu x1", "b.fp32.onnx cpu x4"), plans.map { it.label })
        assertEquals(listOf("b.fp32.onnx xnnpack x2"), planRuns(b, Selection(listOf("xnnpack"), listOf(2), listOf("b.fp32.onnx"))).map { it.label })
        assertTrue("no artifact 'c'" in assertFailsWith<HarnessError> { planRuns(b, Selection(artifactIds = listOf("c"))) }.message!!)
        assertTrue("nothing to run" in assertFailsWith<HarnessError> { planRuns(b, Selection(listOf("nnapi"), artifactIds = listOf("b.fp32.onnx"))) }.message!!)
        assertTrue("unknown compute unit 'gpu'" in assertFailsWith<HarnessError> { Selection(listOf("gpu")) }.message!!)
        assertFailsWith<HarnessError> { Selection(threads = listOf(0)) }
    }
}
