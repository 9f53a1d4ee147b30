// For app code: a camera frame and a hand box in, the hand mesh in camera space (metres) out.
//
//     let model = try HandMeshModel.coreML(package: packageURL, computeUnits: .all)
//     let regressor = try JointRegressor(contentsOf: regressorURL)          // j_reg.f32, [21, 778] float32
//     let pipeline = try HandMeshPipeline(model: model, regressor: regressor)
//
//     // AVCaptureVideoDataOutput with videoSettings [kCVPixelBufferPixelFormatTypeKey: kCVPixelFormatType_32BGRA],
//     // its connection's isCameraIntrinsicMatrixDeliveryEnabled = true, a hand box from a detector:
//     func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection) {
//         guard let buffer = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
//         let hand = try pipeline.reconstruct(pixelBuffer: buffer, box: box, handedness: .left,
//                                             intrinsics: CameraIntrinsics.of(sampleBuffer: sampleBuffer))
//         hand.verticesCameraMetres    // [778] SIMD3<Double>, metres, camera space (x right, y down, z forward)
//         hand.verticesFramePixels()   // [778] SIMD2<Double>, px of the buffer, to draw the mesh over it
//     }
//
// The steps are the core's HandPipeline (MobReconHarness/Pipeline, the Swift port of the Python
// `mobrecon.pipeline`, tested against the shared vectors in tests/vectors/pipeline): the
// reference's 1.3x square crop to 128 px (mirrored for a left hand), the network, vertices to metres,
// joints by the regressor, camera-space registration. Box, intrinsics and frame are in the buffer's
// orientation (the sensor's, landscape, unless the connection rotates it): detect in it, or rotate first.

import CoreGraphics
import CoreMedia
import CoreVideo
import Foundation
import MobReconHarness
import simd

public final class HandMeshPipeline {
    public let model: HandMeshModel
    let pipeline: HandPipeline

    /// - Parameters:
    ///   - model: the network (Core ML or any engine's session).
    ///   - regressor: `j_reg` of the mesh the model was exported with (HandMesh template `j_reg.npy`, [21, 778]).
    ///   - zBounds: registration bounds on t_z, metres.
    /// - Throws: `PipelineError.mismatch` when the regressor does not give the 21 MANO joints.
    public init(model: HandMeshModel, regressor: JointRegressor, zBounds: ClosedRange<Double> = CameraRegistration.zBoundsMetres) throws {
        self.model = model
        pipeline = try HandPipeline(model: model, regressor: regressor, zBounds: zBounds)
    }

