package mobrecon.harness.core

import mobrecon.harness.core.json.Json
import mobrecon.harness.core.json.JsonError
import mobrecon.harness.core.json.JsonObject
import mobrecon.harness.core.json.asObject
import mobrecon.harness.core.json.jsonObjectOf
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

class JsonTest {
    @Test
    fun parsesEveryValueKind() {
        val doc = Json.parse("""{"s": "a\"b\\c\n\u00e9\ud83d\ude00", "i": -12, "big": 12345678901234, "d": 1.5e-3, "z": 0.0,
            "t": true, "f": false, "n": null, "a": [1, 2.5, "x"], "o": {}}""").asObject()
        assertEquals("a\"b\\c\né\uD83D\uDE00", doc.string("s"))
        assertEquals(-12L, doc.long("i"))
        assertEquals(12345678901234L, doc.long("big"))
        assertEquals(1.5e-3, doc.double("d"))
        assertEquals(0.0, doc.opt("z"))
        assertEquals(true, doc.bool("t"))
        assertEquals(false, doc.bool("f"))
        assertEquals(null, doc.opt("n"))
        assertEquals(listOf(1L, 2.5, "x"), doc.list("a"))
        assertEquals(JsonObject("$.o"), doc.obj("o"))
    }

    @Test
    fun writeThenParseIsTheSameDocument() {
        val doc = jsonObjectOf(
            "text" to "tab\there \u0001 \"q\"", "n" to 3, "x" to 0.1 + 0.2, "tiny" to 4.9e-324, "huge" to 1.7976931348623157e308,
            "samples" to listOf(1.25, 2.0, 3.000001), "nested" to listOf(jsonObjectOf("k" to null), emptyList<Any>()),
        )
        for (text in listOf(Json.write(doc), Json.writeCompact(doc))) {
            val back = Json.parse(text).asObject()
            assertEquals("tab\there \u0001 \"q\"", back.string("text"))
            assertEquals(0.1 + 0.2, back.double("x"))
            assertEquals(4.9e-324, back.double("tiny"))
            assertEquals(1.7976931348623157e308, back.double("huge"))
            assertEquals(listOf(1.25, 2.0, 3.000001), back.doubles("samples"))
            assertEquals(3L, back.long("n"))
        }
        assertTrue("[1.25, 2.0, 3.000001]" in Json.write(doc), "number arrays stay on one line")
    }

    @Test
    fun refusesWhatJsonCannotSay() {
        assertFailsWith<JsonError> { Json.write(jsonObjectOf("x" to Double.NaN)) }
        assertFailsWith<JsonError> { Json.write(listOf(Double.POSITIVE_INFINITY)) }
    }

    @Test
    fun malformedTextNamesTheOffset() {
        for (bad in listOf("{", "[1,]", "{\"a\" 1}", "tru", "\"open", "01", "1.", "{\"a\":1,\"a\":2}", "[1] x", "\"\u0001\"")) {
            val e = assertFailsWith<JsonError>(bad) { Json.parse(bad) }
            assertTrue("offset" in e.message!!, e.message)
        }
    }

    @Test
    fun typedAccessorsNameThePath() {
        val doc = Json.parse("""{"inputs": {"tensor": {"shape": [1, "x"]}, "labels": 3}}""").asObject()
        val e1 = assertFailsWith<JsonError> { doc.obj("inputs").obj("tensor").longs("shape") }
        assertEquals("$.inputs.tensor.shape[1]: expected an integer", e1.message)
        val e2 = assertFailsWith<JsonError> { doc.obj("inputs").strings("labels") }
        assertEquals("$.inputs.labels: expected an array, got a number", e2.message)
        val e3 = assertFailsWith<JsonError> { doc.obj("inputs").string("missing") }
        assertEquals("$.inputs: missing required field 'missing'", e3.message)
    }
}
