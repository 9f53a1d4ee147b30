// The warp, the network input, the outputs in task units and numpy's sums: answers known by
// construction (or, for the sums, numpy's own: `np.sum(np.full(10, 0.1))` is 1.0).

import Foundation
@testable import MobReconHarness
import XCTest

final class WarpKnownAnswerTests: XCTestCase {
    func testModelInputIsNCHWAndNormalisedToMinusOneOne() throws {
        let s = 2
        // pixel p has R = 0, G = 255, B = 51 p
        let crop: [Float] = (0..<(s * s * 3)).map { i in [0, 255, 51 * Float(i / 3)][i % 3] }
        let x = try AffineWarp.modelInput(crop, size: s)
        for p in 0..<(s * s) {
            XCTAssertEqual(x[p], -1)
            XCTAssertEqual(x[s * s + p], 1)
            XCTAssertEqual(x[2 * s * s + p], (51 * Float(p) / 255 - 0.5) / 0.5)
        }
        XCTAssertThrowsError(try AffineWarp.modelInput([Float](repeating: 0, count: 10), size: s))
    }

    func testIdentityHalfPixelShiftAndTheZeroBorder() throws {
        let bytes: [UInt8] = (0..<12).map { UInt8($0 * 20) }  // 2 x 2 RGB
        try PixelFrame.withBytes(bytes, width: 2, height: 2, layout: .rgb) { frame in
            let identity = try AffineWarp.warp(frame, matrix: Affine2x3(1, 0, 0, 0, 1, 0), width: 2, height: 2)
            XCTAssertEqual(identity, bytes.map { Float($0) })
            // output x samples the frame at x + 0.5: the mean of columns 0 and 1; beyond the last column, half of it is border 0
            let shifted = try AffineWarp.warp(frame, matrix: Affine2x3(1, 0, -0.5, 0, 1, 0), width: 2, height: 1)
            for c in 0..<3 {
                XCTAssertEqual(shifted[c], Float(c * 20 + (3 + c) * 20) / 2)
                XCTAssertEqual(shifted[3 + c], Float((3 + c) * 20) / 2)
            }
        }
    }

    func testBGRAAndRGBAFramesAreReadAsRGB() throws {
        let identity = Affine2x3(1, 0, 0, 0, 1, 0)
        let bgra = try PixelFrame.withBytes([10, 20, 30, 255], width: 1, height: 1, layout: .bgra) {
            try AffineWarp.warp($0, matrix: identity, width: 1, height: 1)
        }
        XCTAssertEqual(bgra, [30, 20, 10])
        let rgba = try PixelFrame.withBytes([10, 20, 30, 255], width: 1, height: 1, layout: .rgba) {
            try AffineWarp.warp($0, matrix: identity, width: 1, height: 1)
        }
        XCTAssertEqual(rgba, [10, 20, 30])
    }

    func testFrameSizesAreChecked() throws {
        XCTAssertThrowsError(try PixelFrame.withBytes([UInt8](repeating: 0, count: 4 * 4 * 4 - 1), width: 4, height: 4, layout: .bgra) { _ in })
        XCTAssertThrowsError(try PixelFrame.withBytes([UInt8](repeating: 0, count: 100), width: 4, height: 4, bytesPerRow: 15, layout: .rgba) { _ in })
        XCTAssertThrowsError(try PixelFrame.withBytes([UInt8](repeating: 0, count: 12), width: 2, height: 2, layout: .rgb) {
            try AffineWarp.warp($0, matrix: Affine2x3(1, 2, 0, 2, 4, 0), width: 2, height: 2)  // singular
        })
        XCTAssertThrowsError(try HandBox(x: 0, y: 0, width: 0, height: 10))
        XCTAssertThrowsError(try HandBox(x: .nan, y: 0, width: 10, height: 10))
    }
}

final class OutputsKnownAnswerTests: XCTestCase {
    func testVertsToMetresUnmirrorAndCameraSpace() throws {
        let m = try HandOutputs.vertsMetres([1, -0.5, 0.25, 0, 2, -1])
        XCTAssertEqual(m.count, 2)
        for (got, want) in zip(m.flatMap { [$0.x, $0.y, $0.z] }, [0.2, -0.1, 0.05, 0, 0.4, -0.2]) {
            XCTAssertEqual(got, want, accuracy: 1e-12)
        }
        XCTAssertEqual(HandOutputs.unmirrorPoints(m), [SIMD3(-m[0].x, m[0].y, m[0].z), SIMD3(-m[1].x, m[1].y, m[1].z)])
        let t = SIMD3<Double>(0.01, 0.02, 0.5)
        XCTAssertEqual(HandOutputs.cameraSpace(m, t: t), [m[0] + t, m[1] + t])
        XCTAssertThrowsError(try HandOutputs.vertsMetres([1, 2]))
    }

