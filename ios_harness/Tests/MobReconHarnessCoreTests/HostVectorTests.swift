// The Swift core against the host's own numbers (host-vectors.json, written by
// tests/benchmarks/devices/ios/host_vectors.py from mobrecon_bench.results.stats and mobrecon_export): statistics,
// iteration count, accuracy, the directory hash and raw tensor bytes. Runs with `swift test` on a Mac.

import Foundation
import MobReconHarness
import XCTest

struct HostVectors: Decodable {
    struct Statistics: Decodable {
        let rounds: [[Double]]
        let median_ms, p10_ms, p90_ms, trimmed_mean_ms, mad_ms, round_spread_pct, fps: Double
        let round_median_ms: [Double]
    }

    struct Iterations: Decodable {
        let warmup_ms: [Double]
        let min_iters, max_iters, iterations: Int
        let time_budget_s: Double
    }

    struct AccuracyCase: Decodable {
        let verts_shape, uv_shape: [Int]
        let expected_verts, actual_verts, expected_uv, actual_uv: [Float]
        let limits: [String: Double]
        let vertex_error_mm_max, joint2d_error_px_max: Double
        let verdict: String
        let reason: String?
    }

    struct DirectoryHash: Decodable {
        struct File: Decodable {
            let path: String
            let content_base64: String
        }

        let files: [File]
        let order: [String]
        let sha256: String
    }

    struct RawTensorCase: Decodable {
        let values: [Float]
        let data_base64: String
        let sha256: String
    }

    let statistics: [Statistics]
    let iterations: [Iterations]
    let accuracy: [AccuracyCase]
    let directory_hash: DirectoryHash
    let raw_tensor: RawTensorCase
}

final class HostVectorTests: XCTestCase {
    var vectors: HostVectors!

