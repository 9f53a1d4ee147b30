// The reprojection residual of xyz + t against uv and its Jacobian in t, for the Gauss-Newton steps
// of CameraRegistration.solveTranslation (the Python `_residual_and_jacobian`).

import Foundation

/// Layout as the Python's: `[2N]`, the u residuals of every joint, then the v residuals, px; the
/// Jacobian columns `jx`, `jy`, `jz` in px per metre.
struct ReprojectionResidual {
    let r: [Double]
    let jx: [Double]
    let jy: [Double]
    let jz: [Double]
    /// Sum of squared residuals, px^2.
    let cost: Double

    /// At translation `t` (metres); nil when a point has depth <= 0.
    static func at(_ xyz: [SIMD3<Double>], _ uv: [SIMD2<Double>], _ k: CameraIntrinsics, _ t: SIMD3<Double>) -> ReprojectionResidual? {
        let n = xyz.count
        var r = [Double](repeating: 0, count: 2 * n)
        var jx = [Double](repeating: 0, count: 2 * n)
        var jy = [Double](repeating: 0, count: 2 * n)
        var jz = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let z = xyz[i].z + t.z
            if z <= 0 { return nil }
            let inv = 1.0 / z
            let y = xyz[i].y + t.y
            let numU = k.fx * (xyz[i].x + t.x) + k.skew * y
            let numV = k.fy * y
            r[i] = numU * inv + (k.cx - uv[i].x)
            r[n + i] = numV * inv + (k.cy - uv[i].y)
            jx[i] = k.fx * inv
            jy[i] = k.skew * inv
            jz[i] = -numU * inv * inv
            jy[n + i] = k.fy * inv
            jz[n + i] = -numV * inv * inv
        }
        return ReprojectionResidual(r: r, jx: jx, jy: jy, jz: jz, cost: SmallLinearSystems.dot(r, r))
    }

    /// The Gauss-Newton step `(J^T J)^-1 J^T (-r)`, metres; only `t_x, t_y` move (the step's `t_z`
    /// is 0) while `t_z` sits on a bound and the gradient pushes it outward.
    func gaussNewtonStep(tz: Double, bounds: ClosedRange<Double>) throws -> SIMD3<Double> {
        let gradZ = SmallLinearSystems.dot(jz, r)
        let zFixed = (tz <= bounds.lowerBound && gradZ > 0) || (tz >= bounds.upperBound && gradZ < 0)
        let minusR = r.map { -$0 }
        if zFixed {
            let step = try SmallLinearSystems.leastSquares(columns: [jx, jy], minusR)
            return SIMD3(step[0], step[1], 0)
        }
        let step = try SmallLinearSystems.leastSquares(columns: [jx, jy, jz], minusR)
        return SIMD3(step[0], step[1], step[2])
    }
}
