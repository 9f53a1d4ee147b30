// The phone's own accuracy figures, by the host's definitions (export/verify.py, contract section 2):
// the largest Euclidean distance between output and expected point over all inputs and points,
// x200 for vertices (units of 0.2 m -> mm) and x128 for 2D joints (crop units -> px). The host
// recomputes them from `raw_outputs` at ingest; these are for the phone's screen and log.

import Foundation

public enum OutputVerification {
    /// verts x 200 = millimetres.
    public static let millimetresPerUnit = 200.0
    /// uv x 128 = crop pixels.
    public static let pixelsPerUnit = 128.0

    /// Largest Euclidean distance between corresponding points, in output units (float64 maths).
    ///
    /// - Parameters:
    ///   - expected: [N, P, D] flattened, e.g. verts [N, 778, 3].
    ///   - actual: the same shape.
    ///   - dimension: D, the point's coordinate count (3 for verts, 2 for uv).
    /// - Returns: the largest distance; `.infinity` when any output is not finite.
    public static func maxEuclidean(expected: [Float], actual: [Float], dimension: Int) -> Double {
        precondition(expected.count == actual.count && expected.count % dimension == 0, "shapes differ")
        var worst = 0.0
        var index = 0
        while index < expected.count {
            var squared = 0.0
            for k in 0..<dimension {
                let d = Double(actual[index + k]) - Double(expected[index + k])
                squared += d * d
            }
            let distance = squared.squareRoot()
            guard distance.isFinite else { return .infinity }
            worst = max(worst, distance)
            index += dimension
        }
        return worst
    }

    /// The accuracy of a record's outputs (the worst over every round) against its limits.
    ///
    /// - Parameters:
    ///   - rounds: per round, output name -> [N, ...] tensor.
    ///   - expected: output name -> [N, ...] PyTorch float32 tensor.
    ///   - limits: `verts_max_mm`, `uv_max_px` of the artifact.
    public static func judge(rounds: [[String: Tensor]], expected: [String: Tensor], limits: [String: Double]) -> Accuracy {
        func worst(_ name: String, dimension: Int, scale: Double) -> Double? {
            guard let reference = expected[name] else { return nil }
            let values = rounds.compactMap { $0[name] }.filter { $0.values.count == reference.values.count }
            guard values.count == rounds.count, !values.isEmpty else { return .infinity }
            return values.map { maxEuclidean(expected: reference.values, actual: $0.values, dimension: dimension) * scale }.max()
        }
        let metrics: [(limit: String, value: Double?, unit: String)] = [
            ("verts_max_mm", worst("verts", dimension: 3, scale: millimetresPerUnit), "mm"),
            ("uv_max_px", worst("uv", dimension: 2, scale: pixelsPerUnit), "px"),
        ]
        var failed: [String] = []
        let known = Set(metrics.map(\.limit))
        for name in limits.keys.sorted() where !known.contains(name) {
            failed.append("\(name) missing")
        }
        for metric in metrics {
            let name = metric.limit
            guard let limit = limits[name] else { continue }
            guard let value = metric.value else {
                failed.append("\(name) missing")
                continue
            }
            if !value.isFinite {
                failed.append("\(name) not finite (outputs missing, misshapen or not finite)")
            } else if value > limit {
                failed.append("\(name) \(String(format: "%.4g", value)) > \(String(format: "%g", limit)) \(metric.unit)")
            }
        }
        let finite: (Double?) -> Double? = { value in value.flatMap { $0.isFinite ? $0 : nil } }
        return Accuracy(
            vertexErrorMmMax: finite(metrics[0].value),
            joint3dErrorMmMax: nil,
            joint2dErrorPxMax: finite(metrics[1].value),
            verdict: failed.isEmpty ? .pass : .fail,
            reason: failed.isEmpty ? nil : failed.joined(separator: "; "),
            source: Accuracy.measuredOnDevice
        )
    }
}
