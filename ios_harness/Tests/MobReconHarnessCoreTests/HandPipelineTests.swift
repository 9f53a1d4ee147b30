// The chained pipeline with a fake network that "sees" a known hand: its outputs are the hand's
// vertices and the projections of its joints into the crop the pipeline made (mirrored for a left
// hand), so the pipeline must give back the known camera-space mesh.

import Foundation
import MobReconHarness
import XCTest

/// SplitMix64: a seeded generator, so the known hand is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A hand of 25 vertices (MANO joint j is vertex j) at a known translation in front of a known camera.
struct KnownHand {
    static let vertexCount = 25
    let kFrame: CameraIntrinsics
    let t = SIMD3<Double>(0.03, -0.02, 0.5)
    let regressor: JointRegressor
    /// Root-relative, metres, rounded to what the network's float32 (units of 0.2 m) can hold.
    let verticesRoot: [SIMD3<Double>]

    init() throws {
        kFrame = try CameraIntrinsics(fx: 600, fy: 600, cx: 319.5, cy: 239.5)
        var weights = [Double](repeating: 0, count: 21 * KnownHand.vertexCount)
        for j in 0..<21 { weights[j * KnownHand.vertexCount + j] = 1 }
        regressor = try JointRegressor(jointCount: 21, vertexCount: KnownHand.vertexCount, weights: weights)
        var random = SeededGenerator(state: 12)
        let units: [Float] = (0..<(3 * KnownHand.vertexCount)).map { i in i < 3 ? 0 : Float.random(in: -0.25..<0.25, using: &random) }
        verticesRoot = try HandOutputs.vertsMetres(units)
    }

    var verticesCamera: [SIMD3<Double>] { HandOutputs.cameraSpace(verticesRoot, t: t) }

    /// A box around the projected hand, with a margin.
    func box() throws -> HandBox {
        let uv = kFrame.project(verticesCamera)
        let xs = uv.map(\.x)
        let ys = uv.map(\.y)
        let (minX, maxX, minY, maxY) = (xs.min() ?? 0, xs.max() ?? 0, ys.min() ?? 0, ys.max() ?? 0)
        return try HandBox(x: minX - 10, y: minY - 5, width: maxX - minX + 20, height: maxY - minY + 10)
    }
}

/// What a perfect network outputs for the crop `crop` of the known hand, and the inputs it was given.
final class KnownHandModel: MeshModel {
    let hand: KnownHand
    let crop: CropTransform
    var inputs: [[Float]] = []

    init(hand: KnownHand, crop: CropTransform) {
        self.hand = hand
        self.crop = crop
    }

    func run(input: [Float]) throws -> MeshOutput {
        inputs.append(input)
        let seen = crop.mirrored ? HandOutputs.unmirrorPoints(hand.verticesRoot) : hand.verticesRoot
        let joints = try hand.regressor.jointsMpii(hand.verticesRoot)
        let uvPx = crop.intrinsics(hand.kFrame).project(HandOutputs.cameraSpace(joints, t: hand.t))
        let uvSeen = crop.unmirrorUV(uvPx)  // x -> 128 - x is its own inverse
        let size = Double(crop.size)
        return try MeshOutput(verts: seen.flatMap { p in [p.x, p.y, p.z].map { Float($0 / HandOutputs.vertsToMetres) } },
                              uv: uvSeen.flatMap { [Float($0.x / size), Float($0.y / size)] })
    }
}

final class HandPipelineTests: XCTestCase {
    var hand: KnownHand!
    /// A 640 x 480 RGBA frame with a pattern that differs under mirroring, (7 x + 13 y + 50 c) mod 256.
    var frameBytes: [UInt8] = []

    override func setUpWithError() throws {
        hand = try KnownHand()
        frameBytes = (0..<(640 * 480 * 4)).map { i in UInt8((7 * (i / 4 % 640) + 13 * (i / 4 / 640) + 50 * (i % 4)) % 256) }
    }

    func reconstruct(_ handedness: Handedness) throws -> (HandReconstruction, KnownHandModel) {
        let box = try hand.box()
        let model = try KnownHandModel(hand: hand, crop: HandCrop.transform(box: box, mirrored: handedness == .left))
        let pipeline = try HandPipeline(model: model, regressor: hand.regressor)
        let result = try PixelFrame.withBytes(frameBytes, width: 640, height: 480, layout: .rgba) { frame in
            try pipeline.run(frame: frame, intrinsics: hand.kFrame, box: box, handedness: handedness)
        }
        return (result, model)
    }

