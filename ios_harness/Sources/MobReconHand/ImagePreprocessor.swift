// Camera pixels to the model input: a square hand crop resized to 128 x 128, RGB, NCHW float32,
// (pixel / 255 - mean) / std per channel (mean = std = 0.5, so the range is [-1, 1]).

import CoreGraphics
import CoreImage
import CoreVideo
import Foundation
import MobReconHarness

public final class ImagePreprocessor {
    /// Square side, pixels.
    public let size: Int
    /// Per channel, R G B.
    public let mean: [Float]
    public let std: [Float]
    lazy var ciContext = CIContext(options: [.useSoftwareRenderer: false])

    public init(size: Int = 128, mean: [Float] = [0.5, 0.5, 0.5], std: [Float] = [0.5, 0.5, 0.5]) {
        precondition(mean.count == 3 && std.count == 3, "mean and std have one value per channel")
        self.size = size
        self.mean = mean
        self.std = std
    }

    /// The bundle's preprocessing (bundle.json `preprocessing`).
    public convenience init(_ preprocessing: Preprocessing) {
        self.init(size: preprocessing.size, mean: preprocessing.mean.map(Float.init), std: preprocessing.std.map(Float.init))
    }

    /// A square crop (any size; it is resized) to the normalised input.
    ///
    /// - Returns: [3 x size x size] float32, NCHW, RGB, normalised.
    public func tensor(from image: CGImage) throws -> [Float] {
        try normalise(rgba: ImagePreprocessor.rgbaBytes(of: image, width: size, height: size))
    }

    /// `image` drawn (resized if the sizes differ) into `width x height` sRGB RGBX bytes, row 0 at the top.
    static func rgbaBytes(of image: CGImage, width: Int, height: Int) throws -> [UInt8] {
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        let drawn: Bool = rgba.withUnsafeMutableBytes { raw in
            guard let space = CGColorSpace(name: CGColorSpace.sRGB),
                  let context = CGContext(data: raw.baseAddress, width: width, height: height, bitsPerComponent: 8,
                                          bytesPerRow: width * 4, space: space,
                                          bitmapInfo: CGImageAlphaInfo.noneSkipLast.rawValue) else { return false }
            context.interpolationQuality = .high
            context.draw(image, in: CGRect(x: 0, y: 0, width: width, height: height))
            return true
        }
        guard drawn else { throw HandMeshError.badImage("cannot make a \(width) x \(height) RGB bitmap context") }
        return rgba
    }

    /// A camera frame of the square hand crop (BGRA or any format Core Image reads) to the input.
    public func tensor(from pixelBuffer: CVPixelBuffer) throws -> [Float] {
        let image = CIImage(cvPixelBuffer: pixelBuffer)
        guard let cgImage = ciContext.createCGImage(image, from: image.extent) else {
            throw HandMeshError.badImage("Core Image cannot read the pixel buffer")
        }
        return try tensor(from: cgImage)
    }

    /// RGBA bytes (size x size x 4, row 0 at the top) to NCHW normalised floats.
    public func normalise(rgba: [UInt8]) -> [Float] {
        let plane = size * size
        var out = [Float](repeating: 0, count: 3 * plane)
        for pixel in 0..<plane {
            for channel in 0..<3 {
                let value = Float(rgba[4 * pixel + channel]) / 255
                out[channel * plane + pixel] = (value - mean[channel]) / std[channel]
            }
        }
        return out
    }
}
