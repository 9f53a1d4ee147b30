// One record of the result file: one (artifact, runtime configuration, thread count) and everything
// measured for it. Keys: `$defs/record` of benchmarks/results/result.schema.json.

import Foundation

public enum RecordStatus: String, Encodable {
    case ok
    case exportFailed = "export_failed"
    case verificationFailed = "verification_failed"
    case skipped
}

public struct ResultRecord: Encodable {
    public var artifact: ArtifactRecord
    public var runtime: RuntimeRecord
    public var threads: Int
    public var status: RecordStatus
    /// Why status is not ok (one sentence); null when ok.
    public var reason: Nullable<String>
    /// Every timed inference, milliseconds, one inner list per round.
    public var latencyMsSamples: [[Double]]
    /// Session creation time of each round, milliseconds.
    public var sessionLoadMs: [Double]
    public var iterationsPerRound: Int?
    // The phone's own summaries (the host recomputes them from the samples).
    public var medianMs: Double?
    public var p10Ms: Double?
    public var p90Ms: Double?
    public var trimmedMeanMs: Double?
    public var madMs: Double?
    public var roundMedianMs: [Double]?
    public var roundSpreadPct: Double?
    public var fps: Double?
    public var accuracy: Accuracy?
    public var cost: Cost?
    /// `MLModel.compileModel(at:)` of the artifact, milliseconds; absent for ONNX Runtime.
    public var compileMs: Double?
    public var memory: MemoryRecord?
    public var thermalStateStart: String?
    public var thermalStateEnd: String?
    public var rawOutputs: RawOutputs?

    enum CodingKeys: String, CodingKey {
        case artifact
        case runtime
        case threads
        case status
        case reason
        case latencyMsSamples = "latency_ms_samples"
        case sessionLoadMs = "session_load_ms"
        case iterationsPerRound = "iterations_per_round"
        case medianMs = "median_ms"
        case p10Ms = "p10_ms"
        case p90Ms = "p90_ms"
        case trimmedMeanMs = "trimmed_mean_ms"
        case madMs = "mad_ms"
        case roundMedianMs = "round_median_ms"
        case roundSpreadPct = "round_spread_pct"
        case fps
        case accuracy
        case cost
        case compileMs = "compile_ms"
        case memory
        case thermalStateStart = "thermal_state_start"
        case thermalStateEnd = "thermal_state_end"
        case rawOutputs = "raw_outputs"
    }

    /// A record with no measurement yet.
    public init(artifact: ArtifactRecord, runtime: RuntimeRecord, threads: Int) {
        self.artifact = artifact
        self.runtime = runtime
        self.threads = threads
        status = .ok
        reason = Nullable(nil)
        latencyMsSamples = []
        sessionLoadMs = []
    }

    /// Marks the record as not run, with one sentence why, and drops partial measurements.
    public mutating func skip(_ why: String, status: RecordStatus = .skipped) {
        self.status = status
        reason = Nullable(why)
        latencyMsSamples = []
        sessionLoadMs = []
        iterationsPerRound = nil
        rawOutputs = nil
        memory = nil
    }

    /// Fills the summaries from the samples (the host's definitions).
    public mutating func summarise() {
        guard let summary = LatencyStatistics.summarize(latencyMsSamples) else { return }
        medianMs = summary.medianMs
        p10Ms = summary.p10Ms
        p90Ms = summary.p90Ms
        trimmedMeanMs = summary.trimmedMeanMs
        madMs = summary.madMs
        roundMedianMs = summary.roundMedianMs
        roundSpreadPct = summary.roundSpreadPct
        fps = summary.fps
        if let multAdds = cost?.multAdds {
            cost?.achievedMultAddsPerS = Double(multAdds) / (summary.medianMs / 1000.0)
        }
    }
}

public struct ArtifactRecord: Encodable {
    /// The bundle artifact's `record_name`.
    public var name: String
    /// The bundle artifact's `id`.
    public var file: String
    /// As computed on the phone.
    public var sha256: String
    public var variant: String
    public var precision: String
    public var format: String
    /// deploy: what `mobrecon export` ships.
    public var form: String?

    enum CodingKeys: String, CodingKey {
        case name
        case file
        case sha256
        case variant
        case precision
        case format
        case form
    }

