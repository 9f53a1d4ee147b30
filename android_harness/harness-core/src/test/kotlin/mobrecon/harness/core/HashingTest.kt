package mobrecon.harness.core

import mobrecon.harness.core.bundle.Hashing
import java.io.File
import java.security.MessageDigest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals

class HashingTest {
    @Test
    fun fileHashIsSha256OfTheBytes() {
        // FIPS 180-2, appendix B.1: sha256("abc")
        val f = File(TestBundles.tempDir("hash"), "abc").also { it.writeText("abc") }
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hashing.fileSha256(f))
        val big = File(f.parentFile, "big").also { it.writeBytes(ByteArray(200_000) { i -> (i % 251).toByte() }) }
        assertEquals(Hashing.sha256Hex(big.readBytes()), Hashing.fileSha256(big), "chunked reading = one digest of all bytes")
    }

    @Test
    fun directoryHashFollowsTheContract() {
        val dir = TestBundles.tempDir("pkg")
        File(dir, "Data/w").apply { parentFile.mkdirs(); writeText("weights") }
        File(dir, "Manifest.json").writeText("{}")
        val order = listOf("Data/w", "Manifest.json")
        val expected = MessageDigest.getInstance("SHA-256").run {
            for (rel in order) {
                update(rel.toByteArray(Charsets.UTF_8)); update(0)
                update(MessageDigest.getInstance("SHA-256").digest(File(dir, rel).readBytes()))
            }
            digest().joinToString("") { "%02x".format(it) }
        }
        assertEquals(expected, Hashing.directorySha256(dir, order))
        assertNotEquals(expected, Hashing.directorySha256(dir, order.reversed()), "order is part of the hash")
    }
}
