// The app-team facade on a real CVPixelBuffer (macOS has CoreVideo too, so `swift test` runs this on
// a Mac): a BGRA camera buffer, with the row padding CoreVideo chooses, reaches the network as the
// same input the core makes from packed RGB bytes of the same picture, and the hand comes back at
// the translation its 2D joints were made with.

import CoreVideo
import Foundation
import MobReconHand
import MobReconHarness
import XCTest

/// A session that keeps the input it was given and answers with fixed outputs.
final class RecordingSession: InferenceSession {
    var input: [Float] = []
    let outputs: [String: [Float]]

    init(outputs: [String: [Float]]) { self.outputs = outputs }

    func setInput(_ values: ArraySlice<Float>) throws { input = Array(values) }
    func run() throws {}
    func lastOutputs() throws -> [String: [Float]] { outputs }
}

final class HandMeshPipelineTests: XCTestCase {
    let width = 96
    let height = 72

    /// value(x, y, c) = (7 x + 13 y + 50 c) mod 256 for red, green, blue.
    func value(_ x: Int, _ y: Int, _ channel: Int) -> UInt8 { UInt8((7 * x + 13 * y + 50 * channel) % 256) }

    func bgraBuffer() throws -> CVPixelBuffer {
        var created: CVPixelBuffer?
        XCTAssertEqual(CVPixelBufferCreate(kCFAllocatorDefault, width, height, kCVPixelFormatType_32BGRA, nil, &created), kCVReturnSuccess)
        let buffer = try XCTUnwrap(created)
        XCTAssertEqual(CVPixelBufferLockBaseAddress(buffer, []), kCVReturnSuccess)
        defer { CVPixelBufferUnlockBaseAddress(buffer, []) }
        let base = try XCTUnwrap(CVPixelBufferGetBaseAddress(buffer)).assumingMemoryBound(to: UInt8.self)
        let bytesPerRow = CVPixelBufferGetBytesPerRow(buffer)
        for y in 0..<height {
            for x in 0..<width {
                let pixel = y * bytesPerRow + 4 * x
                base[pixel] = value(x, y, 2)
                base[pixel + 1] = value(x, y, 1)
                base[pixel + 2] = value(x, y, 0)
                base[pixel + 3] = 255
            }
        }
        return buffer
    }

    func testABGRACameraBufferGivesTheNetworkTheInputOfPackedRGB() throws {
        let kFrame = try CameraIntrinsics(fx: 120, fy: 120, cx: 47.5, cy: 35.5)
        let box = try HandBox(x: 30, y: 20, width: 36, height: 30)
        let crop = try HandCrop.transform(box: box)
        // 21 vertices, MANO joint j = vertex j; the network's uv are their projections at t into the crop
        let t = SIMD3<Double>(0.01, -0.005, 0.4)
        let vertsUnits: [Float] = (0..<63).map { i in i < 3 ? 0 : Float((i * 37) % 19 - 9) / 40 }
        let vertsMetres = try HandOutputs.vertsMetres(vertsUnits)
        let regressor = try JointRegressor(jointCount: 21, vertexCount: 21,
                                           weights: (0..<(21 * 21)).map { $0 / 21 == $0 % 21 ? 1 : 0 })
        let uvPx = try crop.intrinsics(kFrame).project(HandOutputs.cameraSpace(regressor.jointsMpii(vertsMetres), t: t))
        let session = RecordingSession(outputs: ["verts": vertsUnits, "uv": uvPx.flatMap { [Float($0.x / 128), Float($0.y / 128)] }])
        let pipeline = try HandMeshPipeline(model: HandMeshModel(session: session), regressor: regressor)

        let buffer = try bgraBuffer()
        let hand = try pipeline.reconstruct(pixelBuffer: buffer, box: box, handedness: .right, intrinsics: kFrame)

        let rgb = (0..<(width * height * 3)).map { i in value(i / 3 % width, i / 3 / width, i % 3) }
        let expected = try PixelFrame.withBytes(rgb, width: width, height: height, layout: .rgb) {
            try AffineWarp.modelInput(AffineWarp.crop($0, crop))
        }
        XCTAssertEqual(session.input, expected, "the network input from the BGRA buffer")
        XCTAssertEqual(hand.registration.t.x, t.x, accuracy: 1e-6)
        XCTAssertEqual(hand.registration.t.y, t.y, accuracy: 1e-6)
        XCTAssertEqual(hand.registration.t.z, t.z, accuracy: 1e-6)
        XCTAssertEqual(hand.verticesCameraMetres.count, 21)
    }

    func testAnotherPixelFormatIsRefusedNamingTheCamerasFormat() throws {
        var created: CVPixelBuffer?
        XCTAssertEqual(CVPixelBufferCreate(kCFAllocatorDefault, width, height, kCVPixelFormatType_420YpCbCr8BiPlanarFullRange, nil, &created),
                       kCVReturnSuccess)
        let buffer = try XCTUnwrap(created)
        let regressor = try JointRegressor(jointCount: 21, vertexCount: 1, weights: [Double](repeating: 0, count: 21))
        let pipeline = try HandMeshPipeline(model: HandMeshModel(session: RecordingSession(outputs: [:])), regressor: regressor)
        XCTAssertThrowsError(try pipeline.reconstruct(pixelBuffer: buffer, box: HandBox(x: 0, y: 0, width: 10, height: 10), handedness: .left)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("'420f'") && message.contains("kCVPixelFormatType_32BGRA"), message)
        }
    }
}
