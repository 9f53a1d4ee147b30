// Plain 2D/3D geometry of the app pipeline: hand boxes, 2x3 affines, pinhole intrinsics.
//
// Conventions (the same as the Python `mobrecon.pipeline` and tests/vectors/README.md): pixel
// centres at integer coordinates (OpenCV's warpAffine convention), so the pixel at row r, column c
// is the point (x = c, y = r) and covers [c - 0.5, c + 0.5]. 2D points are SIMD2<Double> (x, y) in
// px; 3D points are SIMD3<Double> (x, y, z) in metres, camera axes (x right, y down, z forward).

import Foundation

/// A hand box in frame pixels (pixel-centre coordinates), as a hand detector gives it.
public struct HandBox: Equatable {
    /// Left edge, px.
    public let x: Double
    /// Top edge, px.
    public let y: Double
    /// Width, px, > 0.
    public let width: Double
    /// Height, px, > 0.
    public let height: Double

    /// - Throws: `PipelineError.badInput` when a value is not finite or a side is not positive.
    public init(x: Double, y: Double, width: Double, height: Double) throws {
        guard x.isFinite, y.isFinite, width.isFinite, height.isFinite else {
            throw PipelineError.badInput("a hand box is four finite numbers x, y, width, height in pixels, got (\(x), \(y), \(width), \(height))")
        }
        guard width > 0, height > 0 else {
            throw PipelineError.badInput("a hand box needs a positive width and height, got width=\(width), height=\(height)")
        }
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Box centre x, `x + width / 2`, px.
    public var centerX: Double { x + 0.5 * width }

    /// Box centre y, `y + height / 2`, px.
    public var centerY: Double { y + 0.5 * height }

    /// Side of the square around the box, `max(width, height)`, px (before the 1.3 enlargement).
    public var side: Double { max(width, height) }

    /// True when the box overlaps a `frameWidth` x `frameHeight` frame (as the Python `check_box` requires).
    public func overlaps(frameWidth: Int, frameHeight: Int) -> Bool {
        x < Double(frameWidth) && y < Double(frameHeight) && x + width > 0 && y + height > 0
    }
}

/// A 2x3 affine map of points (x, y): `x' = m00 x + m01 y + m02`, `y' = m10 x + m11 y + m12`.
///
/// Row-major as the vector files store it (`matrix[row][col]`); units are those of the points (px).
public struct Affine2x3: Equatable {
    public let m00, m01, m02, m10, m11, m12: Double

    public init(_ m00: Double, _ m01: Double, _ m02: Double, _ m10: Double, _ m11: Double, _ m12: Double) {
        self.m00 = m00
        self.m01 = m01
        self.m02 = m02
        self.m10 = m10
        self.m11 = m11
        self.m12 = m12
    }

    /// From two rows of three numbers (a vector file's `matrix`).
    ///
    /// - Throws: `PipelineError.badInput` unless `rows` is 2 x 3.
    public init(rows: [[Double]]) throws {
        guard rows.count == 2, rows.allSatisfy({ $0.count == 3 }) else {
            throw PipelineError.badInput("a 2x3 affine needs 2 rows of 3 numbers, got \(rows)")
        }
        self.init(rows[0][0], rows[0][1], rows[0][2], rows[1][0], rows[1][1], rows[1][2])
    }

    /// Rows `[[m00, m01, m02], [m10, m11, m12]]`.
    public var rows: [[Double]] { [[m00, m01, m02], [m10, m11, m12]] }

    /// The image of one point.
    public func apply(_ point: SIMD2<Double>) -> SIMD2<Double> {
        SIMD2(m00 * point.x + m01 * point.y + m02, m10 * point.x + m11 * point.y + m12)
    }

    /// The images of `[N]` points.
    public func apply(_ points: [SIMD2<Double>]) -> [SIMD2<Double>] {
        points.map { apply($0) }
    }

    /// The inverse affine (as `cv2.invertAffineTransform`).
    ///
    /// - Throws: `PipelineError.badInput` when the linear part is singular.
    public func inverted() throws -> Affine2x3 {
        let det = m00 * m11 - m01 * m10
        guard det != 0, det.isFinite else { throw PipelineError.badInput("the affine is not invertible (determinant \(det))") }
        return invertedUnchecked()
    }

