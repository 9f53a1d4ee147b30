package mobrecon.harness.core

import mobrecon.harness.core.bench.ANDROID_COMPUTE_UNITS
import mobrecon.harness.core.bench.BenchOptions
import mobrecon.harness.core.bench.Selection

/**
 * The harness's options as strings: instrumentation arguments (`am instrument -e key value`), the
 * app's launch extras, or a device farm's `--environment-variables`.
 *
 * | key | default | meaning |
 * |---|---|---|
 * | `bundle` | `/data/local/tmp/mobrecon-bundle` | folder holding bundle.json |
 * | `eps` | `nnapi,xnnpack,cpu` | compute units, comma separated |
 * | `threads` | `1` | intra-op thread counts, comma separated |
 * | `rounds` | `5` | fresh sessions per record |
 * | `warmup` | `10` | untimed inferences per session |
 * | `min_iters` | `20` | minimum timed inferences per round |
 * | `time_budget_s` | `1.0` | timed seconds per record per round |
 * | `artifacts` | all android artifacts | bundle artifact ids, comma separated |
 * | `alternate_order` | `true` | odd rounds in reverse order |
 * | `placement` | `true` | one extra profiled session per record for `nodes_by_provider` |
 * | `nnapi_fp16` | `false` | NNAPI_FLAG_USE_FP16 |
 * | `force_nnapi` | `false` | time NNAPI on Android 15+ (deprecated there; skipped otherwise) |
 * | `diagnostic` | `false` | ORT logging at VERBOSE (EP partitioning in logcat) |
 * | `results_dir` | app's external files `mobrecon-results/` | where the result file goes |
 *
 * Keys not in this table are returned in [ignored] (the test runner passes its own, e.g. `class`).
 */
class HarnessArguments(
    val bundlePath: String,
    val selection: Selection,
    val options: BenchOptions,
    val nnapiFp16: Boolean,
    val forceNnapi: Boolean,
    val diagnostic: Boolean,
    val resultsDir: String?,
    val ignored: List<String>,
) {
    companion object {
        const val DEFAULT_BUNDLE = "/data/local/tmp/mobrecon-bundle"

        val KEYS = listOf(
            "bundle", "eps", "threads", "rounds", "warmup", "min_iters", "time_budget_s", "artifacts",
            "alternate_order", "placement", "nnapi_fp16", "force_nnapi", "diagnostic", "results_dir",
        )

        /** @throws HarnessError naming the bad value. */
        fun parse(args: Map<String, String>): HarnessArguments {
            fun list(key: String) = args[key]?.split(',')?.map { it.trim() }?.filter { it.isNotEmpty() }
            fun int(key: String, default: Int) = args[key]?.let { it.trim().toIntOrNull() ?: throw HarnessError("$key must be an integer, got '$it'") } ?: default
            fun bool(key: String, default: Boolean) = args[key]?.let {
                when (it.trim().lowercase()) {
                    "true", "1", "yes" -> true
                    "false", "0", "no" -> false
                    else -> throw HarnessError("$key must be true or false, got '$it'")
                }
            } ?: default
            val budget = args["time_budget_s"]?.let { it.trim().toDoubleOrNull() ?: throw HarnessError("time_budget_s must be a number, got '$it'") } ?: 1.0
            val threads = list("threads")?.map { it.toIntOrNull() ?: throw HarnessError("threads must be integers, got '$it'") } ?: listOf(1)
            return HarnessArguments(
                bundlePath = args["bundle"]?.trim()?.ifEmpty { null } ?: DEFAULT_BUNDLE,
                selection = Selection(list("eps") ?: ANDROID_COMPUTE_UNITS, threads, list("artifacts") ?: emptyList()),
                options = BenchOptions(
                    rounds = int("rounds", 5), warmupIters = int("warmup", 10), minIters = int("min_iters", 20),
                    timeBudgetS = budget, alternateOrder = bool("alternate_order", true), placement = bool("placement", true),
                ),
                nnapiFp16 = bool("nnapi_fp16", false),
                forceNnapi = bool("force_nnapi", false),
                diagnostic = bool("diagnostic", false),
                resultsDir = args["results_dir"]?.trim()?.ifEmpty { null },
                ignored = args.keys.filter { it !in KEYS }.sorted(),
            )
        }
    }
}
