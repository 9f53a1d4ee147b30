// The network's outputs in task units: metres and crop pixels.

import Foundation

/// One hand: the mesh and the 2D joints of one 128 x 128 crop.
public struct HandMeshPrediction {
    /// [778] MANO-topology vertices, root-relative (wrist), camera axes, metres.
    public let verticesMetres: [SIMD3<Float>]
    /// [21] 2D joints (x, y) in crop pixels (0...128), FreiHAND/MPII order. Map them back to the
    /// camera image through the crop transform.
    public let jointsPixels: [SIMD2<Float>]
}

public enum HandMeshDecoding {
    /// verts are in units of 0.2 m (bundle.json `units.verts.to_metres`).
    public static let metresPerUnit: Float = 0.2
    /// uv is divided by the 128-px crop (`units.uv.to_pixels`).
    public static let pixelsPerUnit: Float = 128
    public static let vertexCount = 778
    public static let jointCount = 21

    /// Raw outputs of one inference to task units.
    ///
    /// - Parameters:
    ///   - verts: [778 x 3] float32, units of 0.2 m.
    ///   - uv: [21 x 2] float32, crop units.
    public static func decode(verts: [Float], uv: [Float], metresPerUnit: Float = metresPerUnit,
                              pixelsPerUnit: Float = pixelsPerUnit) throws -> HandMeshPrediction {
        guard verts.count == vertexCount * 3, uv.count == jointCount * 2 else {
            throw HandMeshError.badOutput("verts has \(verts.count) values (expected \(vertexCount * 3)), uv \(uv.count) (expected \(jointCount * 2))")
        }
        let vertices = (0..<vertexCount).map { i in
            SIMD3<Float>(verts[3 * i], verts[3 * i + 1], verts[3 * i + 2]) * metresPerUnit
        }
        let joints = (0..<jointCount).map { j in SIMD2<Float>(uv[2 * j], uv[2 * j + 1]) * pixelsPerUnit }
        return HandMeshPrediction(verticesMetres: vertices, jointsPixels: joints)
    }
}

public enum HandMeshError: Error, CustomStringConvertible {
    case badImage(String)
    case badOutput(String)

    public var description: String {
        switch self {
        case let .badImage(message), let .badOutput(message): return message
        }
    }
}
