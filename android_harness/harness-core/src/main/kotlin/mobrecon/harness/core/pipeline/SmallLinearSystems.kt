package mobrecon.harness.core.pipeline

import kotlin.math.abs

/** Dense solves of 2- and 3-unknown systems for the registration (no linear-algebra library on the phone). */
internal object SmallLinearSystems {
    /**
     * Solve `a x = b` for a square [a] (`n` rows of `n`) by Gaussian elimination with partial pivoting.
     *
     * @throws IllegalArgumentException when [a] is singular (the joints do not determine t).
     */
    fun solve(a: Array<DoubleArray>, b: DoubleArray): DoubleArray {
        val n = b.size
        val m = Array(n) { i -> a[i].copyOf(n) }
        val x = b.copyOf()
        for (col in 0 until n) {
            val pivot = (col until n).maxBy { abs(m[it][col]) }
            require(m[pivot][col] != 0.0 && m[pivot][col].isFinite()) { "singular linear system: the joints do not determine the translation" }
            if (pivot != col) {
                m[pivot] = m[col].also { m[col] = m[pivot] }
                x[pivot] = x[col].also { x[col] = x[pivot] }
            }
            for (row in col + 1 until n) {
                val f = m[row][col] / m[col][col]
                for (k in col until n) m[row][k] -= f * m[col][k]
                x[row] -= f * x[col]
            }
        }
        for (row in n - 1 downTo 0) {
            var s = x[row]
            for (k in row + 1 until n) s -= m[row][k] * x[k]
            x[row] = s / m[row][row]
        }
        return x
    }

    /**
     * Least squares `min |A x - b|` through the normal equations `A^T A x = A^T b`.
     *
     * @param columns the columns of `A` (each of `b.size` values); 2 or 3 here.
     */
    fun leastSquares(columns: List<DoubleArray>, b: DoubleArray): DoubleArray {
        val n = columns.size
        val ata = Array(n) { i -> DoubleArray(n) { j -> dot(columns[i], columns[j]) } }
        return solve(ata, DoubleArray(n) { dot(columns[it], b) })
    }

    fun dot(a: DoubleArray, b: DoubleArray): Double {
        var s = 0.0
        for (i in a.indices) s += a[i] * b[i]
        return s
    }
}
