package mobrecon.harness.core.pipeline

/**
 * The reprojection residual of `xyz + t` against `uv` and its Jacobian in `t`, for the Gauss-Newton
 * steps of [Registration.solveTranslation] (the Python `_residual_and_jacobian`).
 *
 * Layout as the Python's: `[2N]`, the u residuals of every joint, then the v residuals, px.
 *
 * @property r residual, px.
 * @property jx, jy, jz its derivatives in `t_x, t_y, t_z`, px per metre.
 */
internal class ReprojectionResidual private constructor(val r: DoubleArray, val jx: DoubleArray, val jy: DoubleArray, val jz: DoubleArray) {
    /** Sum of squared residuals, px². */
    val cost: Double = SmallLinearSystems.dot(r, r)

    /**
     * The Gauss-Newton step `(J^T J)^-1 J^T (-r)`, `[3]` metres; only `t_x, t_y` move (the step's
     * `t_z` is 0) while `t_z` sits on a bound and the gradient pushes it outward.
     */
    fun gaussNewtonStep(tz: Double, lo: Double, hi: Double): DoubleArray {
        val gradZ = SmallLinearSystems.dot(jz, r)
        val zFixed = (tz <= lo && gradZ > 0) || (tz >= hi && gradZ < 0)
        val minusR = DoubleArray(r.size) { -r[it] }
        val step = SmallLinearSystems.leastSquares(if (zFixed) listOf(jx, jy) else listOf(jx, jy, jz), minusR)
        return if (zFixed) doubleArrayOf(step[0], step[1], 0.0) else step
    }

    companion object {
        /** At translation [t] (metres); null when a point has depth <= 0. */
        fun at(xyz: DoubleArray, uv: DoubleArray, k: Intrinsics, t: DoubleArray): ReprojectionResidual? {
            val n = xyz.size / 3
            val r = DoubleArray(2 * n)
            val jx = DoubleArray(2 * n)
            val jy = DoubleArray(2 * n)
            val jz = DoubleArray(2 * n)
            for (i in 0 until n) {
                val z = xyz[3 * i + 2] + t[2]
                if (z <= 0) return null
                val inv = 1.0 / z
                val y = xyz[3 * i + 1] + t[1]
                val numU = k.fx * (xyz[3 * i] + t[0]) + k.skew * y
                val numV = k.fy * y
                r[i] = numU * inv + (k.cx - uv[2 * i])
                r[n + i] = numV * inv + (k.cy - uv[2 * i + 1])
                jx[i] = k.fx * inv
                jy[i] = k.skew * inv
                jz[i] = -numU * inv * inv
                jy[n + i] = k.fy * inv
                jz[n + i] = -numV * inv * inv
            }
            return ReprojectionResidual(r, jx, jy, jz)
        }
    }
}
