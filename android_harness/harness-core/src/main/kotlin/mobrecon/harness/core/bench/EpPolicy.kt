package mobrecon.harness.core.bench

/**
 * How one record's ONNX Runtime session is set up on Android, decided without touching ORT, so
 * that the rules are unit-tested on the host and the Android engine only translates them.
 *
 * @property executionProvider ORT's EP name as the result records it.
 * @property intraOpThreads the session's `intra_op_num_threads`.
 * @property nnapiFlags `ai.onnxruntime.providers.NNAPIFlags` names to pass to `addNnapi`.
 * @property xnnpackOptions provider options for `addXnnpack` (XNNPACK's own thread pool).
 * @property sessionConfig `SessionOptions.addConfigEntry` entries.
 * @property options what the result's `runtime.options` records, as ORT and NNAPI name them.
 * @property skipReason one sentence when the record must not run; null when it runs.
 */
data class EpSetup(
    val computeUnit: String,
    val executionProvider: String,
    val intraOpThreads: Int,
    val nnapiFlags: List<String>,
    val xnnpackOptions: Map<String, String>,
    val sessionConfig: Map<String, String>,
    val options: Map<String, Any>,
    val skipReason: String?,
)

/**
 * The Android EP rules.
 *
 * - `cpu`: ORT's CPU EP, `intra_op_num_threads = threads`, `inter_op_num_threads = 1`, sequential
 *   execution: the host's ORT setup.
 * - `xnnpack`: the XNNPACK EP with its own pool of `threads`; the session's pool is 1 thread and
 *   does not spin (`session.intra_op.allow_spinning = 0`), as ORT's XNNPACK page recommends, so
 *   the two pools do not compete. Nodes XNNPACK does not take run on the CPU EP's single thread.
 * - `nnapi`: the NNAPI EP; `NNAPI_FLAG_USE_FP16` only when asked (fp32 accuracy by default),
 *   `NNAPI_FLAG_USE_NCHW` never (ORT's NHWC default), `NNAPI_FLAG_CPU_DISABLED` from API 29 (ORT
 *   ignores it below: NNAPI may then pick its own CPU reference device, recorded as false).
 *   NNAPI is deprecated from Android 15 (API 35): such records are skipped with that reason
 *   unless forced, and a forced one is marked in its options.
 */
object EpPolicy {
    /** Android 15: NNAPI deprecated (Android NDK: "NNAPI is deprecated as of Android 15"). */
    const val NNAPI_DEPRECATED_FROM_API = 35

    /** NNAPI_FLAG_CPU_DISABLED takes effect from Android 10 (API 29). */
    const val NNAPI_CPU_DISABLED_FROM_API = 29

    val EP_NAMES = mapOf("cpu" to "CPUExecutionProvider", "xnnpack" to "XnnpackExecutionProvider", "nnapi" to "NnapiExecutionProvider")

    /**
     * @param apiLevel `Build.VERSION.SDK_INT`.
     * @param availableProviders EP names this ORT build has (`OrtEnvironment.getAvailableProviders()`).
     * @param nnapiFp16 relax fp32 to fp16 inside NNAPI.
     * @param forceNnapi time NNAPI on API 35+ anyway.
     */
    fun setup(
        computeUnit: String,
        threads: Int,
        apiLevel: Int,
        availableProviders: Set<String>,
        nnapiFp16: Boolean = false,
        forceNnapi: Boolean = false,
    ): EpSetup {
        val ep = EP_NAMES[computeUnit] ?: throw IllegalArgumentException("no ORT EP for compute unit '$computeUnit'")
        val missing = if (ep !in availableProviders) "$ep is not in this onnxruntime build (it has ${availableProviders.sorted().joinToString()})" else null
        return when (computeUnit) {
            "cpu" -> EpSetup(
                computeUnit, ep, threads, emptyList(), emptyMap(), emptyMap(),
                mapOf("intra_op_num_threads" to threads, "inter_op_num_threads" to 1, "execution_mode" to "SEQUENTIAL"), missing,
            )
            "xnnpack" -> {
                val config = mapOf("session.intra_op.allow_spinning" to "0")
                EpSetup(
                    computeUnit, ep, 1, emptyList(), mapOf("intra_op_num_threads" to "$threads"), config,
                    mapOf("intra_op_num_threads" to 1, "xnnpack.intra_op_num_threads" to threads, "session.intra_op.allow_spinning" to "0"),
                    missing,
                )
            }
            else -> {
                val cpuDisabled = apiLevel >= NNAPI_CPU_DISABLED_FROM_API
                val flags = listOfNotNull("USE_FP16".takeIf { nnapiFp16 }, "CPU_DISABLED".takeIf { cpuDisabled })
                val deprecated = apiLevel >= NNAPI_DEPRECATED_FROM_API
                val options = linkedMapOf<String, Any>(
                    "NNAPI_FLAG_USE_FP16" to nnapiFp16,
                    "NNAPI_FLAG_USE_NCHW" to false,
                    "NNAPI_FLAG_CPU_DISABLED" to cpuDisabled,
                    "NNAPI_FLAG_CPU_ONLY" to false,
                    "intra_op_num_threads" to threads,
                )
                if (deprecated && forceNnapi) options["harness.nnapi_deprecated_forced"] = true
                val skip = missing ?: if (deprecated && !forceNnapi) {
                    "NNAPI is deprecated from Android 15 (API $NNAPI_DEPRECATED_FROM_API) and this device runs API $apiLevel; pass -e force_nnapi true to time it anyway"
                } else null
                EpSetup(computeUnit, ep, threads, flags, emptyMap(), emptyMap(), options, skip)
            }
        }
    }
}
