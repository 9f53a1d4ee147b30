// The measurement loop, the host's method (benchmarks/README.md "Method", docs/device-contract.md
// section 2), over the engine interface:
//
// 1. `rounds` rounds, interleaved: round r of every record runs before round r+1 of any; odd rounds
//    run the records in reverse order.
// 2. Each round creates a fresh session, timing its creation (`session_load_ms`). One-off work
//    (Core ML's compile) happens once, before round 1 (`compile_ms`).
// 3. `warmup_iters` untimed inferences, then the timed ones: the count is fixed from round 1's
//    warm-up speed and the time budget (at least `min_iters`). One inference = one batch-1 run on
//    a fixed input (the first bundle input labelled "random:"); each one's wall time from
//    ContinuousClock goes into `latency_ms_samples`, one list per round.
// 4. In the same session, after the timed runs: the N bundle inputs, one inference each; outputs
//    stacked per name into [N, ...] and kept per round (`raw_outputs`).
// 5. Memory before the session loads and after the timed runs; thermal state before the record's
//    first round and after its last.

import Foundation

/// One record to measure: an artifact, checked, on one engine.
public struct PlannedRecord {
    public let artifact: BundleArtifact
    /// The artifact's sha256 as computed on this device (already checked against bundle.json).
    public let sha256: String
    public let engine: InferenceEngine

    public init(artifact: BundleArtifact, sha256: String, engine: InferenceEngine) {
        self.artifact = artifact
        self.sha256 = sha256
        self.engine = engine
    }
}

/// A record while it is measured.
final class RecordInProgress {
    let plan: PlannedRecord
    var record: ResultRecord
    var outputRounds: [[String: Tensor]] = []
    var memoryBefore: [Double] = []
    var memoryAfter: [Double] = []

    init(plan: PlannedRecord, record: ResultRecord) {
        self.plan = plan
        self.record = record
    }
}

public final class BenchmarkLoop {
    let bundle: LoadedBundle
    let method: BenchmarkMethod
    let probe: DeviceProbe
    let log: (String) -> Void

    public init(bundle: LoadedBundle, method: BenchmarkMethod, probe: DeviceProbe, log: @escaping (String) -> Void = { _ in }) {
        self.bundle = bundle
        self.method = method
        self.probe = probe
        self.log = log
    }

    /// Measures every planned record; records that cannot run come back `skipped` with a reason.
    ///
    /// - Returns: one record per plan, in plan order, with samples, summaries, memory, thermal
    ///   states, raw outputs and the phone's own accuracy.
    public func run(_ plans: [PlannedRecord]) -> [ResultRecord] {
        let states = plans.map { plan -> RecordInProgress in
            var record = ResultRecord(artifact: ArtifactRecord(plan.artifact, sha256: plan.sha256),
                                      runtime: RuntimeRecord(plan.engine.runtime), threads: plan.engine.threads)
            record.cost = Cost(multAdds: (try? bundle.model(plan.artifact.model))?.multAdds)
            return RecordInProgress(plan: plan, record: record)
        }
        for state in states {
            prepare(state)
        }
        // The contract's timed input: the first verification input labelled "random:" (else the first).
        let timedIndex = bundle.index.inputs.labels.firstIndex { $0.hasPrefix("random:") } ?? 0
        let timedInput = bundle.inputs.item(timedIndex)
        for round in 0..<method.rounds {
            let order = method.alternateOrder && round % 2 == 1 ? Array(states.reversed()) : states
            for state in order where state.record.status == .ok {
                if round == 0 { state.record.thermalStateStart = probe.thermalState() }
                do {
                    try measureRound(state, timedInput: timedInput)
                    log("round \(round + 1)/\(method.rounds) \(label(state)): median \(medianText(state))")
                } catch {
                    state.record.skip("round \(round + 1) failed: \(error)")
                    log("round \(round + 1)/\(method.rounds) \(label(state)): skipped (\(error))")
                }
                if round == method.rounds - 1 { state.record.thermalStateEnd = probe.thermalState() }
            }
        }
        return states.map { state in
            finish(state)
            state.plan.engine.cleanUp()
            return state.record
        }
    }

