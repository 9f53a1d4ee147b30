// The network's outputs in task units (port of mobrecon/pipeline/outputs.py): vertices in metres,
// joints by the regressor in MANO and FreiHAND/MPII order, the camera-space mesh.
//
// Joint orders (HandMesh `mobrecon/tools/kinematics.py`):
// - MANO (what j_reg @ verts gives): wrist, index 0-2, middle 0-2, little 0-2, ring 0-2, thumb 0-2,
//   then the tips index, middle, little, ring, thumb (rows 16-20 of j_reg are one-hot on fingertips);
// - FreiHAND/MPII (the network's uv, FreiHAND's *_xyz.json, MediaPipe's landmarks): wrist, thumb
//   0-3, index 0-3, middle 0-3, ring 0-3, little 0-3.

import Foundation

public enum HandOutputs {
    /// The network's vertices are in units of 0.2 m (HandMesh: `std = 0.2`; bundle.json `units.verts.to_metres`).
    public static let vertsToMetres = 0.2

    /// Joint labels in MANO order (W wrist; I index, M middle, L little, R ring, T thumb; 0 = base, 3 = tip).
    public static let manoJoints = ["W", "I0", "I1", "I2", "M0", "M1", "M2", "L0", "L1", "L2", "R0", "R1", "R2", "T0", "T1", "T2",
                                    "I3", "M3", "L3", "R3", "T3"]

    /// Joint labels in FreiHAND/MPII order.
    public static let mpiiJoints = ["W", "T0", "T1", "T2", "T3", "I0", "I1", "I2", "I3", "M0", "M1", "M2", "M3", "R0", "R1", "R2", "R3",
                                    "L0", "L1", "L2", "L3"]

    /// `mpii[i] = mano[mpiiFromMano[i]]`: for each MPII joint, its row in MANO order (the Python `MANO_TO_MPII`).
    public static let mpiiFromMano: [Int] = HandOutputs.mpiiJoints.compactMap { HandOutputs.manoJoints.firstIndex(of: $0) }

    /// Network vertices `[N x 3]` flat (units of 0.2 m) -> `[N]` points in metres.
    ///
    /// - Throws: `PipelineError.badInput` unless the count is a positive multiple of 3.
    public static func vertsMetres(_ verts: [Float]) throws -> [SIMD3<Double>] {
        guard !verts.isEmpty, verts.count % 3 == 0 else { throw PipelineError.badInput("verts must be [N, 3], got \(verts.count) values") }
        return (0..<(verts.count / 3)).map { i in
            SIMD3(Double(verts[3 * i]), Double(verts[3 * i + 1]), Double(verts[3 * i + 2])) * vertsToMetres
        }
    }

    /// `[21]` MANO-order joints (any unit) reordered to FreiHAND/MPII order.
    ///
    /// - Throws: `PipelineError.badInput` unless there are 21.
    public static func mpiiOrder<Joint>(fromMano joints: [Joint]) throws -> [Joint] {
        guard joints.count == mpiiFromMano.count else {
            throw PipelineError.badInput("joints must be the \(mpiiFromMano.count) MANO joints, got \(joints.count)")
        }
        return mpiiFromMano.map { joints[$0] }
    }

    /// Points of a mirrored crop back to the real camera: `x -> -x`.
    ///
    /// The mirrored crop is the image of the world reflected in the camera's y-z plane, so its
    /// root-relative vertices reflect back by negating x; the mesh's triangle winding flips with it.
    public static func unmirrorPoints(_ points: [SIMD3<Double>]) -> [SIMD3<Double>] {
        points.map { SIMD3(-$0.x, $0.y, $0.z) }
    }

    /// Root-relative points (metres) plus `t` (metres): camera space, metres.
    public static func cameraSpace(_ points: [SIMD3<Double>], t: SIMD3<Double>) -> [SIMD3<Double>] {
        points.map { $0 + t }
    }
}

/// A vertex-to-joint regressor (`j_reg`, `[J, N]` row-major): joint j is `sum_n w[j, n] vert[n]`.
///
/// The bundle does not carry it: the app ships it, e.g. written on the host with
/// `np.load("j_reg.npy").astype("<f4").tofile("j_reg.f32")` from the HandMesh template.
public struct JointRegressor {
    /// J (21 for MANO).
    public let jointCount: Int
    /// N (778 for MANO).
    public let vertexCount: Int
    /// `[J x N]` row-major.
    public let weights: [Double]

    /// - Throws: `PipelineError.badInput` unless `weights` holds `jointCount x vertexCount` finite values.
    public init(jointCount: Int, vertexCount: Int, weights: [Double]) throws {
        guard jointCount > 0, vertexCount > 0, weights.count == jointCount * vertexCount, weights.allSatisfy({ $0.isFinite }) else {
            throw PipelineError.badInput("a joint regressor [\(jointCount), \(vertexCount)] needs \(jointCount * vertexCount) finite weights, got \(weights.count)")
        }
        self.jointCount = jointCount
        self.vertexCount = vertexCount
        self.weights = weights
    }

    /// From headerless little-endian float32 `[J, N]` bytes (a `.f32` file's contents).
    public init(littleEndianFloat32 data: Data, jointCount: Int, vertexCount: Int) throws {
        guard jointCount > 0, vertexCount > 0, data.count == 4 * jointCount * vertexCount else {
            throw PipelineError.badInput("a [\(jointCount), \(vertexCount)] float32 joint regressor is \(4 * jointCount * vertexCount) bytes, got \(data.count)")
        }
        try self.init(jointCount: jointCount, vertexCount: vertexCount, weights: RawTensorFile.floats(littleEndian: data).map { Double($0) })
    }

    /// From a `.f32` file (e.g. in the app bundle).
    public init(contentsOf url: URL, jointCount: Int = 21, vertexCount: Int = 778) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PipelineError.badInput("cannot read the joint regressor \(url.lastPathComponent): \(error.localizedDescription)")
        }
        try self.init(littleEndianFloat32: data, jointCount: jointCount, vertexCount: vertexCount)
    }

    /// `j_reg @ verts`: `[N]` vertices (any unit) -> `[J]` joints, MANO order, same unit.
    ///
    /// - Throws: `PipelineError.mismatch` when the vertex count is not the regressor's.
    public func jointsMano(_ verts: [SIMD3<Double>]) throws -> [SIMD3<Double>] {
        guard verts.count == vertexCount else {
            throw PipelineError.mismatch("the joint regressor [\(jointCount), \(vertexCount)] needs \(vertexCount) vertices, got \(verts.count)")
        }
        var joints = [SIMD3<Double>](repeating: .zero, count: jointCount)
        for j in 0..<jointCount {
            let row = j * vertexCount
            var acc = SIMD3<Double>.zero
            for n in 0..<vertexCount where weights[row + n] != 0 {
                acc += weights[row + n] * verts[n]
            }
            joints[j] = acc
        }
        return joints
    }

    /// `[N]` vertices -> `[21]` joints in FreiHAND/MPII order (`mano_to_mpii(j_reg @ verts)`), same unit.
    public func jointsMpii(_ verts: [SIMD3<Double>]) throws -> [SIMD3<Double>] {
        try HandOutputs.mpiiOrder(fromMano: jointsMano(verts))
    }
}
