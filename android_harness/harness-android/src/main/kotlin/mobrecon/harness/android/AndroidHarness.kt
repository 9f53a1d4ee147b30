package mobrecon.harness.android

import android.content.Context
import android.os.Build
import android.util.Log
import mobrecon.harness.core.HarnessArguments
import mobrecon.harness.core.HarnessRun
import mobrecon.harness.core.RunOutcome
import java.io.File

/**
 * The harness on a phone: ONNX Runtime engine, Android probe and device facts around the
 * platform-free [HarnessRun].
 *
 * Usage (the instrumentation test and the app's screen both do this, off the main thread):
 *
 *     val outcome = AndroidHarness(context).run(HarnessArguments.parse(arguments))
 *     outcome.resultFile   // <external files>/mobrecon-results/result-android-<model>-<time>.json
 */
class AndroidHarness(private val context: Context, private val log: (String) -> Unit = { Log.i(TAG, it) }) {
    /** @throws mobrecon.harness.core.HarnessError on a bad bundle or options (one sentence). */
    fun run(args: HarnessArguments): RunOutcome {
        if (args.ignored.isNotEmpty()) log("ignoring arguments the harness does not know: ${args.ignored.joinToString()}")
        val engine = OrtEngine(Build.VERSION.SDK_INT, args.nnapiFp16, args.forceNnapi, args.diagnostic, context.cacheDir)
        val toolVersions = linkedMapOf(
            "onnxruntime" to engine.version,
            "android" to Build.VERSION.RELEASE,
            "android_api" to Build.VERSION.SDK_INT.toString(),
            "kotlin-stdlib" to KotlinVersion.CURRENT.toString(),
        )
        val resultsDir = args.resultsDir?.let(::File) ?: resultsFolder(context)
        return HarnessRun(engine, AndroidProbe(context), AndroidDevice.facts(), toolVersions, log = log)
            .execute(File(args.bundlePath), args.selection, args.options, resultsDir)
    }

    companion object {
        const val TAG = "mobrecon-harness"

        /** `<external files>/mobrecon-results` (`/sdcard/Android/data/<package>/files/mobrecon-results`), the contract's folder. */
        fun resultsFolder(context: Context): File = File(context.getExternalFilesDir(null) ?: context.filesDir, "mobrecon-results")
    }
}
