// Camera-space registration (port of mobrecon/pipeline/registration.py): the translation t that
// puts the root-relative hand where its 2D joints are.
//
//     let reg = try CameraRegistration.register(xyz: jointsMetres, uv: uvCropPx, k: kCrop)   // MPII order
//     let verticesCamera = HandOutputs.cameraSpace(verticesMetres, t: reg.t)                // metres
//
// The reference (HandMesh `mobrecon/tools/registration.py`) minimises the squared pinhole
// reprojection error with SciPy SLSQP, t_z bounded to [0.05, 2] m, in rounds: while the mean
// per-joint loss of the previous round is above 2 px (the first round always runs) and fewer than 5
// rounds ran, fit the joints kept so far, score each by |(u' - u) + (v' - v)|, keep those below
// mean + std (population std); when fewer than 13 would be kept, stop with this round's t.
//
// Each round is solved without SciPy, as the Python does: the depth-multiplied residual is linear
// in t, so a 3-unknown least squares gives t in closed form (exact for noise-free projections; t_z
// clamped to the bounds and t_x, t_y re-solved when it leaves them), then Gauss-Newton steps on the
// reprojection residual with a halving line search, t_z projected onto the bounds and held there
// while the gradient pushes outward. Means and standard deviations are numpy's pairwise sums
// (NumpyReductions), so the outlier selection is numpy's.

import Foundation

/// Result of `CameraRegistration.register`.
public struct RegistrationResult: Equatable {
    /// Translation, metres (camera space = root-relative + t).
    public let t: SIMD3<Double>
    /// Rounds run (1...maxRounds).
    public let rounds: Int
    /// Indices of the joints the final round was fitted to, ascending.
    public let jointsUsed: [Int]
    /// Mean of the reference's per-joint loss |du + dv| over `jointsUsed`, px.
    public let lossPx: Double
    /// Root-mean-square reprojection error over the coordinates of `jointsUsed`, px.
    public let rmsPx: Double
    /// t_z ended on a bound.
    public let zAtBound: Bool
}

public enum CameraRegistration {
    /// Bounds on t_z, metres (HandMesh `mobrecon/tools/registration.py`).
    public static let zBoundsMetres: ClosedRange<Double> = 0.05...2.0
    /// The reference's SLSQP start, metres; used here only when a joint is behind the camera at the closed form.
    public static let startMetres = SIMD3<Double>(0, 0, 0.6)
    /// At most this many rounds.
    public static let maxRounds = 5
    /// A round whose selection would keep fewer joints than this ends the registration.
    public static let minJoints = 13
    /// Rounds continue while the mean per-joint loss is above this, px.
    public static let stopLossPx = 2.0
    static let gaussNewtonIterations = 50
    static let gaussNewtonStepToleranceMetres = 1e-12

