// The Swift crop against tests/vectors/pipeline/crop.json, every case, within the stored tolerances
// (the same quantities the Kotlin port's CropVectorsTest compares).

import Foundation
import MobReconHarness
import XCTest

final class CropVectorTests: XCTestCase {
    var vectors: CropVectors!

    override func setUpWithError() throws {
        vectors = try PipelineVectors.load(CropVectors.self, "crop.json")
    }

    func transform(_ c: CropVectors.CropCase) throws -> CropTransform {
        XCTAssertEqual(c.box_xywh.count, 4, c.name)
        let box = try HandBox(x: c.box_xywh[0], y: c.box_xywh[1], width: c.box_xywh[2], height: c.box_xywh[3])
        return try HandCrop.transform(box: box, mirrored: c.mirrored)
    }

    func testMatricesInversesAndScales() throws {
        XCTAssertEqual(vectors.crop_size, HandCrop.size, "crop_size")
        XCTAssertEqual(vectors.box_scale, HandCrop.boxScale, "box_scale")
        let d = VectorDifferences("crop.json")
        for c in vectors.cases {
            let tf = try transform(c)
            d.compare("matrix", c.name, expected: flat(c.matrix), actual: flat(tf.matrix.rows), tolerance: vectors.tolerance.matrix)
            d.compare("inverse", c.name, expected: flat(c.inverse), actual: flat(tf.inverse.rows), tolerance: vectors.tolerance.matrix)
            d.compare("scale", c.name, expected: [c.scale], actual: [tf.scale], tolerance: vectors.tolerance.matrix)
            XCTAssertEqual(tf.mirrored, c.mirrored, c.name)
        }
        d.report()
    }

    func testMappedPointsBothWaysAndUnmirrored() throws {
        let d = VectorDifferences("crop.json")
        let tolerance = vectors.tolerance.points_px
        for c in vectors.cases {
            let tf = try transform(c)
            d.compare("frame_points_in_crop", c.name, expected: flat(c.frame_points_in_crop),
                      actual: flat(tf.frameToCrop(points2(c.frame_points))), tolerance: tolerance)
            d.compare("crop_points_in_frame", c.name, expected: flat(c.crop_points_in_frame),
                      actual: flat(tf.cropToFrame(points2(c.crop_points))), tolerance: tolerance)
            d.compare("crop_points_unmirrored", c.name, expected: flat(c.crop_points_unmirrored),
                      actual: flat(tf.unmirrorUV(points2(c.crop_points))), tolerance: tolerance)
        }
        d.report()
    }

    func testCropIntrinsics() throws {
        let d = VectorDifferences("crop.json")
        for c in vectors.cases {
            let k = try transform(c).intrinsics(CameraIntrinsics(rows: c.k_frame))
            d.compare("k_crop", c.name, expected: flat(c.k_crop), actual: flat(k.rows), tolerance: vectors.tolerance.k)
        }
        d.report()
    }

    /// The same crop from a packed RGB frame, an RGBA frame with padded rows and a BGRA frame (the
    /// camera's layout) with padded rows.
    func testCropPixelsOfThePatternFrameInEveryLayout() throws {
        let d = VectorDifferences("crop.json")
        for c in vectors.cases {
            let tf = try transform(c)
            let expected = c.crop_samples.map { $0[3] }
            for (layout, padding) in [(PixelLayout.rgb, 0), (PixelLayout.rgba, 12), (PixelLayout.bgra, 12)] {
                let bytesPerRow = c.frame_width * channelOfByte(layout).count + padding
                let bytes = patternFrame(width: c.frame_width, height: c.frame_height, layout: layout, bytesPerRow: bytesPerRow)
                let crop = try PixelFrame.withBytes(bytes, width: c.frame_width, height: c.frame_height, bytesPerRow: bytesPerRow,
                                                    layout: layout) { try AffineWarp.crop($0, tf) }
                XCTAssertEqual(crop.count, HandCrop.size * HandCrop.size * 3)
                let actual = c.crop_samples.map { s in Double(crop[(Int(s[0]) * HandCrop.size + Int(s[1])) * 3 + Int(s[2])]) }
                d.compare("crop_samples (\(layout.rawValue) frame, \(padding) bytes of row padding)", c.name, expected: expected,
                          actual: actual, tolerance: vectors.tolerance.pixel_value)
            }
        }
        d.report()
    }

    func testGeneralAffineWarp() throws {
        let warp = vectors.warp
        XCTAssertEqual(warp.channels, 3, "the general warp case is an RGB frame")
        let out = try PixelFrame.withBytes(warp.frame_uint8_hwc, width: warp.frame_width, height: warp.frame_height, layout: .rgb) {
            try AffineWarp.warp($0, matrix: Affine2x3(rows: warp.matrix), width: warp.out_width, height: warp.out_height)
        }
        let d = VectorDifferences("crop.json")
        d.compare("warp expected_float_hwc", "warp", expected: warp.expected_float_hwc, actual: out.map { Double($0) },
                  tolerance: vectors.tolerance.pixel_value)
        d.report()
    }

    /// The channel each byte of a pixel holds in `layout` (0 red, 1 green, 2 blue, 3 alpha), written
    /// out here rather than taken from the code under test.
    func channelOfByte(_ layout: PixelLayout) -> [Int] {
        switch layout {
        case .rgb: return [0, 1, 2]
        case .rgba: return [0, 1, 2, 3]
        case .bgra: return [2, 1, 0, 3]
        }
    }

    /// The vectors' pattern frame, `value(x, y, c) = (7 x + 13 y + 50 c) mod 256` for red, green, blue
    /// (c = 0, 1, 2), in `layout`'s byte order; alpha 255; row padding 0xAB, which a crop must never read.
    func patternFrame(width: Int, height: Int, layout: PixelLayout, bytesPerRow: Int) -> [UInt8] {
        let channels = channelOfByte(layout)
        var bytes = [UInt8](repeating: 0xAB, count: bytesPerRow * height)
        for y in 0..<height {
            for x in 0..<width {
                for (byte, channel) in channels.enumerated() {
                    bytes[y * bytesPerRow + x * channels.count + byte] = channel == 3 ? 255 : UInt8((7 * x + 13 * y + 50 * channel) % 256)
                }
            }
        }
        return bytes
    }
}
