// The shared pipeline test vectors (tests/vectors/pipeline/crop.json and registration.json, written
// by the Python implementation; fields and conventions in tests/vectors/README.md), as the Swift
// tests read them, and the comparison that prints the largest difference per quantity.
//
// Located through the environment variable MOBRECON_VECTORS (the repository's tests/vectors
// folder; under xcodebuild pass TEST_RUNNER_MOBRECON_VECTORS, which the test process sees as
// MOBRECON_VECTORS); by default the tests/vectors of the checkout this file is in, three folders up
// from ios_harness/Tests/MobReconHarnessCoreTests/ (#filePath: right for `swift test` and for the
// simulator, not on an iPhone, which has no checkout: set the variable there).

import Foundation
import XCTest

struct VectorFileError: LocalizedError, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
    var errorDescription: String? { description }
}

enum PipelineVectors {
    static let environmentVariable = "MOBRECON_VECTORS"
    /// The only version this port reads (a port refuses other versions).
    static let format = "mobrecon-pipeline-vectors/1"
    /// `<checkout>/tests/vectors`, from this source file's place in the checkout.
    static let defaultFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // MobReconHarnessCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // ios_harness
        .deletingLastPathComponent()  // the checkout
        .appendingPathComponent("tests")
        .appendingPathComponent("vectors")

    /// The `pipeline` folder of the vectors.
    ///
    /// - Throws: `VectorFileError` saying how to pass the folder when it has no `pipeline/`.
    static func folder(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let root = environment[environmentVariable].map { URL(fileURLWithPath: $0) } ?? defaultFolder
        let pipeline = root.appendingPathComponent("pipeline")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: pipeline.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw VectorFileError("the shared pipeline vectors are not at \(root.path) (no pipeline/ folder): set \(environmentVariable)="
                + "<repo>/tests/vectors (TEST_RUNNER_\(environmentVariable) under xcodebuild)")
        }
        return pipeline
    }

    /// `crop.json` or `registration.json`, format checked.
    static func load<Vectors: Decodable>(_ type: Vectors.Type, _ name: String) throws -> Vectors {
        try read(type, from: folder().appendingPathComponent(name))
    }

    /// Parses one vector file after checking its `format`.
    ///
    /// - Throws: `VectorFileError` when `format` is not `PipelineVectors.format` (before anything else is decoded).
    static func read<Vectors: Decodable>(_ type: Vectors.Type, from url: URL) throws -> Vectors {
        let data = try Data(contentsOf: url)
        let header = try JSONDecoder().decode(VectorHeader.self, from: data)
        guard header.format == format else {
            throw VectorFileError("\(url.lastPathComponent): format '\(header.format ?? "(none)")' is not \(format), the only version this port reads")
        }
        return try JSONDecoder().decode(type, from: data)
    }
}

struct VectorHeader: Decodable {
    let format: String?
}

/// crop.json.
struct CropVectors: Decodable {
    struct CropTolerance: Decodable {
        let matrix: Double
        let points_px: Double
        let k: Double
        let pixel_value: Double
    }

    struct CropCase: Decodable {
        let name: String
        let box_xywh: [Double]
        let mirrored: Bool
        let frame_width: Int
        let frame_height: Int
        let matrix: [[Double]]
        let inverse: [[Double]]
        let scale: Double
        let frame_points: [[Double]]
        let frame_points_in_crop: [[Double]]
        let crop_points: [[Double]]
        let crop_points_in_frame: [[Double]]
        let crop_points_unmirrored: [[Double]]
        let k_frame: [[Double]]
        let k_crop: [[Double]]
        /// `[row, col, channel, value]` of the 128 x 128 crop of the pattern frame.
        let crop_samples: [[Double]]
    }

    struct WarpCase: Decodable {
        let frame_height: Int
        let frame_width: Int
        let channels: Int
        let frame_uint8_hwc: [UInt8]
        let matrix: [[Double]]
        let out_width: Int
        let out_height: Int
        let expected_float_hwc: [Double]
    }

    let format: String
    let crop_size: Int
    let box_scale: Double
    let tolerance: CropTolerance
    let cases: [CropCase]
    let warp: WarpCase
}

/// registration.json.
struct RegistrationVectors: Decodable {
    struct RegistrationTolerance: Decodable {
        let t_m: Double
    }

    struct RegistrationCase: Decodable {
        let name: String
        let xyz_m: [[Double]]
        let uv_px: [[Double]]
        let k: [[Double]]
        let t_true_m: [Double]
        let expected_t_m: [Double]
        let expected_rounds: Int
        let expected_joints_used: [Int]
        let expected_z_at_bound: Bool
    }

    let format: String
    let z_bounds_m: [Double]
    let max_rounds: Int
    let min_joints: Int
    let stop_loss_px: Double
    let mano_to_mpii: [Int]
    let tolerance: RegistrationTolerance
    let cases: [RegistrationCase]
}

/// `[[a, b], [c, d]]` -> `[a, b, c, d]`.
func flat(_ rows: [[Double]]) -> [Double] { rows.flatMap { $0 } }

/// `[N]` points -> `[x0, y0, x1, y1, ...]`.
func flat(_ points: [SIMD2<Double>]) -> [Double] { points.flatMap { [$0.x, $0.y] } }

/// `[[x, y], ...]` -> points.
func points2(_ rows: [[Double]]) -> [SIMD2<Double>] { rows.map { SIMD2($0[0], $0[1]) } }

/// `[[x, y, z], ...]` -> points.
func points3(_ rows: [[Double]]) -> [SIMD3<Double>] { rows.map { SIMD3($0[0], $0[1], $0[2]) } }

/// Compares a port's numbers with the stored ones and keeps, per quantity, the largest absolute
/// difference seen, printed as `pipeline-vectors <file> <quantity>: n values, max |diff| ... (tolerance ...)`.
final class VectorDifferences {
    private struct Quantity {
        var count = 0
        var worst = 0.0
        var tolerance = 0.0
    }

    private let file: String
    private var order: [String] = []
    private var quantities: [String: Quantity] = [:]
    private var failures: [String] = []

    init(_ file: String) { self.file = file }

    /// Records `actual` against `expected` within `tolerance`; `caseName` names the case.
    func compare(_ quantity: String, _ caseName: String, expected: [Double], actual: [Double], tolerance: Double) {
        if quantities[quantity] == nil { order.append(quantity) }
        var q = quantities[quantity, default: Quantity()]
        q.tolerance = tolerance
        if expected.count != actual.count {
            failures.append("\(quantity) [\(caseName)]: \(actual.count) values, expected \(expected.count)")
        } else {
            for (i, (e, a)) in zip(expected, actual).enumerated() {
                let d = abs(a - e)
                q.count += 1
                if !(d <= tolerance) { failures.append("\(quantity) [\(caseName)] #\(i): \(a) vs stored \(e) (|diff| \(d) > \(tolerance))") }
                if d > q.worst || d.isNaN { q.worst = d }
            }
        }
        quantities[quantity] = q
    }

    /// Prints the summary and fails listing the first differences beyond tolerance, if any.
    func report(file: StaticString = #filePath, line: UInt = #line) {
        for name in order {
            let q = quantities[name, default: Quantity()]
            print("pipeline-vectors \(self.file) \(name): \(q.count) values, max |diff| \(String(format: "%.3g", q.worst)) "
                + "(tolerance \(String(format: "%.3g", q.tolerance)))")
        }
        if !failures.isEmpty {
            XCTFail("\(failures.count) value(s) beyond tolerance:\n" + failures.prefix(10).joined(separator: "\n"), file: file, line: line)
        }
    }
}
