package mobrecon.harness.core.pipeline

import mobrecon.harness.core.stats.LatencyStats
import kotlin.math.abs
import kotlin.math.sqrt

/**
 * Result of [Registration.register].
 *
 * @property t translation, metres, `[3]` (camera space = root-relative + t).
 * @property rounds rounds run (1..maxRounds).
 * @property jointsUsed indices of the joints the final round was fitted to, ascending.
 * @property lossPx mean of the reference's per-joint loss `|du + dv|` over [jointsUsed], px.
 * @property rmsPx root-mean-square reprojection error over the coordinates of [jointsUsed], px.
 * @property zAtBound `t_z` ended on a bound.
 */
class RegistrationResult(val t: DoubleArray, val rounds: Int, val jointsUsed: IntArray, val lossPx: Double, val rmsPx: Double,
                         val zAtBound: Boolean)

/**
 * Camera-space registration (port of `mobrecon/pipeline/registration.py`): the translation that
 * puts the root-relative hand where its 2D joints are.
 *
 * Usage:
 *
 *     val reg = Registration.register(xyzM, uvPx, kCrop)   // xyz [21, 3] m, MPII order; uv [21, 2] crop px
 *     val vertsCamera = Outputs.cameraSpace(vertsM, reg.t)  // metres
 *
 * The reference (HandMesh `mobrecon/tools/registration.py`) minimises the squared pinhole
 * reprojection error with SciPy SLSQP, `t_z` bounded to [0.05, 2] m, in rounds: while the mean
 * per-joint loss of the previous round is above 2 px (the first round always runs) and fewer than 5
 * rounds ran, fit the joints kept so far, score each by `|(u' - u) + (v' - v)|`, keep those below
 * mean + std (population std); when fewer than 13 would be kept, stop with this round's `t`.
 *
 * Each round here is solved without SciPy, as the Python does: the depth-multiplied residual is
 * linear in `t`, so a 3-unknown least squares gives `t` in closed form (exact for noise-free
 * projections; `t_z` clamped to the bounds and `t_x, t_y` re-solved when it leaves them), then
 * Gauss-Newton steps on the reprojection residual with a halving line search, `t_z` projected onto
 * the bounds and held there while the gradient pushes outward. Means and standard deviations use
 * numpy's pairwise summation ([LatencyStats.mean]), so the outlier selection is numpy's.
 */
object Registration {
    /** Bounds on t_z, metres (HandMesh `mobrecon/tools/registration.py`). */
    val Z_BOUNDS_M = 0.05 to 2.0

    /** The reference's SLSQP start, metres; used here only when a joint is behind the camera at the closed form. */
    val T_START_M = doubleArrayOf(0.0, 0.0, 0.6)

    /** At most this many rounds. */
    const val MAX_ROUNDS = 5

    /** A round whose selection would keep fewer joints than this ends the registration. */
    const val MIN_JOINTS = 13

    /** Rounds continue while the mean per-joint loss is above this, px. */
    const val STOP_LOSS_PX = 2.0

    private const val GN_ITERATIONS = 50
    private const val GN_STEP_TOL_M = 1e-12

    /**
     * The reference's registration rounds, each solved by [solveTranslation].
     *
     * @param xyz `[J, 3]` root-relative joints regressed from the mesh, metres, in the order of [uv]
     *   (MPII: [Outputs.jointsMpii]).
     * @param uv `[J, 2]` predicted 2D joints, un-mirrored crop px (the network's uv x 128).
     * @param k crop intrinsics ([CropTransform.intrinsics]).
     * @param zBounds `(low, high)` metres for `t_z`.
     * @throws IllegalArgumentException on arrays of the wrong size or non-finite values.
     */
    fun register(xyz: DoubleArray, uv: DoubleArray, k: Intrinsics, zBounds: Pair<Double, Double> = Z_BOUNDS_M,
                 maxRounds: Int = MAX_ROUNDS, minJoints: Int = MIN_JOINTS, stopLossPx: Double = STOP_LOSS_PX): RegistrationResult {
        val j = xyz.size / 3
        require(xyz.size == 3 * j && j > 0 && uv.size == 2 * j) {
            "registration needs xyz [J, 3] and uv [J, 2] with the same J, got ${xyz.size} and ${uv.size} values"
        }
        require(xyz.all { it.isFinite() } && uv.all { it.isFinite() }) { "registration inputs must be finite" }
        var idx = IntArray(j) { it }
        var select = BooleanArray(j) { true }
        var t = T_START_M.copyOf()
        var lossMean = Double.POSITIVE_INFINITY
        var rounds = 0
        while (lossMean > stopLossPx && rounds < maxRounds) {
            idx = idx.filterIndexed { i, _ -> select[i] }.toIntArray()
            val x = pick(xyz, idx, 3)
            val u = pick(uv, idx, 2)
            t = solveTranslation(x, u, k, zBounds)
            rounds++
            val loss = jointLoss(x, u, k, t)
            lossMean = LatencyStats.mean(loss)
            val limit = lossMean + populationStd(loss, lossMean)
            select = BooleanArray(loss.size) { loss[it] < limit }
            if (select.count { it } < minJoints) break
        }
        val x = pick(xyz, idx, 3)
        val u = pick(uv, idx, 2)
        val r = residual(x, u, k, t)
        val rms = sqrt(LatencyStats.mean(DoubleArray(r.size) { r[it] * r[it] }))
        return RegistrationResult(t, rounds, idx, lossMean, rms, t[2] <= zBounds.first || t[2] >= zBounds.second)
    }