    /// One hand of one camera frame.
    ///
    /// - Parameters:
    ///   - pixelBuffer: kCVPixelFormatType_32BGRA (the camera's), 32RGBA or 24RGB; read in place under a read-only lock.
    ///   - box: hand box, px of the buffer.
    ///   - intrinsics: px of the buffer; nil for `CameraIntrinsics.uncalibrated` (focal length = longer side).
    /// - Throws: `HandMeshError.badImage` for another pixel format or a buffer that cannot be locked;
    ///   `PipelineError` for a box outside the frame or a model that does not fit the regressor.
    public func reconstruct(pixelBuffer: CVPixelBuffer, box: HandBox, handedness: Handedness,
                            intrinsics: CameraIntrinsics? = nil) throws -> HandReconstruction {
        let layout = try HandMeshPipeline.layout(of: pixelBuffer)
        guard CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly) == kCVReturnSuccess else {
            throw HandMeshError.badImage("cannot lock the pixel buffer's base address")
        }
        defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }
        guard let base = CVPixelBufferGetBaseAddress(pixelBuffer) else {
            throw HandMeshError.badImage("the pixel buffer has no base address")
        }
        let width = CVPixelBufferGetWidth(pixelBuffer)
        let height = CVPixelBufferGetHeight(pixelBuffer)
        let frame = try PixelFrame(baseAddress: UnsafeRawPointer(base), width: width, height: height,
                                   bytesPerRow: CVPixelBufferGetBytesPerRow(pixelBuffer), layout: layout)
        let kFrame = try intrinsics ?? CameraIntrinsics.uncalibrated(width: width, height: height)
        return try pipeline.run(frame: frame, intrinsics: kFrame, box: box, handedness: handedness)
    }

    /// One hand of a photo (drawn into sRGB RGBX bytes at its own size, row 0 at the top).
    public func reconstruct(image: CGImage, box: HandBox, handedness: Handedness,
                            intrinsics: CameraIntrinsics? = nil) throws -> HandReconstruction {
        let width = image.width
        let height = image.height
        let rgba = try ImagePreprocessor.rgbaBytes(of: image, width: width, height: height)
        let kFrame = try intrinsics ?? CameraIntrinsics.uncalibrated(width: width, height: height)
        return try PixelFrame.withBytes(rgba, width: width, height: height, layout: .rgba) { frame in
            try pipeline.run(frame: frame, intrinsics: kFrame, box: box, handedness: handedness)
        }
    }

    /// The byte order of a pixel buffer's pixels.
    static func layout(of pixelBuffer: CVPixelBuffer) throws -> PixelLayout {
        let format = CVPixelBufferGetPixelFormatType(pixelBuffer)
        switch format {
        case kCVPixelFormatType_32BGRA: return .bgra
        case kCVPixelFormatType_32RGBA: return .rgba
        case kCVPixelFormatType_24RGB: return .rgb
        default:
            throw HandMeshError.badImage("pixel format \(fourCharacterCode(format)) is not 32BGRA, 32RGBA or 24RGB: ask the "
                + "AVCaptureVideoDataOutput for kCVPixelFormatType_32BGRA (videoSettings, kCVPixelBufferPixelFormatTypeKey)")
        }
    }

    /// `'420f'` for a printable code, the number otherwise.
    static func fourCharacterCode(_ code: OSType) -> String {
        let bytes = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: code >> $0) }
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return "\(code)" }
        return "'" + String(decoding: bytes, as: UTF8.self) + "'"
    }
}

extension CameraIntrinsics {
    /// From Apple's column-major `simd_float3x3` (columns `(fx, 0, 0)`, `(s, fy, 0)`, `(ox, oy, 1)`), px.
    ///
    /// Apple puts the origin at the upper left of the frame; whether at the corner or at the centre
    /// of the first pixel (a half-pixel shift of the principal point) it does not say.
    public init(_ matrix: simd_float3x3) throws {
        try self.init(fx: Double(matrix.columns.0.x), fy: Double(matrix.columns.1.y), cx: Double(matrix.columns.2.x),
                      cy: Double(matrix.columns.2.y), skew: Double(matrix.columns.1.x))
    }

    /// The intrinsics AVFoundation attached to a frame (`kCMSampleBufferAttachmentKey_CameraIntrinsicMatrix`,
    /// when the connection's `isCameraIntrinsicMatrixDeliveryEnabled` is set), px of its buffer; nil when absent.
    ///
    /// - Throws: `PipelineError.badInput` when the attachment is not a 3x3 float matrix.
    public static func of(sampleBuffer: CMSampleBuffer) throws -> CameraIntrinsics? {
        guard let data = CMGetAttachment(sampleBuffer, key: kCMSampleBufferAttachmentKey_CameraIntrinsicMatrix,
                                         attachmentModeOut: nil) as? Data else { return nil }
        guard data.count == MemoryLayout<simd_float3x3>.size else {
            throw PipelineError.badInput("the camera intrinsic matrix attachment has \(data.count) bytes, a simd_float3x3 has \(MemoryLayout<simd_float3x3>.size)")
        }
        var matrix = simd_float3x3()
        _ = withUnsafeMutableBytes(of: &matrix) { data.copyBytes(to: $0) }
        return try CameraIntrinsics(matrix)
    }
}

extension HandBox {
    /// A box in px of the frame, origin at the top left (as a pixel buffer's rows run). Vision's
    /// normalised boxes have theirs at the bottom left: `VNImageRectForNormalizedRect`, then
    /// `y = height - maxY`.
    public init(_ rect: CGRect) throws {
        try self.init(x: Double(rect.minX), y: Double(rect.minY), width: Double(rect.width), height: Double(rect.height))
    }
}
