package mobrecon.harness.core.json

/**
 * A small JSON reader and writer (RFC 8259) for bundle.json and result files.
 *
 * Usage:
 *
 *     val doc = Json.parse(text).asObject()            // JsonObject
 *     val n = doc["inputs"].asObject()["tensor"]...     // typed accessors throw JsonError with the path
 *     val text = Json.write(jsonObjectOf("a" to 1))     // indented, lists of numbers on one line
 *
 * Values are plain Kotlin: a JSON object is a [JsonObject] (insertion-ordered), an array a
 * [List], a string a [String], true/false a [Boolean], null `null`, and a number a [Long] when it
 * is written without fraction or exponent and fits, else a [Double]. The writer refuses NaN and
 * infinities (JSON has no spelling for them) instead of writing an unreadable file.
 *
 * Written here because the harness core may depend on nothing but the Kotlin standard library
 * (it is compiled on hosts without Gradle or Maven, and runs unchanged on Android).
 */
object Json {
    /** Parse one JSON document. Throws [JsonError] with the offset on malformed text. */
    fun parse(text: String): Any? = Parser(text).document()

    /** JSON text of [value]: indented by one space per level, arrays of numbers on one line, final newline. */
    fun write(value: Any?): String = StringBuilder().also { Writer(it).value(value, 0) }.append('\n').toString()

    /** JSON text of [value] on one line, no spaces. */
    fun writeCompact(value: Any?): String = StringBuilder().also { Writer(it, compact = true).value(value, 0) }.toString()
}

/** A JSON document does not have the expected shape; the message names the path (`$.inputs.tensor`). */
class JsonError(message: String) : RuntimeException(message)

/** An insertion-ordered JSON object with typed accessors that name the path of a missing or mistyped field. */
class JsonObject(val path: String = "$", private val map: LinkedHashMap<String, Any?> = LinkedHashMap()) :
    Iterable<Map.Entry<String, Any?>> {

    val keys: Set<String> get() = map.keys
    operator fun contains(key: String): Boolean = key in map
    operator fun set(key: String, value: Any?) { map[key] = value }
    override fun iterator(): Iterator<Map.Entry<String, Any?>> = map.entries.iterator()
    fun toMap(): Map<String, Any?> = map

    /** The raw value of [key] (null if absent or null). */
    fun opt(key: String): Any? = map[key]

    private fun required(key: String): Any? {
        if (key !in map) throw JsonError("$path: missing required field '$key'")
        return map[key]
    }

    fun string(key: String): String = required(key) as? String ?: throw typeError(key, "a string")
    fun stringOrNull(key: String): String? = map[key]?.let { it as? String ?: throw typeError(key, "a string") }
    fun bool(key: String): Boolean = required(key) as? Boolean ?: throw typeError(key, "true or false")
    fun double(key: String): Double = (required(key) as? Number)?.toDouble() ?: throw typeError(key, "a number")
    fun doubleOrNull(key: String): Double? = map[key]?.let { (it as? Number)?.toDouble() ?: throw typeError(key, "a number") }
    fun long(key: String): Long = required(key).let { it as? Long ?: throw typeError(key, "an integer") }
    fun longOrNull(key: String): Long? = map[key]?.let { it as? Long ?: throw typeError(key, "an integer") }
    fun int(key: String): Int = long(key).also { if (it !in Int.MIN_VALUE..Int.MAX_VALUE) throw typeError(key, "a 32-bit integer") }.toInt()
    fun obj(key: String): JsonObject = required(key) as? JsonObject ?: throw typeError(key, "an object")
    fun objOrNull(key: String): JsonObject? = map[key]?.let { it as? JsonObject ?: throw typeError(key, "an object") }
    fun list(key: String): List<Any?> = required(key) as? List<Any?> ?: throw typeError(key, "an array")
    fun listOrNull(key: String): List<Any?>? = map[key]?.let { it as? List<Any?> ?: throw typeError(key, "an array") }

    /** The array [key] as objects, each knowing its path (`$.artifacts[2]`). */
    fun objects(key: String): List<JsonObject> = list(key).mapIndexed { i, v ->
        v as? JsonObject ?: throw JsonError("$path.$key[$i]: expected an object")
    }

    fun strings(key: String): List<String> = list(key).mapIndexed { i, v ->
        v as? String ?: throw JsonError("$path.$key[$i]: expected a string")
    }

    fun longs(key: String): List<Long> = list(key).mapIndexed { i, v ->
        v as? Long ?: throw JsonError("$path.$key[$i]: expected an integer")
    }

    fun doubles(key: String): List<Double> = list(key).mapIndexed { i, v ->
        (v as? Number)?.toDouble() ?: throw JsonError("$path.$key[$i]: expected a number")
    }

    private fun typeError(key: String, what: String) = JsonError("$path.$key: expected $what, got ${describe(map[key])}")

    override fun equals(other: Any?): Boolean = other is JsonObject && other.map == map
    override fun hashCode(): Int = map.hashCode()
    override fun toString(): String = Json.writeCompact(this)

    private companion object {
        fun describe(v: Any?): String = when (v) {
            null -> "null"
            is String -> "a string"
            is Boolean -> "a boolean"
            is Number -> "a number"
            is JsonObject -> "an object"
            is List<*> -> "an array"
            else -> v::class.simpleName ?: "a value"
        }
    }
}

