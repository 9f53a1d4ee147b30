// An 8-bit interleaved camera frame read in place: a pointer, width, height, bytes per row and the
// byte order of a pixel. A CVPixelBuffer of kCVPixelFormatType_32BGRA (what AVCaptureVideoDataOutput
// gives when asked for it) is `PixelFrame(baseAddress: CVPixelBufferGetBaseAddress(buffer)!, width:
// CVPixelBufferGetWidth(buffer), height: CVPixelBufferGetHeight(buffer), bytesPerRow:
// CVPixelBufferGetBytesPerRow(buffer), layout: .bgra)` while the buffer's base address is locked
// (MobReconHand's `HandMeshPipeline` does exactly that).

import Foundation

/// Byte order of one 8-bit pixel; the pipeline reads red, green and blue and ignores alpha.
public enum PixelLayout: String, CaseIterable {
    /// 3 bytes: R, G, B.
    case rgb
    /// 4 bytes: R, G, B, A (kCVPixelFormatType_32RGBA, a CGContext with noneSkipLast / premultipliedLast).
    case rgba
    /// 4 bytes: B, G, R, A (kCVPixelFormatType_32BGRA, the camera's).
    case bgra

    /// Bytes from one pixel to the next.
    public var bytesPerPixel: Int {
        switch self {
        case .rgb: return 3
        case .rgba, .bgra: return 4
        }
    }

    /// Byte offsets of red, green and blue within a pixel, in that order.
    public var rgbOffsets: [Int] {
        switch self {
        case .rgb, .rgba: return [0, 1, 2]
        case .bgra: return [2, 1, 0]
        }
    }
}

/// A view of an 8-bit frame in memory the caller owns.
///
/// Sample (row r, column c) starts at byte `r * bytesPerRow + c * layout.bytesPerPixel` from
/// `baseAddress`. The memory must stay valid, and unchanged, while the frame is used: a view made
/// inside `CVPixelBufferLockBaseAddress` / `Unlock` or inside `withBytes` must not outlive it.
public struct PixelFrame {
    public let baseAddress: UnsafeRawPointer
    /// px.
    public let width: Int
    /// px.
    public let height: Int
    /// Bytes from one row to the next, at least `width * layout.bytesPerPixel` (camera buffers pad rows).
    public let bytesPerRow: Int
    public let layout: PixelLayout

    /// - Throws: `PipelineError.badInput` when the sizes do not fit together.
    public init(baseAddress: UnsafeRawPointer, width: Int, height: Int, bytesPerRow: Int, layout: PixelLayout) throws {
        guard width > 0, height > 0 else { throw PipelineError.badInput("a frame needs a positive width and height, got \(width)x\(height)") }
        guard bytesPerRow >= width * layout.bytesPerPixel else {
            throw PipelineError.badInput("bytesPerRow \(bytesPerRow) is shorter than a row of \(width) \(layout.rawValue) pixels (\(width * layout.bytesPerPixel) bytes)")
        }
        self.baseAddress = baseAddress
        self.width = width
        self.height = height
        self.bytesPerRow = bytesPerRow
        self.layout = layout
    }

    /// Bytes the frame spans from `baseAddress`: `(height - 1) * bytesPerRow + width * bytesPerPixel`.
    public var byteCount: Int { (height - 1) * bytesPerRow + width * layout.bytesPerPixel }

    /// Runs `body` on a frame over `bytes` (row-major, `bytesPerRow` per row, packed when nil).
    ///
    /// - Throws: `PipelineError.badInput` when `bytes` is shorter than the frame; what `body` throws.
    public static func withBytes<T>(_ bytes: [UInt8], width: Int, height: Int, bytesPerRow: Int? = nil, layout: PixelLayout,
                                    _ body: (PixelFrame) throws -> T) throws -> T {
        let rowBytes = bytesPerRow ?? width * layout.bytesPerPixel
        return try bytes.withUnsafeBytes { raw throws -> T in
            guard let base = raw.baseAddress else { throw PipelineError.badInput("a frame needs pixels, got no bytes") }
            let frame = try PixelFrame(baseAddress: base, width: width, height: height, bytesPerRow: rowBytes, layout: layout)
            guard raw.count >= frame.byteCount else {
                throw PipelineError.badInput("a \(width)x\(height) \(layout.rawValue) frame of \(rowBytes) bytes per row needs \(frame.byteCount) bytes, got \(raw.count)")
            }
            return try body(frame)
        }
    }

    /// The byte at `column`, `row` (inside the frame), `offset` bytes into the pixel, as 0...255.
    @inline(__always)
    func sample(column: Int, row: Int, offset: Int) -> Double {
        Double(baseAddress.load(fromByteOffset: row * bytesPerRow + column * layout.bytesPerPixel + offset, as: UInt8.self))
    }
}
