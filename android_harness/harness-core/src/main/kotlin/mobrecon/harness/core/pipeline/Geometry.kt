package mobrecon.harness.core.pipeline

/*
 * Plain 2D/3D geometry of the pipeline: hand boxes, 2x3 affines, pinhole intrinsics.
 *
 * Conventions (the same as `mobrecon.pipeline` and `tests/vectors/README.md`): pixel centres at
 * integer coordinates (OpenCV's `warpAffine` convention), so the pixel at row `r`, column `c` is
 * the point `(x = c, y = r)`. Point lists are flat row-major [DoubleArray]s: `[N, 2]` holds
 * `x0, y0, x1, y1, ...`, `[N, 3]` holds `x0, y0, z0, ...`.
 */

/**
 * A hand box in frame pixels (pixel-centre coordinates).
 *
 * @property x left edge, px.
 * @property y top edge, px.
 * @property width box width, px, > 0.
 * @property height box height, px, > 0.
 * @throws IllegalArgumentException when a value is not finite or a side is not positive.
 */
data class HandBox(val x: Double, val y: Double, val width: Double, val height: Double) {
    init {
        require(x.isFinite() && y.isFinite() && width.isFinite() && height.isFinite()) {
            "a hand box is four finite numbers x, y, width, height in pixels, got ($x, $y, $width, $height)"
        }
        require(width > 0 && height > 0) { "a hand box needs a positive width and height, got width=$width, height=$height" }
    }

    /** Box centre x, `x + width / 2`, px. */
    val centerX: Double get() = x + 0.5 * width

    /** Box centre y, `y + height / 2`, px. */
    val centerY: Double get() = y + 0.5 * height

    /** Side of the square around the box, `max(width, height)`, px (before the 1.3 enlargement). */
    val side: Double get() = maxOf(width, height)

    /** True when the box overlaps a [frameWidth] x [frameHeight] frame (as the Python `check_box` requires). */
    fun overlaps(frameWidth: Int, frameHeight: Int): Boolean = x < frameWidth && y < frameHeight && x + width > 0 && y + height > 0
}

/**
 * A 2x3 affine map of points `(x, y)`: `x' = m00 x + m01 y + m02`, `y' = m10 x + m11 y + m12`.
 *
 * Row-major as the vectors store it (`matrix[row][col]`); units are those of the points (px).
 */
data class Affine2x3(val m00: Double, val m01: Double, val m02: Double, val m10: Double, val m11: Double, val m12: Double) {
    /** Rows `[[m00, m01, m02], [m10, m11, m12]]`. */
    fun rows(): List<DoubleArray> = listOf(doubleArrayOf(m00, m01, m02), doubleArrayOf(m10, m11, m12))

    /** Image of `(x, y)`: x coordinate. */
    fun mapX(x: Double, y: Double): Double = m00 * x + m01 * y + m02

    /** Image of `(x, y)`: y coordinate. */
    fun mapY(x: Double, y: Double): Double = m10 * x + m11 * y + m12

    /** Map `[N, 2]` flat points: a new `[N, 2]` array. */
    fun map(points: DoubleArray): DoubleArray {
        require(points.size % 2 == 0) { "points must be [N, 2] flat (an even count), got ${points.size} values" }
        return DoubleArray(points.size) { i ->
            val p = i - i % 2
            if (i % 2 == 0) mapX(points[p], points[p + 1]) else mapY(points[p], points[p + 1])
        }
    }

    /**
     * The inverse affine (as `cv2.invertAffineTransform`).
     *
     * @throws IllegalArgumentException when the linear part is singular.
     */
    fun inverse(): Affine2x3 {
        val det = m00 * m11 - m01 * m10
        require(det != 0.0 && det.isFinite()) { "the affine is not invertible (determinant $det)" }
        val i00 = m11 / det
        val i01 = -m01 / det
        val i10 = -m10 / det
        val i11 = m00 / det
        return Affine2x3(i00, i01, -(i00 * m02 + i01 * m12), i10, i11, -(i10 * m02 + i11 * m12))
    }

    companion object {
        /** From two rows of three (e.g. a vector file's `matrix`). */
        fun of(rows: List<List<Double>>): Affine2x3 {
            require(rows.size == 2 && rows.all { it.size == 3 }) { "a 2x3 affine needs 2 rows of 3 numbers" }
            return Affine2x3(rows[0][0], rows[0][1], rows[0][2], rows[1][0], rows[1][1], rows[1][2])
        }
    }
}

/**
 * Pinhole intrinsics `K = [[fx, skew, cx], [0, fy, cy], [0, 0, 1]]`, px (pixel-centre coordinates).
 *
 * On Android, Camera2's `LENS_INTRINSIC_CALIBRATION` gives `[fx, fy, cx, cy, s]` for the sensor's
 * active array; scale them to the frame the pipeline sees.
 */
data class Intrinsics(val fx: Double, val fy: Double, val cx: Double, val cy: Double, val skew: Double = 0.0) {
    init {
        require(listOf(fx, fy, cx, cy, skew).all { it.isFinite() } && fx > 0 && fy > 0) {
            "intrinsics need finite values and positive focal lengths, got fx=$fx fy=$fy cx=$cx cy=$cy skew=$skew"
        }
    }

    /** Rows of the 3x3 matrix. */
    fun rows(): List<DoubleArray> = listOf(doubleArrayOf(fx, skew, cx), doubleArrayOf(0.0, fy, cy), doubleArrayOf(0.0, 0.0, 1.0))

    /**
     * Pinhole projection of `[N, 3]` camera points (metres) to `[N, 2]` px, `(K p)_xy / p_z`:
     * `u = (fx X + s Y + cx Z) / Z`, `v = (fy Y + cy Z) / Z` (FreiHAND's `projectPoints`, the Python
     * `project`, in its order of operations).
     */
    fun project(points: DoubleArray): DoubleArray {
        require(points.size % 3 == 0) { "points must be [N, 3] flat, got ${points.size} values" }
        val n = points.size / 3
        val out = DoubleArray(2 * n)
        for (j in 0 until n) {
            val x = points[3 * j]
            val y = points[3 * j + 1]
            val z = points[3 * j + 2]
            out[2 * j] = (fx * x + skew * y + cx * z) / z
            out[2 * j + 1] = (fy * y + cy * z) / z
        }
        return out
    }

    companion object {
        /**
         * From a 3x3 matrix (rows).
         *
         * @throws IllegalArgumentException unless the matrix is `[[fx, s, cx], [0, fy, cy], [0, 0, 1]]`.
         */
        fun of(rows: List<List<Double>>): Intrinsics {
            require(rows.size == 3 && rows.all { it.size == 3 }) { "K must be 3x3" }
            require(rows[1][0] == 0.0 && rows[2] == listOf(0.0, 0.0, 1.0)) { "K must be [[fx, s, cx], [0, fy, cy], [0, 0, 1]], got $rows" }
            return Intrinsics(rows[0][0], rows[1][1], rows[0][2], rows[1][2], rows[0][1])
        }

        /**
         * For a frame without calibration (the Python `default_intrinsics`): focal length the longer
         * side (about 53 degrees across it), principal point the frame centre `((W - 1) / 2, (H - 1) / 2)`.
         */
        fun default(width: Int, height: Int, focalPx: Double? = null): Intrinsics {
            val f = focalPx ?: maxOf(width, height).toDouble()
            return Intrinsics(f, f, (width - 1) / 2.0, (height - 1) / 2.0)
        }
    }
}
