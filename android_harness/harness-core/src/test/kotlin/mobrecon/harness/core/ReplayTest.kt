package mobrecon.harness.core

import mobrecon.harness.core.bundle.FloatTensor
import mobrecon.harness.core.json.Json
import mobrecon.harness.core.json.JsonObject
import mobrecon.harness.core.json.asObject
import mobrecon.harness.core.replay.ReplayMain
import mobrecon.harness.core.result.ResultWriter
import mobrecon.harness.core.stats.LatencyStats
import java.io.File
import java.time.Instant
import java.util.Base64
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The whole core through [ReplayMain]: bundle in, result file out, checked field by field. */
class ReplayTest {
    private fun replay(bundle: File, vararg extra: String): JsonObject {
        val out = File(TestBundles.tempDir("out"), "result.json")
        val written = ReplayMain.run(arrayOf("--bundle", bundle.path, "--out", out.path, "--rounds", "2", "--time-budget-s", "0.001", *extra))
        assertEquals(out.absoluteFile, written.absoluteFile)
        assertTrue(out.parentFile.listFiles()!!.none { it.name.endsWith(".tmp") }, "no temporary file left")
        return Json.parse(out.readText()).asObject()
    }

    @Test
    fun writesEverySchemaFieldAPhoneWrites() {
        val doc = replay(TestBundles.write())
        assertEquals(setOf("schema_version", "created_utc", "host", "device", "tool_versions", "method", "compute_floor", "records",
            "host_load", "harness", "bundle", "thermal"), doc.keys)
        assertEquals(2L, doc.long("schema_version"))
        assertTrue(Regex("""^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$""").matches(doc.string("created_utc")))
        assertEquals("unclassified", doc.obj("device").string("device_class"))
        assertEquals("jvm-replay", doc.obj("device").string("model_name"))
        assertEquals(mapOf("name" to "mobrecon-android-harness", "version" to HARNESS_VERSION, "platform" to "android"), doc.obj("harness").toMap())
        assertEquals("System.nanoTime", doc.obj("method").string("timer"))
        assertEquals("1.32.0", doc.obj("tool_versions").string("export_onnxruntime"))
        val rec = doc.objects("records").single()
        assertEquals(setOf("artifact", "runtime", "threads", "status", "reason", "latency_ms_samples", "session_load_ms", "iterations_per_round",
            "median_ms", "p10_ms", "p90_ms", "trimmed_mean_ms", "mad_ms", "round_median_ms", "round_spread_pct", "fps", "peak_rss_mib",
            "rss_growth_mib", "accuracy", "cost", "compile_ms", "memory", "thermal_state_start", "thermal_state_end", "raw_outputs"), rec.keys)
        assertEquals("m.nnapi.ort", rec.obj("artifact").string("name"))
        assertEquals("m.nnapi.fp32.ort", rec.obj("artifact").string("file"))
        assertEquals("expected-outputs-replay", rec.obj("runtime").string("name"))
        val samples = rec.list("latency_ms_samples").map { r -> (r as List<*>).map { (it as Number).toDouble() } }
        assertEquals(2, samples.size)
        val s = LatencyStats.summarize(samples)
        assertEquals(s.medianMs, rec.double("median_ms"))
        assertEquals(s.p90Ms, rec.double("p90_ms"))
        assertEquals("pass", rec.obj("accuracy").string("verdict"))
        assertEquals(0.0, rec.obj("accuracy").double("vertex_error_mm_max"))
        assertEquals("measured on device", rec.obj("accuracy").string("source"))
        assertEquals(1000L, rec.obj("cost").long("mult_adds"))
        assertNull(rec.obj("cost").opt("achieved_mult_adds_per_s"), "the replay runs no model: no achieved rate")
        assertNull(rec.opt("memory"), "no memory reading on a JVM host")
    }

    @Test
    fun rawOutputsAreTheBundlesExpectedBytes() {
        val dir = TestBundles.write()
        val rec = replay(dir).objects("records").single()
        val raw = rec.obj("raw_outputs")
        val rounds = raw.list("rounds")
        assertEquals(2, rounds.size)
        val verts = (rounds[0] as List<*>).map { it as JsonObject }.single { it.string("name") == "verts" }
        assertEquals(listOf(3L, 5L, 3L), verts.longs("shape"))
        assertEquals(File(dir, "expected/m.verts.f32").readBytes().toList(), Base64.getDecoder().decode(verts.string("data_base64")).toList())
    }

    @Test
    fun aKnownShiftIsJudgedAnAccuracyFailureOfThatAmount() {
        val rec = replay(TestBundles.write(), "--shift-mm", "5").objects("records").single()
        val acc = rec.obj("accuracy")
        assertEquals("fail", acc.string("verdict"))
        assertEquals(5.0, acc.double("vertex_error_mm_max"), 1e-3)
        assertEquals(0.0, acc.double("joint2d_error_px_max"))
        assertEquals("verts_max_mm 5 > 0.4 mm", acc.string("reason"))
        assertEquals("ok", rec.string("status"), "timed rows that fail accuracy stay status ok")
    }

    @Test
    fun badArgumentsAreOneSentence() {
        val e = assertFailsWith<HarnessError> { ReplayMain.run(arrayOf("--bundle", "x")) }
        assertTrue(e.message!!.startsWith("--out is required"))
        assertTrue("unknown argument '--nope'" in assertFailsWith<HarnessError> { ReplayMain.run(arrayOf("--nope", "1")) }.message!!)
        assertTrue("takes a number" in assertFailsWith<HarnessError> {
            ReplayMain.run(arrayOf("--bundle", TestBundles.write().path, "--out", "/tmp/x.json", "--rounds", "many"))
        }.message!!)
    }

    @Test
    fun fileNameFollowsTheContract() {
        assertEquals("result-android-SM-S918B-20261201T213000Z.json", ResultWriter.fileName("android", "SM-S918B", Instant.parse("2026-12-01T21:30:00Z")))
        assertEquals("result-android-Pixel_8_Pro-20261201T213000Z.json", ResultWriter.fileName("android", "Pixel 8 Pro", Instant.parse("2026-12-01T21:30:00Z")))
    }

    @Test
    fun tensorBytesAreLittleEndianFloat32() {
        val t = FloatTensor("x", listOf(2), floatArrayOf(1f, -2.5f))
        assertEquals(listOf(0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0).map { it.toByte() }, t.littleEndianBytes().toList())
        assertEquals(listOf(1f, -2.5f), FloatTensor.fromLittleEndian("x", listOf(2), Base64.getDecoder().decode(t.base64())).data.toList())
    }
}