    func label(_ state: RecordInProgress) -> String {
        "\(state.plan.artifact.id) \(state.plan.engine.runtime.name) \(state.plan.engine.runtime.computeUnit) x\(state.plan.engine.threads)"
    }

    func medianText(_ state: RecordInProgress) -> String {
        guard let last = state.record.latencyMsSamples.last, !last.isEmpty else { return "-" }
        return String(format: "%.3f ms", LatencyStatistics.median(last))
    }

    func prepare(_ state: RecordInProgress) {
        if let why = state.plan.engine.unavailableReason {
            state.record.skip(why)
            return
        }
        do {
            state.record.compileMs = try state.plan.engine.prepare()
        } catch {
            state.record.skip("\(state.plan.artifact.id) could not be prepared: \(error)")
        }
    }

    /// One round: fresh session, warm-up, timed runs, then the verification inputs.
    func measureRound(_ state: RecordInProgress, timedInput: ArraySlice<Float>) throws {
        let before = probe.footprintMiB()
        var made: InferenceSession?
        let loadMs = try Stopwatch.time { made = try state.plan.engine.makeSession() }
        guard let session = made else { throw HarnessError.runtime("the engine made no session") }
        try session.setInput(timedInput)
        var warmup: [Double] = []
        for _ in 0..<method.warmupIters {
            warmup.append(try Stopwatch.time { try session.run() })
        }
        let iterations = state.record.iterationsPerRound ?? method.iterations(fromWarmup: warmup)
        var samples: [Double] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<iterations {
            samples.append(try Stopwatch.time { try session.run() })
        }
        let after = probe.footprintMiB()
        let outputs = try verificationOutputs(session, artifact: state.plan.artifact)
        state.record.iterationsPerRound = iterations
        state.record.sessionLoadMs.append(loadMs)
        state.record.latencyMsSamples.append(samples)
        state.outputRounds.append(outputs)
        if let before, let after {
            state.memoryBefore.append(before)
            state.memoryAfter.append(after)
        }
    }

    /// The N bundle inputs through one session, outputs stacked per name: name -> [N, ...].
    func verificationOutputs(_ session: InferenceSession, artifact: BundleArtifact) throws -> [String: Tensor] {
        var stacked: [String: [Float]] = [:]
        for index in 0..<bundle.inputCount {
            try session.setInput(bundle.inputs.item(index))
            try session.run()
            for (name, values) in try session.lastOutputs() {
                stacked[name, default: []].append(contentsOf: values)
            }
        }
        var tensors: [String: Tensor] = [:]
        for spec in artifact.outputs {
            let shape = [bundle.inputCount] + spec.shape.dropFirst()
            guard let values = stacked[spec.name], values.count == shape.reduce(1, *) else {
                throw HarnessError.runtime("output \(spec.name) has \(stacked[spec.name]?.count ?? 0) values for \(bundle.inputCount) inputs; expected shape \(shape)")
            }
            tensors[spec.name] = Tensor(name: spec.name, shape: shape, values: values)
        }
        return tensors
    }

    /// Summaries, memory, raw outputs and the phone's own accuracy of a measured record.
    func finish(_ state: RecordInProgress) {
        guard state.record.status == .ok else { return }
        state.record.summarise()
        if state.memoryBefore.count == state.outputRounds.count {
            state.record.memory = MemoryRecord(metric: .physFootprint, beforeMib: state.memoryBefore, afterMib: state.memoryAfter)
        }
        let names = state.plan.artifact.outputs.map(\.name)
        state.record.rawOutputs = RawOutputs(
            inputsSha256: bundle.index.inputs.tensor.sha256,
            rounds: state.outputRounds.map { round in names.compactMap { round[$0] }.map(TensorRecord.init) }
        )
        do {
            let expected = try bundle.expectedOutputs(model: state.plan.artifact.model)
            state.record.accuracy = OutputVerification.judge(rounds: state.outputRounds, expected: expected,
                                                             limits: state.plan.artifact.limits)
        } catch {
            state.record.accuracy = Accuracy(verdict: .notRun, reason: "expected outputs unreadable: \(error)",
                                             source: Accuracy.measuredOnDevice)
        }
    }
}
