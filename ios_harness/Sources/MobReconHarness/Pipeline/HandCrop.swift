// The reference's input crop (port of mobrecon/pipeline/crop.py): the square box of side
// max(w, h) around the hand box centre, enlarged 1.3x, mapped to the 128-px crop with the box
// centre at crop pixel (64, 64).
//
//     let crop = try HandCrop.transform(box: box, mirrored: handedness == .left)   // CropTransform
//     let pixels = try AffineWarp.crop(frame, crop)                                 // [128 x 128 x 3] 0...255
//     let input = try AffineWarp.modelInput(pixels)                                 // [1, 3, 128, 128] in [-1, 1]
//     let uvFrame = try crop.networkUVToFrame(uvNetwork)                            // network uv -> frame px
//     let kCrop = crop.intrinsics(kFrame)                                           // K of the un-mirrored crop
//
// x_crop = +-s (x - cx) + 64, y_crop = s (y - cy) + 64, s = 128 / (1.3 max(w, h)) crop px per frame
// px, minus sign when mirrored (a left hand: the network knows right hands only). Mirroring is the
// reflection about the box centre (the reference flips the frame and moves the box with it; composed,
// that is independent of the frame width); outputs come back with `unmirrorUV` (x -> 128 - x) and
// `HandOutputs.unmirrorPoints` (x -> -x on 3D points). The centre goes to 64, not to the crop's
// geometric centre 63.5: the reference's choice, kept because the network was trained on it.

import Foundation

public enum HandCrop {
    /// Side of the network input, px.
    public static let size = 128
    /// The reference's box enlargement (`DATA.FREIHAND.BASE_SCALE`).
    public static let boxScale = 1.3

    /// The crop of a hand box.
    public static func transform(box: HandBox, mirrored: Bool = false, size: Int = HandCrop.size,
                                 boxScale: Double = HandCrop.boxScale) throws -> CropTransform {
        try transform(centerX: box.centerX, centerY: box.centerY, side: box.side, mirrored: mirrored, size: size, boxScale: boxScale)
    }

    /// The crop of a square box given by its centre and side (frame px).
    ///
    /// - Throws: `PipelineError.badInput` on a non-finite centre, a side that is not positive, or a
    ///   scale that a double cannot invert.
    public static func transform(centerX: Double, centerY: Double, side: Double, mirrored: Bool = false,
                                 size: Int = HandCrop.size, boxScale: Double = HandCrop.boxScale) throws -> CropTransform {
        guard centerX.isFinite, centerY.isFinite, side.isFinite, side > 0 else {
            throw PipelineError.badInput("a crop box needs a finite centre and a positive side, got centre (\(centerX), \(centerY)), side \(side)")
        }
        guard size > 0, boxScale.isFinite, boxScale > 0 else {
            throw PipelineError.badInput("a crop needs a positive size and box scale, got size \(size), box scale \(boxScale)")
        }
        let s = Double(size) / (boxScale * side)
        guard (s * s).isNormal else {
            throw PipelineError.badInput("a box of side \(side) px gives a crop scale of \(s) crop px per frame px, which cannot be inverted")
        }
        return CropTransform(centerX: centerX, centerY: centerY, side: side, scale: s, mirrored: mirrored, size: size, boxScale: boxScale)
    }
}

/// Frame <-> crop mapping of one hand.
public struct CropTransform {
    /// Frame px -> crop px (of the crop as warped, mirrored or not).
    public let matrix: Affine2x3
    /// Crop px -> frame px.
    public let inverse: Affine2x3
    /// The crop is the mirror image (left hand).
    public let mirrored: Bool
    /// Box centre x, frame px.
    public let centerX: Double
    /// Box centre y, frame px.
    public let centerY: Double
    /// Square box side before the enlargement, frame px.
    public let side: Double
    /// Crop px per frame px, `size / (boxScale side)`.
    public let scale: Double
    /// Crop side, px (128).
    public let size: Int
    /// Enlargement of the square box (1.3).
    public let boxScale: Double

    /// Made by `HandCrop.transform`, which checked that `scale` is invertible.
    init(centerX: Double, centerY: Double, side: Double, scale s: Double, mirrored: Bool, size: Int, boxScale: Double) {
        let sx = mirrored ? -s : s
        let half = Double(size) / 2.0
        let matrix = Affine2x3(sx, 0, half - sx * centerX, 0, s, half - s * centerY)
        self.matrix = matrix
        inverse = matrix.invertedUnchecked()
        self.mirrored = mirrored
        self.centerX = centerX
        self.centerY = centerY
        self.side = side
        scale = s
        self.size = size
        self.boxScale = boxScale
    }

    /// `[N]` frame px -> crop px of this crop (mirrored if it is).
    public func frameToCrop(_ points: [SIMD2<Double>]) -> [SIMD2<Double>] { matrix.apply(points) }

    /// `[N]` crop px of this crop (mirrored if it is) -> frame px.
    public func cropToFrame(_ points: [SIMD2<Double>]) -> [SIMD2<Double>] { inverse.apply(points) }

    /// `[N]` crop px of this crop -> crop px of the un-mirrored crop (`x -> size - x` when mirrored).
    public func unmirrorUV(_ uvPx: [SIMD2<Double>]) -> [SIMD2<Double>] {
        guard mirrored else { return uvPx }
        let width = Double(size)
        return uvPx.map { SIMD2(width - $0.x, $0.y) }
    }

    /// The same box without mirroring: the crop the un-mirrored outputs live in.
    public var unmirrored: CropTransform {
        guard mirrored else { return self }
        return CropTransform(centerX: centerX, centerY: centerY, side: side, scale: scale, mirrored: false, size: size, boxScale: boxScale)
    }

    /// The network's `uv` (`[21 x 2]` flat, crop units: x size = px, of this crop) -> un-mirrored crop px.
    ///
    /// - Throws: `PipelineError.badInput` on an odd count.
    public func networkUVToCropPixels(_ uvNetwork: [Float]) throws -> [SIMD2<Double>] {
        guard uvNetwork.count % 2 == 0 else { throw PipelineError.badInput("uv must be [N, 2] flat, got \(uvNetwork.count) values") }
        let px = Double(size)
        let points = (0..<(uvNetwork.count / 2)).map { SIMD2(Double(uvNetwork[2 * $0]) * px, Double(uvNetwork[2 * $0 + 1]) * px) }
        return unmirrorUV(points)
    }

    /// The network's `uv` (crop units) -> frame px (un-mirrored, then through the un-mirrored inverse).
    public func networkUVToFrame(_ uvNetwork: [Float]) throws -> [SIMD2<Double>] {
        try unmirrored.cropToFrame(networkUVToCropPixels(uvNetwork))
    }

    /// Pinhole intrinsics of the un-mirrored crop, as the reference builds its `calib`: focal
    /// lengths (and skew) times `scale`, the principal point mapped by the un-mirrored crop affine
    /// (HandMesh `mobrecon/datasets/freihand.py`).
    ///
    /// - Parameter kFrame: frame intrinsics, frame px.
    /// - Returns: intrinsics in crop px of the un-mirrored crop.
    public func intrinsics(_ kFrame: CameraIntrinsics) -> CameraIntrinsics {
        let tf = unmirrored
        let principal = tf.matrix.apply(SIMD2(kFrame.cx, kFrame.cy))
        return CameraIntrinsics(uncheckedFx: kFrame.fx * tf.scale, fy: kFrame.fy * tf.scale, cx: principal.x, cy: principal.y,
                                skew: kFrame.skew * tf.scale)
    }
}
