package mobrecon.harness.core.bundle

import java.io.File
import java.security.MessageDigest

/**
 * sha256 as bundle.json's `hashing` block defines it (docs/device-contract.md, section 1).
 *
 * - a file: the sha256 of its bytes;
 * - a directory (`.mlpackage`): the sha256 of, for each file in the order the artifact's `files`
 *   list gives, the UTF-8 relative path with `/` separators, one NUL byte, and the 32-byte raw
 *   sha256 digest of that file.
 */
object Hashing {
    private const val CHUNK_BYTES = 1 shl 16

    /** Lower-case hex sha256 of [bytes]. */
    fun sha256Hex(bytes: ByteArray): String = hex(MessageDigest.getInstance("SHA-256").digest(bytes))

    /** Lower-case hex sha256 of a file's bytes, read in 64 KiB chunks. */
    fun fileSha256(file: File): String = hex(fileDigest(file))

    /**
     * The directory hash of [dir] over [relativePaths] in the given order (the artifact's `files`).
     *
     * @param relativePaths paths inside [dir] with `/` separators, e.g. `Data/com.apple.CoreML/model.mlmodel`.
     */
    fun directorySha256(dir: File, relativePaths: List<String>): String {
        val outer = MessageDigest.getInstance("SHA-256")
        for (rel in relativePaths) {
            outer.update(rel.toByteArray(Charsets.UTF_8))
            outer.update(0)
            outer.update(fileDigest(File(dir, rel)))
        }
        return hex(outer.digest())
    }

    private fun fileDigest(file: File): ByteArray {
        val md = MessageDigest.getInstance("SHA-256")
        file.inputStream().use { input ->
            val buf = ByteArray(CHUNK_BYTES)
            while (true) {
                val n = input.read(buf)
                if (n < 0) break
                md.update(buf, 0, n)
            }
        }
        return md.digest()
    }

    private fun hex(digest: ByteArray): String {
        val sb = StringBuilder(digest.size * 2)
        for (b in digest) {
            val v = b.toInt() and 0xff
            sb.append("0123456789abcdef"[v ushr 4]).append("0123456789abcdef"[v and 0xf])
        }
        return sb.toString()
    }
}