    public init(_ artifact: BundleArtifact, sha256: String) {
        name = artifact.recordName
        file = artifact.id
        self.sha256 = sha256
        variant = artifact.variant
        precision = artifact.precision
        format = artifact.format
        form = "deploy"
    }
}

public struct RuntimeRecord: Encodable {
    public var name: String
    public var version: String
    /// The contract's vocabulary: cpu, cpu+gpu, cpu+ane, all, coreml-ep.
    public var computeUnit: String
    public var executionProvider: String?
    public var options: [String: OptionValue]?
    /// Not exposed by ONNX Runtime's Objective-C API: absent.
    public var nodesByProvider: [String: Int]?
    public var nodesByProviderSource: String?

    enum CodingKeys: String, CodingKey {
        case name
        case version
        case computeUnit = "compute_unit"
        case executionProvider = "execution_provider"
        case options
        case nodesByProvider = "nodes_by_provider"
        case nodesByProviderSource = "nodes_by_provider_source"
    }

    public init(_ runtime: RuntimeDescription) {
        name = runtime.name
        version = runtime.version
        computeUnit = runtime.computeUnit
        executionProvider = runtime.executionProvider
        options = runtime.options
    }
}

public enum AccuracyVerdict: String, Encodable {
    case pass
    case fail
    case notRun = "not-run"
}

/// Worst-case errors against the PyTorch outputs on the bundle's inputs, over every round.
public struct Accuracy: Encodable {
    public static let measuredOnDevice = "measured on device"

    /// Largest vertex error, millimetres.
    public var vertexErrorMmMax: Double?
    public var joint3dErrorMmMax: Double?
    /// Largest 2D joint error, crop pixels.
    public var joint2dErrorPxMax: Double?
    public var verdict: AccuracyVerdict
    public var reason: String?
    public var source: String?

    enum CodingKeys: String, CodingKey {
        case vertexErrorMmMax = "vertex_error_mm_max"
        case joint3dErrorMmMax = "joint3d_error_mm_max"
        case joint2dErrorPxMax = "joint2d_error_px_max"
        case verdict
        case reason
        case source
    }
}

public struct Cost: Encodable {
    /// Multiply-adds of one inference (the bundle model's).
    public var multAdds: Int?
    public var achievedMultAddsPerS: Double?
    /// No compute floor on phones: absent.
    public var computeFloorFraction: Double?

    enum CodingKeys: String, CodingKey {
        case multAdds = "mult_adds"
        case achievedMultAddsPerS = "achieved_mult_adds_per_s"
        case computeFloorFraction = "compute_floor_fraction"
    }
}

public enum MemoryMetric: String, Encodable {
    /// iOS `task_vm_info.phys_footprint`.
    case physFootprint = "phys_footprint"
}

/// Process memory around each round, MiB.
public struct MemoryRecord: Encodable {
    public var metric: MemoryMetric
    /// Before the round's session loaded.
    public var beforeMib: [Double]
    /// After the round's timed runs, session still alive.
    public var afterMib: [Double]

    enum CodingKeys: String, CodingKey {
        case metric
        case beforeMib = "before_mib"
        case afterMib = "after_mib"
    }
}

/// The outputs for every bundle input, per round, exactly as the runtime returned them.
public struct RawOutputs: Encodable {
    public var inputsSha256: String
    /// One list of tensors per round; each tensor stacks the N inputs' outputs.
    public var rounds: [[TensorRecord]]

    enum CodingKeys: String, CodingKey {
        case inputsSha256 = "inputs_sha256"
        case rounds
    }
}

/// A tensor as base64 of its row-major little-endian float32 bytes.
public struct TensorRecord: Encodable {
    public var name: String
    /// [N, ...].
    public var shape: [Int]
    public var dtype: String = "float32"
    public var byteOrder: String = "little"
    /// Standard padded base64; 4 x prod(shape) bytes before encoding.
    public var dataBase64: String

    enum CodingKeys: String, CodingKey {
        case name
        case shape
        case dtype
        case byteOrder = "byte_order"
        case dataBase64 = "data_base64"
    }

    public init(_ tensor: Tensor) {
        name = tensor.name
        shape = tensor.shape
        dataBase64 = tensor.littleEndianBytes.base64EncodedString()
    }
}