    func testJointsByTheRegressorInManoAndMpiiOrder() throws {
        // 23 vertices; vertex n at (n, 10 n, 100 n). MANO joint j is vertex j + 2, except the wrist,
        // the mean of vertices 0 and 1.
        let n = 23
        var w = [Double](repeating: 0, count: 21 * n)
        w[0] = 0.5
        w[1] = 0.5
        for j in 1..<21 { w[j * n + j + 2] = 1 }
        let verts = (0..<n).map { SIMD3(Double($0), 10 * Double($0), 100 * Double($0)) }
        let regressor = try JointRegressor(jointCount: 21, vertexCount: n, weights: w)
        let mano = try regressor.jointsMano(verts)
        XCTAssertEqual(mano[0], SIMD3(0.5, 5, 50))
        for j in 1..<21 { XCTAssertEqual(mano[j], verts[j + 2], "MANO joint \(j)") }
        // the MANO row of each MPII joint, from the two orders (HandMesh kinematics.py): wrist; thumb
        // 0-2 = MANO 13-15, thumb tip = 20; index 1-3, tip 16; middle 4-6, tip 17; ring 10-12, tip 19;
        // little 7-9, tip 18
        let manoRowOfMpii = [0, 13, 14, 15, 20, 1, 2, 3, 16, 4, 5, 6, 17, 10, 11, 12, 19, 7, 8, 9, 18]
        let mpii = try regressor.jointsMpii(verts)
        XCTAssertEqual(mpii.count, 21)
        for i in 0..<21 { XCTAssertEqual(mpii[i], mano[manoRowOfMpii[i]], "MPII joint \(HandOutputs.mpiiJoints[i])") }
        XCTAssertEqual(HandOutputs.mpiiFromMano, manoRowOfMpii)
        XCTAssertEqual(HandOutputs.mpiiFromMano.map { HandOutputs.manoJoints[$0] }, HandOutputs.mpiiJoints)
        XCTAssertThrowsError(try regressor.jointsMano(Array(verts.dropLast())))
        XCTAssertThrowsError(try HandOutputs.mpiiOrder(fromMano: Array(mano.dropLast())))
    }

    func testRegressorFromLittleEndianFloat32() throws {
        let values = (0..<42).map { Float($0) * 0.5 }
        let bytes = Tensor(name: "j_reg", shape: [21, 2], values: values).littleEndianBytes
        let regressor = try JointRegressor(littleEndianFloat32: bytes, jointCount: 21, vertexCount: 2)
        XCTAssertEqual(regressor.vertexCount, 2)
        XCTAssertEqual(regressor.weights[41], 20.5)
        XCTAssertThrowsError(try JointRegressor(littleEndianFloat32: bytes, jointCount: 21, vertexCount: 3))
    }
}

final class NumpySumTests: XCTestCase {
    /// numpy's results (`np.sum`, `np.mean`, `np.std` of these arrays), not the sequential sums.
    func testSumsAreNumpysPairwiseSums() {
        let tenths = [Double](repeating: 0.1, count: 10)
        XCTAssertEqual(NumpyReductions.sum(tenths), 1.0)                      // 8 accumulators, then the remainder
        XCTAssertEqual(tenths.reduce(0, +), 0.9999999999999999)               // what a plain loop gives
        XCTAssertEqual(NumpyReductions.sum([Double](repeating: 0.1, count: 7)), 0.7)   // fewer than 8: in order
        let ramp = (0..<200).map { Double($0) * 0.1 }
        XCTAssertEqual(NumpyReductions.sum(ramp), 1990.0)                     // split in halves beyond 128
        XCTAssertEqual(ramp.reduce(0, +), 1990.0000000000002)
        XCTAssertEqual(NumpyReductions.mean(tenths), 0.1)
        XCTAssertEqual(NumpyReductions.populationStd([1, 2, 3, 4], around: 2.5), 1.118033988749895)
    }
}