    func assertClose(_ expected: [Double], _ actual: [Double], _ tolerance: Double, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(expected.count, actual.count, what, file: file, line: line)
        let worst = zip(expected, actual).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, tolerance, "\(what): max |diff| \(worst)", file: file, line: line)
    }

    func flat3(_ points: [SIMD3<Double>]) -> [Double] { points.flatMap { [$0.x, $0.y, $0.z] } }

    func testARightHandComesBackInCameraSpace() throws {
        let (result, _) = try reconstruct(.right)
        assertClose([hand.t.x, hand.t.y, hand.t.z], [result.registration.t.x, result.registration.t.y, result.registration.t.z], 1e-6, "t (m)")
        assertClose(flat3(hand.verticesCamera), flat3(result.verticesCameraMetres), 1e-6, "camera-space vertices (m)")
        let jointsCamera = try HandOutputs.cameraSpace(hand.regressor.jointsMpii(hand.verticesRoot), t: hand.t)
        assertClose(flat(hand.kFrame.project(jointsCamera)), flat(result.uvFramePixels), 1e-3, "2D joints in the frame (px)")
        assertClose(flat(result.uvFramePixels), flat(result.jointsFramePixels()), 1e-3, "registered joints reproject onto the 2D joints (px)")
        XCTAssertEqual(result.registration.rounds, 1)
        XCTAssertEqual(result.registration.jointsUsed, Array(0..<21))
    }

    func testALeftHandIsMirroredForTheNetworkAndUnmirroredAfter() throws {
        let (left, leftModel) = try reconstruct(.left)
        let (right, rightModel) = try reconstruct(.right)
        XCTAssertTrue(left.crop.mirrored && !right.crop.mirrored)
        assertClose(flat3(right.verticesCameraMetres), flat3(left.verticesCameraMetres), 1e-6, "left vs right camera-space vertices (m)")
        assertClose([hand.t.x, hand.t.y, hand.t.z], [left.registration.t.x, left.registration.t.y, left.registration.t.z], 1e-6, "t (m)")
        assertClose(flat(right.uvFramePixels), flat(left.uvFramePixels), 1e-3, "left vs right 2D joints in the frame (px)")
        assertClose(right.kCrop.rows.flatMap { $0 }, left.kCrop.rows.flatMap { $0 }, 1e-12, "K of the un-mirrored crop")
        // the left hand's input is the right hand's, columns reflected about crop x = 64: column c <- column 128 - c
        XCTAssertEqual(leftModel.inputs.count, 1)
        XCTAssertEqual(rightModel.inputs.count, 1)
        let l = try XCTUnwrap(leftModel.inputs.first)
        let r = try XCTUnwrap(rightModel.inputs.first)
        XCTAssertEqual(l.count, 3 * 128 * 128)
        XCTAssertGreaterThan(Set(l).count, 100, "the crop is not uniform (the check below means something)")
        var worst: Float = 0
        for channel in 0..<3 {
            for y in 0..<128 {
                for x in 1..<128 {
                    worst = max(worst, abs(r[channel * 128 * 128 + y * 128 + 128 - x] - l[channel * 128 * 128 + y * 128 + x]))
                }
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-5, "mirrored input")
    }

    func testABoxOutsideTheFrameOrAMeshOfAnotherSizeIsRefused() throws {
        let outside = try HandBox(x: 700, y: 10, width: 50, height: 50)
        let model = try KnownHandModel(hand: hand, crop: HandCrop.transform(box: outside))
        try PixelFrame.withBytes(frameBytes, width: 640, height: 480, layout: .rgba) { frame in
            XCTAssertThrowsError(try HandPipeline(model: model, regressor: hand.regressor)
                .run(frame: frame, intrinsics: hand.kFrame, box: outside, handedness: .right))
            let other = try JointRegressor(jointCount: 21, vertexCount: KnownHand.vertexCount + 1,
                                           weights: [Double](repeating: 0, count: 21 * (KnownHand.vertexCount + 1)))
            let box = try hand.box()
            XCTAssertThrowsError(try HandPipeline(model: KnownHandModel(hand: hand, crop: HandCrop.transform(box: box)), regressor: other)
                .run(frame: frame, intrinsics: hand.kFrame, box: box, handedness: .right)) { error in
                XCTAssertTrue(String(describing: error).contains("different meshes"), String(describing: error))
            }
        }
        let sixteen = try JointRegressor(jointCount: 16, vertexCount: KnownHand.vertexCount, weights: [Double](repeating: 0, count: 16 * KnownHand.vertexCount))
        XCTAssertThrowsError(try HandPipeline(model: model, regressor: sixteen))
    }
}