    override func setUpWithError() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "host-vectors", withExtension: "json"))
        vectors = try JSONDecoder().decode(HostVectors.self, from: Data(contentsOf: url))
    }

    func assertClose(_ actual: Double, _ expected: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual, expected, accuracy: 1e-9 * max(1, abs(expected)), what, file: file, line: line)
    }

    func testStatisticsMatchTheHost() throws {
        for (i, case_) in vectors.statistics.enumerated() {
            let summary = try XCTUnwrap(LatencyStatistics.summarize(case_.rounds))
            assertClose(summary.medianMs, case_.median_ms, "case \(i) median")
            assertClose(summary.p10Ms, case_.p10_ms, "case \(i) p10")
            assertClose(summary.p90Ms, case_.p90_ms, "case \(i) p90")
            assertClose(summary.trimmedMeanMs, case_.trimmed_mean_ms, "case \(i) trimmed mean")
            assertClose(summary.madMs, case_.mad_ms, "case \(i) mad")
            assertClose(summary.roundSpreadPct, case_.round_spread_pct, "case \(i) spread")
            assertClose(summary.fps, case_.fps, "case \(i) fps")
            XCTAssertEqual(summary.roundMedianMs.count, case_.round_median_ms.count)
            for (a, b) in zip(summary.roundMedianMs, case_.round_median_ms) { assertClose(a, b, "case \(i) round median") }
        }
    }

    func testIterationCountMatchesTheHostsRule() {
        for case_ in vectors.iterations {
            var method = BenchmarkMethod()
            method.minIters = case_.min_iters
            method.maxIters = case_.max_iters
            method.timeBudgetS = case_.time_budget_s
            XCTAssertEqual(method.iterations(fromWarmup: case_.warmup_ms), case_.iterations, "warm-up \(case_.warmup_ms)")
        }
    }

    func testAccuracyMatchesTheHost() {
        for (i, case_) in vectors.accuracy.enumerated() {
            let expected = ["verts": Tensor(name: "verts", shape: case_.verts_shape, values: case_.expected_verts),
                            "uv": Tensor(name: "uv", shape: case_.uv_shape, values: case_.expected_uv)]
            let actual = ["verts": Tensor(name: "verts", shape: case_.verts_shape, values: case_.actual_verts),
                          "uv": Tensor(name: "uv", shape: case_.uv_shape, values: case_.actual_uv)]
            let accuracy = OutputVerification.judge(rounds: [actual, actual], expected: expected, limits: case_.limits)
            assertClose(accuracy.vertexErrorMmMax ?? -1, case_.vertex_error_mm_max, "case \(i) verts")
            assertClose(accuracy.joint2dErrorPxMax ?? -1, case_.joint2d_error_px_max, "case \(i) uv")
            XCTAssertEqual(accuracy.verdict.rawValue, case_.verdict, "case \(i)")
            XCTAssertEqual(accuracy.reason, case_.reason, "case \(i)")
        }
    }

    func testDirectoryHashMatchesTheHost() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).appendingPathComponent("fake.mlpackage")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
        for file in vectors.directory_hash.files {
            let url = root.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try XCTUnwrap(Data(base64Encoded: file.content_base64)).write(to: url)
        }
        let order = try ContentHash.filesInDirectory(root)
        XCTAssertEqual(order, vectors.directory_hash.order)
        XCTAssertEqual(try ContentHash.directorySHA256(at: root, orderedFiles: order), vectors.directory_hash.sha256)
    }

    func testRawTensorBytesAreLittleEndianFloat32() throws {
        let tensor = Tensor(name: "t", shape: [vectors.raw_tensor.values.count], values: vectors.raw_tensor.values)
        XCTAssertEqual(tensor.littleEndianBytes.base64EncodedString(), vectors.raw_tensor.data_base64)
        XCTAssertEqual(ContentHash.sha256Hex(of: tensor.littleEndianBytes), vectors.raw_tensor.sha256)
        let decoded = RawTensorFile.floats(littleEndian: try XCTUnwrap(Data(base64Encoded: vectors.raw_tensor.data_base64)))
        XCTAssertEqual(decoded.map(\.bitPattern), vectors.raw_tensor.values.map(\.bitPattern))
    }

    func testSkippedRecordWritesReasonAndNullableKeys() throws {
        let runtime = RuntimeDescription(name: "onnxruntime", version: "1.24.2", computeUnit: "coreml-ep",
                                         executionProvider: "CoreMLExecutionProvider", options: [:])
        var record = ResultRecord(artifact: try sampleArtifact(), runtime: RuntimeRecord(runtime), threads: 2)
        let okJSON = try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any]
        XCTAssertTrue(okJSON?["reason"] is NSNull, "reason is required: written as null when ok")
        XCTAssertNil(okJSON?["median_ms"], "absent summaries are left out")
        record.skip("this ONNX Runtime build has no CoreML execution provider")
        let skipped = try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any]
        XCTAssertEqual(skipped?["status"] as? String, "skipped")
        XCTAssertEqual(skipped?["reason"] as? String, "this ONNX Runtime build has no CoreML execution provider")
        XCTAssertEqual((skipped?["latency_ms_samples"] as? [Any])?.count, 0)
    }

    func sampleArtifact() throws -> ArtifactRecord {
        let json = """
        {"id": "mobrecon-densestack.coreml-ep.fp32.ort", "record_name": "mobrecon-densestack.coreml-ep.ort",
         "file": "artifacts/mobrecon-densestack.coreml-ep.fp32.ort", "kind": "file", "sha256": "\(String(repeating: "a", count: 64))",
         "size_bytes": 1, "model": "densestack", "variant": "densestack", "format": "ort", "precision": "fp32",
         "target": "ort-coreml", "runs": [], "inputs": [], "outputs": [], "limits": {},
         "export_accuracy": {"verdict": "pass", "reason": null}}
        """
        let artifact = try JSONDecoder().decode(BundleArtifact.self, from: Data(json.utf8))
        return ArtifactRecord(artifact, sha256: artifact.sha256)
    }
}
