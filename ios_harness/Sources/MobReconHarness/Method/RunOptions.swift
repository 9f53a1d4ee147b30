// What to run and how: the method settings (the host's defaults) and the selection, read from the
// test runner's environment. `mobrecon device ios run` sets them as TEST_RUNNER_MOBRECON_* variables;
// xcodebuild strips the TEST_RUNNER_ prefix and passes them to the test process.

import Foundation

/// The measuring method, the host's (`benchmarks/README.md`, "Method") with its defaults.
public struct BenchmarkMethod: Equatable {
    /// Fresh sessions per record.
    public var rounds = 5
    /// Untimed inferences per session before timing.
    public var warmupIters = 10
    /// Minimum timed inferences per round.
    public var minIters = 20
    /// Maximum timed inferences per round.
    public var maxIters = 100_000
    /// Target timed seconds per record per round.
    public var timeBudgetS = 1.0
    /// Odd rounds run the records in reverse order.
    public var alternateOrder = true
    /// Share cut from each tail for the trimmed mean.
    public var trimFraction = LatencyStatistics.trimFraction

    public init() {}

    /// Timed iterations per round from the first round's warm-up latencies, milliseconds:
    /// `max(minIters, floor(timeBudgetS * 1000 / median))`, capped at `maxIters`.
    public func iterations(fromWarmup warmupMs: [Double]) -> Int {
        guard !warmupMs.isEmpty else { return minIters }
        let perIteration = max(LatencyStatistics.median(warmupMs), 1e-6)
        let byBudget = Int((timeBudgetS * 1000.0 / perIteration).rounded(.down))
        return min(maxIters, max(minIters, byBudget))
    }
}

/// The method plus which records to run.
public struct RunOptions: Equatable {
    /// Environment variable names (without the TEST_RUNNER_ prefix the driver adds).
    public enum Key: String, CaseIterable {
        case computeUnits = "MOBRECON_COMPUTE_UNITS"
        case runtimes = "MOBRECON_RUNTIMES"
        case artifacts = "MOBRECON_ARTIFACTS"
        case threads = "MOBRECON_THREADS"
        case rounds = "MOBRECON_ROUNDS"
        case warmup = "MOBRECON_WARMUP"
        case minIters = "MOBRECON_MIN_ITERS"
        case timeBudget = "MOBRECON_TIME_BUDGET_S"
    }

    public var method = BenchmarkMethod()
    /// Compute units to run; empty = every unit the bundle lists for this platform.
    public var computeUnits: [ComputeUnit] = []
    /// Runtimes to run (coreml, onnxruntime); empty = both.
    public var runtimes: [String] = []
    /// Artifact ids (file names) to run; empty = all.
    public var artifacts: [String] = []
    /// ONNX Runtime intra-op thread counts; empty = 1 and all active cores (the host's default).
    public var threads: [Int] = []

    public init() {}

    /// Options from an environment (the test process's `ProcessInfo.processInfo.environment`).
    ///
    /// - Throws: `HarnessError.badOption` naming the first unusable value.
    public init(environment: [String: String]) throws {
        func value(_ key: Key) -> String? {
            guard let text = environment[key.rawValue]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        func integer(_ key: Key, minimum: Int) throws -> Int? {
            guard let text = value(key) else { return nil }
            guard let number = Int(text), number >= minimum else {
                throw HarnessError.badOption("\(key.rawValue)=\(text): expected an integer of at least \(minimum)")
            }
            return number
        }
        func list(_ key: Key) -> [String] {
            (value(key) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        self.init()
        if let text = value(.computeUnits) { computeUnits = try ComputeUnit.parseList(text) }
        runtimes = list(.runtimes)
        if let unknown = runtimes.first(where: { !["coreml", "onnxruntime"].contains($0) }) {
            throw HarnessError.badOption("\(Key.runtimes.rawValue): unknown runtime \(unknown) (choose from coreml, onnxruntime)")
        }
        artifacts = list(.artifacts)
        threads = try list(.threads).map { text in
            guard let count = Int(text), count >= 1 else {
                throw HarnessError.badOption("\(Key.threads.rawValue): thread count \(text) is not an integer of at least 1")
            }
            return count
        }
        if let rounds = try integer(.rounds, minimum: 1) { method.rounds = rounds }
        if let warmup = try integer(.warmup, minimum: 0) { method.warmupIters = warmup }
        if let minIters = try integer(.minIters, minimum: 1) { method.minIters = minIters }
        if let text = value(.timeBudget) {
            guard let seconds = Double(text), seconds >= 0, seconds.isFinite else {
                throw HarnessError.badOption("\(Key.timeBudget.rawValue)=\(text): expected seconds, 0 or more")
            }
            method.timeBudgetS = seconds
        }
    }
}