    /// The reference's registration rounds, each solved by `solveTranslation`.
    ///
    /// - Parameters:
    ///   - xyz: `[J]` root-relative joints regressed from the mesh, metres, in the order of `uv`
    ///     (MPII: `JointRegressor.jointsMpii`).
    ///   - uv: `[J]` predicted 2D joints, un-mirrored crop px (the network's uv x 128).
    ///   - k: crop intrinsics (`CropTransform.intrinsics`).
    ///   - zBounds: metres for t_z.
    /// - Throws: `PipelineError.badInput` on arrays of different sizes, non-finite values, or joints
    ///   that do not determine t.
    public static func register(xyz: [SIMD3<Double>], uv: [SIMD2<Double>], k: CameraIntrinsics,
                                zBounds: ClosedRange<Double> = CameraRegistration.zBoundsMetres,
                                maxRounds: Int = CameraRegistration.maxRounds, minJoints: Int = CameraRegistration.minJoints,
                                stopLossPx: Double = CameraRegistration.stopLossPx) throws -> RegistrationResult {
        guard !xyz.isEmpty, uv.count == xyz.count else {
            throw PipelineError.badInput("registration needs xyz [J, 3] and uv [J, 2] with the same J > 0, got \(xyz.count) and \(uv.count) joints")
        }
        guard xyz.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }), uv.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
            throw PipelineError.badInput("registration inputs must be finite")
        }
        var idx = Array(0..<xyz.count)
        var select = [Bool](repeating: true, count: xyz.count)
        var t = startMetres
        var lossMean = Double.infinity
        var rounds = 0
        while lossMean > stopLossPx && rounds < maxRounds {
            idx = zip(idx, select).filter { $0.1 }.map { $0.0 }
            let x = idx.map { xyz[$0] }
            let u = idx.map { uv[$0] }
            t = try solveTranslation(xyz: x, uv: u, k: k, zBounds: zBounds)
            rounds += 1
            let loss = jointLoss(xyz: x, uv: u, k: k, t: t)
            lossMean = NumpyReductions.mean(loss)
            let limit = lossMean + NumpyReductions.populationStd(loss, around: lossMean)
            select = loss.map { $0 < limit }
            if select.filter({ $0 }).count < minJoints { break }
        }
        let x = idx.map { xyz[$0] }
        let u = idx.map { uv[$0] }
        var squares: [Double] = []
        for (p, target) in zip(k.project(x.map { $0 + t }), u) {
            squares.append((p.x - target.x) * (p.x - target.x))
            squares.append((p.y - target.y) * (p.y - target.y))
        }
        return RegistrationResult(t: t, rounds: rounds, jointsUsed: idx, lossPx: lossMean, rmsPx: NumpyReductions.mean(squares).squareRoot(),
                                  zAtBound: t.z <= zBounds.lowerBound || t.z >= zBounds.upperBound)
    }

    /// The reference's per-joint loss `|(u' - u) + (v' - v)|`, px: `[N]`.
    public static func jointLoss(xyz: [SIMD3<Double>], uv: [SIMD2<Double>], k: CameraIntrinsics, t: SIMD3<Double>) -> [Double] {
        zip(xyz, uv).map { point, target -> Double in
            let p = k.project(point + t)
            return abs((p.x - target.x) + (p.y - target.y))
        }
    }

    /// One round: the t (metres) minimising the squared reprojection error of `xyz` (`[N]` m)
    /// against `uv` (`[N]` px), t_z within `zBounds`.
    public static func solveTranslation(xyz: [SIMD3<Double>], uv: [SIMD2<Double>], k: CameraIntrinsics,
                                        zBounds: ClosedRange<Double> = CameraRegistration.zBoundsMetres) throws -> SIMD3<Double> {
        let lo = zBounds.lowerBound
        let hi = zBounds.upperBound
        var t = try algebraic(xyz: xyz, uv: uv, k: k, zBounds: zBounds)
        var current: ReprojectionResidual
        if let atClosedForm = ReprojectionResidual.at(xyz, uv, k, t) {
            current = atClosedForm
        } else {
            // a joint behind the camera at the closed form: start from the reference's start
            t = SIMD3(startMetres.x, startMetres.y, min(max(startMetres.z, lo), hi))
            guard let atStart = ReprojectionResidual.at(xyz, uv, k, t) else { return t }
            current = atStart
        }
        for _ in 0..<gaussNewtonIterations {
            let step = try current.gaussNewtonStep(tz: t.z, bounds: zBounds)
            if max(abs(step.x), abs(step.y), abs(step.z)) < gaussNewtonStepToleranceMetres { break }
            var alpha = 1.0
            var accepted: (t: SIMD3<Double>, residual: ReprojectionResidual)?
            while alpha > 1e-8 {
                var candidate = t + alpha * step
                candidate.z = min(max(candidate.z, lo), hi)
                if let got = ReprojectionResidual.at(xyz, uv, k, candidate), got.cost <= current.cost * (1.0 + 1e-12) {
                    accepted = (candidate, got)
                    break
                }
                alpha *= 0.5
            }
            guard let next = accepted else { break }
            let moved = max(abs(next.t.x - t.x), abs(next.t.y - t.y), abs(next.t.z - t.z))
            t = next.t
            current = next.residual
            if moved < gaussNewtonStepToleranceMetres { break }
        }
        return t
    }

    /// Closed-form t of the depth-multiplied residual, t_z clamped to the bounds (and t_x, t_y re-solved) if it leaves them.
    static func algebraic(xyz: [SIMD3<Double>], uv: [SIMD2<Double>], k: CameraIntrinsics, zBounds: ClosedRange<Double>) throws -> SIMD3<Double> {
        let n = xyz.count
        // rows: fx tx + s ty + (cx - u) tz = -(fx X + s Y + (cx - u) Z);  fy ty + (cy - v) tz = -(fy Y + (cy - v) Z)
        var c0 = [Double](repeating: 0, count: 2 * n)
        var c1 = [Double](repeating: 0, count: 2 * n)
        var c2 = [Double](repeating: 0, count: 2 * n)
        var b = [Double](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let du = k.cx - uv[i].x
            let dv = k.cy - uv[i].y
            let p = xyz[i]
            c0[i] = k.fx
            c1[i] = k.skew
            c2[i] = du
            b[i] = -(k.fx * p.x + k.skew * p.y + du * p.z)
            c1[n + i] = k.fy
            c2[n + i] = dv
            b[n + i] = -(k.fy * p.y + dv * p.z)
        }
        var t = try SmallLinearSystems.leastSquares(columns: [c0, c1, c2], b)
        if !(t[2] >= zBounds.lowerBound && t[2] <= zBounds.upperBound) {
            t[2] = min(max(t[2], zBounds.lowerBound), zBounds.upperBound)
            let rhs = (0..<(2 * n)).map { b[$0] - c2[$0] * t[2] }
            let txy = try SmallLinearSystems.leastSquares(columns: [c0, c1], rhs)
            t[0] = txy[0]
            t[1] = txy[1]
        }
        return SIMD3(t[0], t[1], t[2])
    }
}
