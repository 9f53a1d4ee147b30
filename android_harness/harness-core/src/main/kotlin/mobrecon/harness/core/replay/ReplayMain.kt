package mobrecon.harness.core.replay

import mobrecon.harness.core.HarnessError
import mobrecon.harness.core.HarnessRun
import mobrecon.harness.core.bench.BenchOptions
import mobrecon.harness.core.bench.Selection
import mobrecon.harness.core.result.DeviceFacts
import java.io.File
import kotlin.system.exitProcess

/**
 * Host-side replay of the Android harness core on a bundle, with the expected-outputs replay
 * engine instead of ONNX Runtime (no phone, no model runs):
 *
 *     java -cp harness-core.jar:kotlin-stdlib.jar mobrecon.harness.core.replay.ReplayMain \
 *         --bundle DIR --out FILE [--shift-mm 5] [--shift-px 0] [--rounds 2] [--time-budget-s 0.01] \
 *         [--warmup 2] [--min-iters 5] [--eps cpu] [--threads 1] [--artifacts ID,ID]
 *
 * Writes a result file (schema 2) to FILE and prints the on-screen table. The record's runtime is
 * `expected-outputs-replay` and its device `jvm-replay`: nothing in it claims a phone or a runtime.
 * Exit 0 on success, 2 with one `error: ...` line on bad input.
 */
object ReplayMain {
    private const val USAGE = "usage: ReplayMain --bundle DIR --out FILE [--shift-mm MM] [--shift-px PX] [--rounds N] " +
        "[--time-budget-s S] [--warmup N] [--min-iters N] [--eps cpu,xnnpack,nnapi] [--threads 1,2] [--artifacts ID,...]"

    @JvmStatic
    fun main(args: Array<String>) {
        exitProcess(
            try {
                run(args)
                0
            } catch (e: HarnessError) {
                System.err.println("error: ${e.message}")
                2
            },
        )
    }

    /** Parse [args], run, return the written file. */
    fun run(args: Array<String>): File {
        val opts = parse(args)
        val bundleDir = File(opts["bundle"] ?: throw HarnessError("--bundle is required; $USAGE"))
        val out = File(opts["out"] ?: throw HarnessError("--out is required; $USAGE"))
        val bundle = mobrecon.harness.core.bundle.Bundle.read(bundleDir)
        val engine = ExpectedOutputsReplayEngine(bundle, number(opts, "shift-mm", 0.0), number(opts, "shift-px", 0.0))
        val selection = Selection(
            computeUnits = list(opts, "eps") ?: listOf("cpu"),
            threads = list(opts, "threads")?.map { it.toIntOrNull() ?: throw HarnessError("--threads takes integers, got '$it'") } ?: listOf(1),
            artifactIds = list(opts, "artifacts") ?: emptyList(),
        )
        val options = BenchOptions(
            rounds = number(opts, "rounds", 2.0).toInt(),
            warmupIters = number(opts, "warmup", 2.0).toInt(),
            minIters = number(opts, "min-iters", 5.0).toInt(),
            timeBudgetS = number(opts, "time-budget-s", 0.01),
            placement = false,
        )
        val outcome = HarnessRun(engine, JvmProbe(), jvmDevice(), mapOf("java" to System.getProperty("java.version")), log = { System.err.println(it) })
            .execute(bundleDir, selection, options, out.absoluteFile.parentFile, out.name)
        println(outcome.table())
        return outcome.resultFile
    }

    private fun parse(args: Array<String>): Map<String, String> {
        val known = setOf("bundle", "out", "shift-mm", "shift-px", "rounds", "time-budget-s", "warmup", "min-iters", "eps", "threads", "artifacts")
        val out = LinkedHashMap<String, String>()
        var i = 0
        while (i < args.size) {
            val key = args[i].removePrefix("--")
            if (!args[i].startsWith("--") || key !in known) throw HarnessError("unknown argument '${args[i]}'; $USAGE")
            if (i + 1 >= args.size) throw HarnessError("${args[i]} needs a value")
            out[key] = args[i + 1]
            i += 2
        }
        return out
    }

    private fun number(opts: Map<String, String>, key: String, default: Double): Double =
        opts[key]?.let { it.toDoubleOrNull() ?: throw HarnessError("--$key takes a number, got '$it'") } ?: default

    private fun list(opts: Map<String, String>, key: String): List<String>? =
        opts[key]?.split(',')?.map { it.trim() }?.filter { it.isNotEmpty() }

    /** The JVM host, said as what it is. */
    fun jvmDevice(): DeviceFacts {
        val os = System.getProperty("os.name")
        val version = System.getProperty("os.version")
        val arch = System.getProperty("os.arch")
        return DeviceFacts(
            modelName = "jvm-replay",
            os = "$os $version (JVM replay, not a phone)",
            cpuModel = arch,
            logicalCores = Runtime.getRuntime().availableProcessors(),
            manufacturer = null, socManufacturer = null, socModel = null, hardware = null,
            osName = os, osVersion = version, apiLevel = null, abi = arch,
        )
    }
}
