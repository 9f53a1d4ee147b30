// Bilinear affine warps of a frame (cv2.warpAffine, INTER_LINEAR, BORDER_CONSTANT) and the
// network's input tensor (port of warp_affine and model_input in mobrecon/pipeline/crop.py).

import Foundation

public enum AffineWarp {
    /// Warps the red, green and blue of `frame` by a frame -> output affine.
    ///
    /// Output pixel (x, y) reads the frame at `inverse(matrix) (x, y, 1)`, bilinear between the four
    /// neighbouring pixel centres; a neighbour outside the frame reads `borderValue`. Computed in
    /// double precision, stored as Float, not rounded (OpenCV quantises coordinates to 1/32 px and
    /// rounds its 8-bit output: up to about 0.5 grey levels of difference).
    ///
    /// - Parameters:
    ///   - matrix: frame px -> output px.
    ///   - width: output width, px.
    ///   - height: output height, px.
    /// - Returns: `[height x width x 3]` HWC RGB floats, 0...255.
    /// - Throws: `PipelineError.badInput` on an empty output or a singular matrix.
    public static func warp(_ frame: PixelFrame, matrix: Affine2x3, width: Int, height: Int, borderValue: Double = 0) throws -> [Float] {
        guard width > 0, height > 0 else { throw PipelineError.badInput("the output size must be positive, got \(width)x\(height)") }
        let inv = try matrix.inverted()
        let offsets = frame.layout.rgbOffsets
        let frameWidth = Double(frame.width)
        let frameHeight = Double(frame.height)
        // a neighbour at the pixel centre (x, y) (integral values), or the border outside the frame
        func read(_ x: Double, _ y: Double, _ offset: Int) -> Double {
            x >= 0 && x < frameWidth && y >= 0 && y < frameHeight ? frame.sample(column: Int(x), row: Int(y), offset: offset) : borderValue
        }
        var out = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let yd = Double(y)
            for x in 0..<width {
                let xd = Double(x)
                let sx = inv.m00 * xd + inv.m01 * yd + inv.m02
                let sy = inv.m10 * xd + inv.m11 * yd + inv.m12
                let x0 = sx.rounded(.down)
                let y0 = sy.rounded(.down)
                let fx = sx - x0
                let fy = sy - y0
                let w00 = (1 - fx) * (1 - fy)
                let w10 = fx * (1 - fy)
                let w01 = (1 - fx) * fy
                let w11 = fx * fy
                let base = (y * width + x) * 3
                for channel in 0..<3 {
                    let offset = offsets[channel]
                    // summed in the Python's order: (0, 0), (1, 0), (0, 1), (1, 1)
                    var acc = 0.0
                    acc += read(x0, y0, offset) * w00
                    acc += read(x0 + 1, y0, offset) * w10
                    acc += read(x0, y0 + 1, offset) * w01
                    acc += read(x0 + 1, y0 + 1, offset) * w11
                    out[base + channel] = Float(acc)
                }
            }
        }
        return out
    }

    /// The `size x size` RGB crop of `frame` for `crop`: `[size x size x 3]` HWC floats, 0...255.
    public static func crop(_ frame: PixelFrame, _ crop: CropTransform) throws -> [Float] {
        try warp(frame, matrix: crop.matrix, width: crop.size, height: crop.size)
    }

    /// `[size x size x 3]` RGB crop, 0...255 -> the network's `[1, 3, size, size]` input (NCHW),
    /// `(pixel / 255 - 0.5) / 0.5` in [-1, 1], in Float as the Python `model_input` computes it.
    ///
    /// - Throws: `PipelineError.badInput` when `crop` is not `size x size x 3` values.
    public static func modelInput(_ crop: [Float], size: Int = HandCrop.size) throws -> [Float] {
        let plane = size * size
        guard size > 0, crop.count == 3 * plane else {
            throw PipelineError.badInput("the crop must be [\(size), \(size), 3] (\(3 * plane) values), got \(crop.count)")
        }
        var out = [Float](repeating: 0, count: 3 * plane)
        for pixel in 0..<plane {
            for channel in 0..<3 {
                out[channel * plane + pixel] = (crop[3 * pixel + channel] / 255 - 0.5) / 0.5
            }
        }
        return out
    }
}