    /** The reference's per-joint loss `|(u' - u) + (v' - v)|`, px: `[N]`. */
    fun jointLoss(xyz: DoubleArray, uv: DoubleArray, k: Intrinsics, t: DoubleArray): DoubleArray {
        val r = residual(xyz, uv, k, t)
        return DoubleArray(r.size / 2) { abs(r[2 * it] + r[2 * it + 1]) }
    }

    /**
     * One round: the `t` (metres, `[3]`) minimising the squared reprojection error of [xyz]
     * (`[N, 3]` m) against [uv] (`[N, 2]` px), `t_z` within [zBounds].
     */
    fun solveTranslation(xyz: DoubleArray, uv: DoubleArray, k: Intrinsics, zBounds: Pair<Double, Double> = Z_BOUNDS_M): DoubleArray {
        val (lo, hi) = zBounds
        var t = algebraic(xyz, uv, k, zBounds)
        var current: ReprojectionResidual = ReprojectionResidual.at(xyz, uv, k, t) ?: run {
            // a joint behind the camera at the closed form: start from the reference's start
            t = T_START_M.copyOf().also { it[2] = it[2].coerceIn(lo, hi) }
            ReprojectionResidual.at(xyz, uv, k, t) ?: return t
        }
        var cost = current.cost
        for (iteration in 0 until GN_ITERATIONS) {
            val step = current.gaussNewtonStep(t[2], lo, hi)
            if (step.maxOf { abs(it) } < GN_STEP_TOL_M) break
            var alpha = 1.0
            var accepted: DoubleArray? = null
            var got: ReprojectionResidual? = null
            while (alpha > 1e-8) {
                val cand = t.copyOf()
                for (i in step.indices) cand[i] += alpha * step[i]
                cand[2] = cand[2].coerceIn(lo, hi)
                got = ReprojectionResidual.at(xyz, uv, k, cand)
                if (got != null && got.cost <= cost * (1.0 + 1e-12)) { accepted = cand; break }
                alpha *= 0.5
            }
            if (accepted == null || got == null) break
            val moved = (0 until 3).maxOf { abs(accepted[it] - t[it]) }
            t = accepted
            current = got
            cost = got.cost
            if (moved < GN_STEP_TOL_M) break
        }
        return t
    }

    /** Closed-form `t` of the depth-multiplied residual, `t_z` clamped to the bounds (and `t_x, t_y` re-solved) if it leaves them. */
    private fun algebraic(xyz: DoubleArray, uv: DoubleArray, k: Intrinsics, zBounds: Pair<Double, Double>): DoubleArray {
        val n = xyz.size / 3
        // rows: fx tx + s ty + (cx - u) tz = -(fx X + s Y + (cx - u) Z);  fy ty + (cy - v) tz = -(fy Y + (cy - v) Z)
        val c0 = DoubleArray(2 * n)
        val c1 = DoubleArray(2 * n)
        val c2 = DoubleArray(2 * n)
        val b = DoubleArray(2 * n)
        for (i in 0 until n) {
            val du = k.cx - uv[2 * i]
            val dv = k.cy - uv[2 * i + 1]
            val x = xyz[3 * i]
            val y = xyz[3 * i + 1]
            val z = xyz[3 * i + 2]
            c0[i] = k.fx; c1[i] = k.skew; c2[i] = du; b[i] = -(k.fx * x + k.skew * y + du * z)
            c1[n + i] = k.fy; c2[n + i] = dv; b[n + i] = -(k.fy * y + dv * z)
        }
        val t = SmallLinearSystems.leastSquares(listOf(c0, c1, c2), b)
        if (t[2] < zBounds.first || t[2] > zBounds.second) {
            t[2] = t[2].coerceIn(zBounds.first, zBounds.second)
            val txy = SmallLinearSystems.leastSquares(listOf(c0, c1), DoubleArray(2 * n) { b[it] - c2[it] * t[2] })
            t[0] = txy[0]
            t[1] = txy[1]
        }
        return t
    }

    /** Reprojection residual `[N, 2]` flat (`u' - u, v' - v` per joint), px. */
    private fun residual(xyz: DoubleArray, uv: DoubleArray, k: Intrinsics, t: DoubleArray): DoubleArray {
        val p = k.project(DoubleArray(xyz.size) { xyz[it] + t[it % 3] })
        return DoubleArray(p.size) { p[it] - uv[it] }
    }

    private fun pick(values: DoubleArray, idx: IntArray, width: Int): DoubleArray =
        DoubleArray(idx.size * width) { values[idx[it / width] * width + it % width] }

    /** numpy's `std` (ddof 0): square root of the pairwise-summed mean of squared deviations from [mean]. */
    private fun populationStd(x: DoubleArray, mean: Double): Double = sqrt(LatencyStats.mean(DoubleArray(x.size) { (x[it] - mean) * (x[it] - mean) }))
}
