package mobrecon.harness.core.pipeline

import mobrecon.harness.core.json.Json
import mobrecon.harness.core.json.JsonError
import mobrecon.harness.core.json.JsonObject
import mobrecon.harness.core.json.asObject
import java.io.File
import kotlin.math.abs

/**
 * The shared pipeline test vectors (`tests/vectors/pipeline/`: `crop.json`, `registration.json`, written by the Python
 * implementation; format and fields in `tests/vectors/README.md`).
 *
 * Located through the system property `mobrecon.vectors` (or the environment variable
 * `MOBRECON_VECTORS`): the `tests/vectors` folder. The pytest wrapper and Gradle's test task pass it.
 */
object PipelineVectors {
    const val PROPERTY = "mobrecon.vectors"
    const val ENVIRONMENT = "MOBRECON_VECTORS"
    const val FORMAT = "mobrecon-pipeline-vectors/1"

    /** The `tests/vectors/pipeline` folder; an [AssertionError] saying how to pass it when it is not given or absent. */
    fun folder(property: String? = System.getProperty(PROPERTY), environment: String? = System.getenv(ENVIRONMENT)): File {
        val root = property ?: environment ?: throw AssertionError(
            "the shared pipeline vectors are not located: pass -D$PROPERTY=<repo>/tests/vectors to the JVM (or set $ENVIRONMENT); " +
                "the pytest wrapper (tests/android_harness) and Gradle's test task do")
        val dir = File(root, "pipeline")
        if (!dir.isDirectory) throw AssertionError("$PROPERTY=$root has no pipeline/ folder: it must be the repository's tests/vectors")
        return dir
    }

    /** `crop.json` or `registration.json`, format checked. */
    fun load(name: String): JsonObject = read(File(folder(), name))

    /**
     * Parse one vector file.
     *
     * @throws JsonError when its `format` is not [FORMAT] (a port refuses other versions).
     */
    fun read(file: File): JsonObject {
        val doc = Json.parse(file.readText(Charsets.UTF_8)).asObject()
        val format = doc.stringOrNull("format")
        if (format != FORMAT) throw JsonError("${file.name}: format '$format' is not $FORMAT, the only version this port reads")
        return doc
    }
}

/** Numbers of a vector field, flattened row-major (`[[1, 2], [3, 4]]` -> `1, 2, 3, 4`). */
fun JsonObject.flat(key: String): DoubleArray = flatten(list(key)).toDoubleArray()

/** A field of two rows of numbers or more, as rows. */
fun JsonObject.rows(key: String): List<List<Double>> = list(key).map { row -> flatten(row as List<*>) }

private fun flatten(v: List<*>): List<Double> = v.flatMap { x ->
    when (x) {
        is Number -> listOf(x.toDouble())
        is List<*> -> flatten(x)
        else -> throw JsonError("expected numbers, got $x")
    }
}

/**
 * Compares a port's numbers with the stored ones and keeps, per quantity, the largest absolute
 * difference seen, printed as `pipeline-vectors <quantity>: n values, max |diff| ... (tolerance ...)`.
 */
class Differences(private val file: String) {
    private class Quantity(var count: Int = 0, var worst: Double = 0.0, var tolerance: Double = 0.0)

    private val quantities = LinkedHashMap<String, Quantity>()
    private val failures = ArrayList<String>()

    /** Record [actual] against [expected] within [tolerance]; [where] names the case. */
    fun compare(quantity: String, where: String, expected: DoubleArray, actual: DoubleArray, tolerance: Double) {
        val q = quantities.getOrPut(quantity) { Quantity() }
        q.tolerance = tolerance
        if (expected.size != actual.size) {
            failures += "$quantity [$where]: ${actual.size} values, expected ${expected.size}"
            return
        }
        for (i in expected.indices) {
            val d = abs(actual[i] - expected[i])
            q.count++
            if (!(d <= tolerance)) failures += "$quantity [$where] #$i: ${actual[i]} vs stored ${expected[i]} (|diff| $d > $tolerance)"
            if (d > q.worst || d.isNaN()) q.worst = d
        }
    }

    /** Print the summary and fail listing the first differences beyond tolerance, if any. */
    fun report() {
        for ((name, q) in quantities) {
            println("pipeline-vectors $file $name: ${q.count} values, max |diff| ${"%.3g".format(q.worst)} (tolerance ${"%.3g".format(q.tolerance)})")
        }
        if (failures.isNotEmpty()) throw AssertionError("${failures.size} value(s) beyond tolerance:\n" + failures.take(10).joinToString("\n"))
    }
}