    /// The inverse by the 2x2 adjugate, for a matrix already known to be invertible.
    func invertedUnchecked() -> Affine2x3 {
        let det = m00 * m11 - m01 * m10
        let i00 = m11 / det
        let i01 = -m01 / det
        let i10 = -m10 / det
        let i11 = m00 / det
        return Affine2x3(i00, i01, -(i00 * m02 + i01 * m12), i10, i11, -(i10 * m02 + i11 * m12))
    }
}

/// Pinhole intrinsics `K = [[fx, skew, cx], [0, fy, cy], [0, 0, 1]]`, px (pixel-centre coordinates).
///
/// AVFoundation delivers them per frame when `AVCaptureConnection.isCameraIntrinsicMatrixDeliveryEnabled`
/// is set (MobReconHand's `CameraIntrinsics.of(sampleBuffer:)` reads the attachment).
public struct CameraIntrinsics: Equatable {
    public let fx, fy, cx, cy, skew: Double

    /// - Throws: `PipelineError.badInput` on a value that is not finite or a focal length that is not positive.
    public init(fx: Double, fy: Double, cx: Double, cy: Double, skew: Double = 0) throws {
        guard fx.isFinite, fy.isFinite, cx.isFinite, cy.isFinite, skew.isFinite, fx > 0, fy > 0 else {
            throw PipelineError.badInput("intrinsics need finite values and positive focal lengths, got fx=\(fx) fy=\(fy) cx=\(cx) cy=\(cy) skew=\(skew)")
        }
        self.init(uncheckedFx: fx, fy: fy, cx: cx, cy: cy, skew: skew)
    }

    /// From a 3x3 matrix given as rows.
    ///
    /// - Throws: `PipelineError.badInput` unless the matrix is `[[fx, s, cx], [0, fy, cy], [0, 0, 1]]`.
    public init(rows: [[Double]]) throws {
        guard rows.count == 3, rows.allSatisfy({ $0.count == 3 }), rows[1][0] == 0, rows[2] == [0, 0, 1] else {
            throw PipelineError.badInput("K must be [[fx, s, cx], [0, fy, cy], [0, 0, 1]], got \(rows)")
        }
        try self.init(fx: rows[0][0], fy: rows[1][1], cx: rows[0][2], cy: rows[1][2], skew: rows[0][1])
    }

    init(uncheckedFx fx: Double, fy: Double, cx: Double, cy: Double, skew: Double) {
        self.fx = fx
        self.fy = fy
        self.cx = cx
        self.cy = cy
        self.skew = skew
    }

    /// For a frame without calibration (the Python `default_intrinsics`): focal length the longer
    /// side (about 53 degrees across it, near a phone's main camera) unless `focalPx` is given,
    /// principal point the frame centre `((W - 1) / 2, (H - 1) / 2)`.
    public static func uncalibrated(width: Int, height: Int, focalPx: Double? = nil) throws -> CameraIntrinsics {
        guard width > 0, height > 0 else { throw PipelineError.badInput("a frame needs a positive width and height, got \(width)x\(height)") }
        let f = focalPx ?? Double(max(width, height))
        return try CameraIntrinsics(fx: f, fy: f, cx: Double(width - 1) / 2, cy: Double(height - 1) / 2)
    }

    /// Rows of the 3x3 matrix.
    public var rows: [[Double]] { [[fx, skew, cx], [0, fy, cy], [0, 0, 1]] }

    /// Pinhole projection of a camera point (metres) to px, `(K p)_xy / p_z`:
    /// `u = (fx X + s Y + cx Z) / Z`, `v = (fy Y + cy Z) / Z` (FreiHAND's `projectPoints`, the Python
    /// `project`, in its order of operations).
    public func project(_ point: SIMD3<Double>) -> SIMD2<Double> {
        SIMD2((fx * point.x + skew * point.y + cx * point.z) / point.z, (fy * point.y + cy * point.z) / point.z)
    }

    /// Projections of `[N]` camera points, px.
    public func project(_ points: [SIMD3<Double>]) -> [SIMD2<Double>] {
        points.map { project($0) }
    }
}
