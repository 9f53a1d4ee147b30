package mobrecon.harness.core.bundle

import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.util.Base64

/**
 * A float32 tensor in row-major (C) order.
 *
 * @property name output or input name (`image`, `verts`, `uv`).
 * @property shape e.g. `[8, 778, 3]`.
 * @property data `prod(shape)` values, row-major.
 */
class FloatTensor(val name: String, val shape: List<Int>, val data: FloatArray) {
    init {
        require(data.size.toLong() == elementCount(shape)) { "$name: ${data.size} values for shape $shape" }
    }

    /** Item [index] of the first axis, as its own tensor of shape `shape[1:]` (a copy). */
    fun row(index: Int): FloatTensor {
        val rowShape = shape.drop(1)
        val n = elementCount(rowShape).toInt()
        return FloatTensor(name, rowShape, data.copyOfRange(index * n, (index + 1) * n))
    }

    /** Little-endian IEEE-754 bytes of [data], exactly `4 x prod(shape)`. */
    fun littleEndianBytes(): ByteArray {
        val buf = ByteBuffer.allocate(data.size * 4).order(ByteOrder.LITTLE_ENDIAN)
        buf.asFloatBuffer().put(data)
        return buf.array()
    }

    /** Standard padded base64 (RFC 4648) of [littleEndianBytes], as a result's `raw_outputs` stores it. */
    fun base64(): String = Base64.getEncoder().encodeToString(littleEndianBytes())

    companion object {
        fun elementCount(shape: List<Int>): Long = shape.fold(1L) { acc, d -> acc * d }

        /**
         * Stack per-input outputs (each `[1, ...]` or `[...]`) into one `[N, ...]` tensor.
         *
         * @param rows one tensor per bundle input, all of the same shape.
         */
        fun stack(name: String, rows: List<FloatTensor>): FloatTensor {
            require(rows.isNotEmpty()) { "$name: nothing to stack" }
            val inner = rows[0].shape.let { if (it.firstOrNull() == 1) it.drop(1) else it }
            val n = elementCount(inner).toInt()
            val out = FloatArray(rows.size * n)
            rows.forEachIndexed { i, r ->
                require(r.data.size == n) { "$name: output $i has ${r.data.size} values, expected $n" }
                System.arraycopy(r.data, 0, out, i * n, n)
            }
            return FloatTensor(name, listOf(rows.size) + inner, out)
        }

        /** Decode little-endian float32 [bytes] of [shape]. */
        fun fromLittleEndian(name: String, shape: List<Int>, bytes: ByteArray): FloatTensor {
            val expected = 4 * elementCount(shape)
            require(bytes.size.toLong() == expected) { "$name: ${bytes.size} bytes, expected $expected for shape $shape" }
            val out = FloatArray(bytes.size / 4)
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out)
            return FloatTensor(name, shape, out)
        }

        /** Read a raw tensor file (no header, row-major little-endian float32). */
        fun readRaw(name: String, shape: List<Int>, file: File): FloatTensor = fromLittleEndian(name, shape, file.readBytes())
    }
}