/** A [JsonObject] from pairs, in order; values as [Json] describes (nested maps must already be JsonObjects). */
fun jsonObjectOf(vararg pairs: Pair<String, Any?>): JsonObject = JsonObject().also { o -> pairs.forEach { (k, v) -> o[k] = v } }

/** Value as a [JsonObject], or a [JsonError] naming what it was. */
fun Any?.asObject(): JsonObject = this as? JsonObject ?: throw JsonError("$: expected an object at the top level")

private class Parser(private val s: String) {
    private var i = 0

    fun document(): Any? {
        skipSpace()
        val v = value("$")
        skipSpace()
        if (i != s.length) fail("unexpected text after the document")
        return v
    }

    private fun fail(what: String): Nothing = throw JsonError("invalid JSON at offset $i: $what")

    private fun skipSpace() {
        while (i < s.length && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++
    }

    private fun value(path: String): Any? {
        if (i >= s.length) fail("unexpected end of text")
        return when (val c = s[i]) {
            '{' -> obj(path)
            '[' -> array(path)
            '"' -> string()
            't' -> literal("true", true)
            'f' -> literal("false", false)
            'n' -> literal("null", null)
            else -> if (c == '-' || c in '0'..'9') number() else fail("unexpected character '$c'")
        }
    }

    private fun literal(word: String, v: Any?): Any? {
        if (!s.startsWith(word, i)) fail("expected '$word'")
        i += word.length
        return v
    }

    private fun obj(path: String): JsonObject {
        val out = JsonObject(path)
        i++ // {
        skipSpace()
        if (peek() == '}') { i++; return out }
        while (true) {
            skipSpace()
            if (peek() != '"') fail("expected a field name")
            val key = string()
            skipSpace()
            if (peek() != ':') fail("expected ':' after field name")
            i++
            skipSpace()
            if (key in out) fail("duplicate field '$key'")
            out[key] = value("$path.$key")
            skipSpace()
            when (peek()) {
                ',' -> i++
                '}' -> { i++; return out }
                else -> fail("expected ',' or '}' in an object")
            }
        }
    }

    private fun array(path: String): List<Any?> {
        val out = ArrayList<Any?>()
        i++ // [
        skipSpace()
        if (peek() == ']') { i++; return out }
        while (true) {
            skipSpace()
            out.add(value("$path[${out.size}]"))
            skipSpace()
            when (peek()) {
                ',' -> i++
                ']' -> { i++; return out }
                else -> fail("expected ',' or ']' in an array")
            }
        }
    }

    private fun peek(): Char = if (i < s.length) s[i] else fail("unexpected end of text")

    private fun string(): String {
        i++ // opening quote
        val sb = StringBuilder()
        while (true) {
            if (i >= s.length) fail("unterminated string")
            val c = s[i++]
            when {
                c == '"' -> return sb.toString()
                c == '\\' -> {
                    if (i >= s.length) fail("unterminated escape")
                    when (val e = s[i++]) {
                        '"' -> sb.append('"'); '\\' -> sb.append('\\'); '/' -> sb.append('/')
                        'b' -> sb.append('\b'); 'f' -> sb.append('\u000C'); 'n' -> sb.append('\n')
                        'r' -> sb.append('\r'); 't' -> sb.append('\t')
                        'u' -> {
                            if (i + 4 > s.length) fail("short \\u escape")
                            val code = s.substring(i, i + 4).toIntOrNull(16) ?: fail("bad \\u escape")
                            sb.append(code.toChar())
                            i += 4
                        }
                        else -> fail("bad escape '\\$e'")
                    }
                }
                c < ' ' -> fail("control character in a string")
                else -> sb.append(c)
            }
        }
    }

    private fun number(): Any {
        val start = i
        if (s[i] == '-') i++
        if (i < s.length && s[i] == '0') i++ else digits()
        var integral = true
        if (i < s.length && s[i] == '.') { i++; digits(); integral = false }
        if (i < s.length && (s[i] == 'e' || s[i] == 'E')) {
            i++
            if (i < s.length && (s[i] == '+' || s[i] == '-')) i++
            digits(); integral = false
        }
        val text = s.substring(start, i)
        if (integral) text.toLongOrNull()?.let { return it }
        return text.toDouble()
    }

    private fun digits() {
        val start = i
        while (i < s.length && s[i] in '0'..'9') i++
        if (i == start) fail("expected a digit")
    }
}

private class Writer(private val out: StringBuilder, private val compact: Boolean = false) {
    fun value(v: Any?, depth: Int) {
        when (v) {
            null -> out.append("null")
            is String -> string(v)
            is Boolean -> out.append(v)
            is Int, is Long, is Short, is Byte -> out.append(v.toString())
            is Double -> number(v)
            is Float -> number(v.toDouble())
            is JsonObject -> obj(v.toMap(), depth)
            is Map<*, *> -> obj(v.entries.associate { (k, x) -> k.toString() to x }, depth)
            is List<*> -> array(v, depth)
            is DoubleArray -> array(v.toList(), depth)
            is IntArray -> array(v.toList(), depth)
            else -> throw JsonError("cannot write a ${v::class.simpleName} as JSON")
        }
    }

