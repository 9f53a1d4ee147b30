package mobrecon.harness.android

import ai.onnxruntime.OnnxTensor
import ai.onnxruntime.OrtEnvironment
import ai.onnxruntime.OrtLoggingLevel
import ai.onnxruntime.OrtSession
import ai.onnxruntime.providers.NNAPIFlags
import mobrecon.harness.core.bench.Engine
import mobrecon.harness.core.bench.EngineSession
import mobrecon.harness.core.bench.EpPolicy
import mobrecon.harness.core.bench.EpSetup
import mobrecon.harness.core.bench.Placement
import mobrecon.harness.core.bench.RunPlan
import mobrecon.harness.core.bench.RuntimeDescription
import mobrecon.harness.core.bundle.FloatTensor
import mobrecon.harness.core.placement.OrtProfilePlacement
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.FloatBuffer
import java.util.EnumSet

/**
 * ONNX Runtime (onnxruntime-android) sessions for the NNAPI, XNNPACK and CPU execution providers.
 *
 * The EP rules (flags, threads, what is recorded, when a record is skipped) are
 * [EpPolicy]'s, tested on the host; this class only turns them into `SessionOptions`.
 *
 * @param apiLevel `Build.VERSION.SDK_INT`.
 * @param diagnostic ORT logging at VERBOSE: the EPs' partitioning ("number of nodes supported by
 *   NNAPI") goes to logcat (`adb logcat -s onnxruntime`).
 * @param scratchDir where profiling traces are written and deleted (app cache).
 */
class OrtEngine(
    private val apiLevel: Int,
    private val nnapiFp16: Boolean,
    private val forceNnapi: Boolean,
    private val diagnostic: Boolean,
    private val scratchDir: File,
) : Engine {
    private val env: OrtEnvironment = OrtEnvironment.getEnvironment(
        if (diagnostic) OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE else OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
        "mobrecon-harness",
    )

    /** The ORT library's own version string (`OrtEnvironment.getVersion`). */
    val version: String = env.version

    private val available: Set<String> = OrtEnvironment.getAvailableProviders().map { it.getName() }.toSet()

    private fun setup(plan: RunPlan): EpSetup = EpPolicy.setup(plan.computeUnit, plan.threads, apiLevel, available, nnapiFp16, forceNnapi)

    override fun describe(plan: RunPlan): RuntimeDescription {
        val s = setup(plan)
        return RuntimeDescription("onnxruntime", version, plan.computeUnit, s.executionProvider, s.options)
    }

    override fun unavailable(plan: RunPlan): String? = setup(plan).skipReason

    override fun open(plan: RunPlan): EngineSession {
        val options = sessionOptions(setup(plan), profilePrefix = null)
        return try {
            OrtEngineSession(env, env.createSession(plan.artifactFile.path, options), options)
        } catch (e: Exception) {
            options.close()
            throw e
        }
    }

    override fun placement(plan: RunPlan, input: FloatTensor): Placement? {
        val prefix = File(scratchDir, "ort-profile-${plan.artifact.id}-${plan.computeUnit}-${plan.threads}").path
        val options = sessionOptions(setup(plan), prefix)
        val session = OrtEngineSession(env, env.createSession(plan.artifactFile.path, options), options)
        val trace = session.use { s ->
            s.prepare(input)
            s.run()
            File(s.session.endProfiling())
        }
        return try {
            OrtProfilePlacement.parse(trace.readText(Charsets.UTF_8))
        } finally {
            trace.delete()
        }
    }

    private fun sessionOptions(s: EpSetup, profilePrefix: String?): OrtSession.SessionOptions {
        val o = OrtSession.SessionOptions()
        o.setIntraOpNumThreads(s.intraOpThreads)
        o.setInterOpNumThreads(1)
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL)
        for ((key, value) in s.sessionConfig) o.addConfigEntry(key, value)
        when (s.computeUnit) {
            "nnapi" -> o.addNnapi(EnumSet.noneOf(NNAPIFlags::class.java).apply { s.nnapiFlags.forEach { add(NNAPIFlags.valueOf(it)) } })
            "xnnpack" -> o.addXnnpack(s.xnnpackOptions)
            else -> Unit // the CPU EP is always there
        }
        if (diagnostic) {
            o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE)
            o.setSessionLogVerbosityLevel(1)
        }
        if (profilePrefix != null) o.enableProfiling(profilePrefix)
        return o
    }
}

/** One `OrtSession`, its options, and the prepared input of the timed runs (a direct FloatBuffer). */
internal class OrtEngineSession(
    private val env: OrtEnvironment,
    val session: OrtSession,
    private val options: OrtSession.SessionOptions,
) : EngineSession {
    private var feed: Map<String, OnnxTensor> = emptyMap()

    /** The model's own input name (the bundle calls it `image`; the session is the authority). */
    private val inputName: String = session.inputNames.first()

    override fun prepare(input: FloatTensor) {
        feed.values.forEach { it.close() }
        feed = mapOf(inputName to tensor(input))
    }

    override fun run() {
        session.run(feed).close()
    }

    override fun infer(input: FloatTensor, inputIndex: Int): Map<String, FloatTensor> {
        tensor(input).use { x ->
            session.run(mapOf(inputName to x)).use { result ->
                val out = LinkedHashMap<String, FloatTensor>()
                for ((name, value) in result) {
                    val t = value as OnnxTensor
                    val buf = t.floatBuffer
                    val data = FloatArray(buf.remaining()).also { buf.get(it) }
                    out[name] = FloatTensor(name, t.info.shape.map { it.toInt() }, data)
                }
                return out
            }
        }
    }

    private fun tensor(t: FloatTensor): OnnxTensor {
        val buf: FloatBuffer = ByteBuffer.allocateDirect(t.data.size * 4).order(ByteOrder.nativeOrder()).asFloatBuffer()
        buf.put(t.data).rewind()
        return OnnxTensor.createTensor(env, buf, t.shape.map { it.toLong() }.toLongArray())
    }

    override fun close() {
        feed.values.forEach { it.close() }
        session.close()
        options.close()
    }
}