    private fun number(d: Double) {
        if (d.isNaN() || d.isInfinite()) throw JsonError("cannot write $d as JSON (no NaN or infinity in JSON)")
        // Double.toString round-trips exactly (it may print more digits than the shortest form on old JVMs).
        out.append(if (d == Math.rint(d) && kotlin.math.abs(d) < 1e15) d.toLong().toString() + ".0" else d.toString())
    }

    private fun newline(depth: Int) {
        if (compact) return
        out.append('\n')
        repeat(depth) { out.append(' ') }
    }

    private fun obj(m: Map<String, Any?>, depth: Int) {
        if (m.isEmpty()) { out.append("{}"); return }
        out.append('{')
        var first = true
        for ((k, x) in m) {
            if (!first) out.append(',')
            first = false
            newline(depth + 1)
            string(k)
            out.append(if (compact) ":" else ": ")
            value(x, depth + 1)
        }
        newline(depth)
        out.append('}')
    }

    private fun array(list: List<*>, depth: Int) {
        if (list.isEmpty()) { out.append("[]"); return }
        if (!compact && list.all { it is Number }) {
            out.append('[')
            list.forEachIndexed { j, x -> if (j > 0) out.append(", "); value(x, depth) }
            out.append(']')
            return
        }
        out.append('[')
        list.forEachIndexed { j, x ->
            if (j > 0) out.append(',')
            newline(depth + 1)
            value(x, depth + 1)
        }
        newline(depth)
        out.append(']')
    }

    private fun string(str: String) {
        out.append('"')
        for (c in str) {
            when {
                c == '"' -> out.append("\\\"")
                c == '\\' -> out.append("\\\\")
                c == '\n' -> out.append("\\n")
                c == '\r' -> out.append("\\r")
                c == '\t' -> out.append("\\t")
                c < ' ' -> out.append("\\u").append(String.format("%04x", c.code))
                else -> out.append(c)
            }
        }
        out.append('"')
    }
}
