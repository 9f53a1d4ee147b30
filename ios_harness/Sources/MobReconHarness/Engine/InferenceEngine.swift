// The engine interface the benchmark loop runs: an engine makes fresh sessions of one artifact on
// one runtime configuration; a session runs batch-1 inferences on an input it holds.

import Foundation

/// A runtime option value as the platform names it (`runtime.options` in the result).
public enum OptionValue: Encodable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(value): try container.encode(value)
        case let .number(value): try container.encode(value)
        case let .bool(value): try container.encode(value)
        }
    }
}

/// What the record's `runtime` says about an engine.
public struct RuntimeDescription: Equatable {
    /// onnxruntime or coreml.
    public let name: String
    public let version: String
    /// The contract's vocabulary: cpu, cpu+gpu, cpu+ane, all, coreml-ep.
    public let computeUnit: String
    /// ONNX Runtime's EP name; nil for Core ML.
    public let executionProvider: String?
    /// The options as the platform names them, e.g. ["MLComputeUnits": "cpuOnly"].
    public let options: [String: OptionValue]

    public init(name: String, version: String, computeUnit: String, executionProvider: String?, options: [String: OptionValue]) {
        self.name = name
        self.version = version
        self.computeUnit = computeUnit
        self.executionProvider = executionProvider
        self.options = options
    }
}

/// One artifact on one runtime configuration; makes fresh sessions.
public protocol InferenceEngine: AnyObject {
    var runtime: RuntimeDescription { get }
    /// Intra-op threads set; Core ML (no such setting) gives the active processor count.
    var threads: Int { get }
    /// Why this configuration cannot run on this device (EP missing), or nil.
    var unavailableReason: String? { get }
    /// One-off work before the first session (Core ML: `MLModel.compileModel(at:)`), milliseconds;
    /// nil when the runtime has none. Called once, before the first round.
    func prepare() throws -> Double?
    /// A fresh session (ORT `ORTSession`, Core ML `MLModel`); its creation is `session_load_ms`.
    func makeSession() throws -> InferenceSession
    /// Frees what `prepare` made (the compiled model).
    func cleanUp()
}

/// A loaded model with a preallocated input.
public protocol InferenceSession: AnyObject {
    /// Copies one [3, S, S] float32 input into the session's input buffer (once, not per run).
    func setInput(_ values: ArraySlice<Float>) throws
    /// One batch-1 inference on the input set last.
    func run() throws
    /// The outputs of the last run, name -> float32 values of one item (e.g. verts 778 x 3).
    func lastOutputs() throws -> [String: [Float]]
}

/// A bundle run this harness has no engine for: measured as a `skipped` record with the reason,
/// never left out.
public final class UnavailableEngine: InferenceEngine {
    public let runtime: RuntimeDescription
    public let threads: Int
    public let unavailableReason: String?

    public init(runtime: RuntimeDescription, threads: Int = 1, reason: String) {
        self.runtime = runtime
        self.threads = threads
        unavailableReason = reason
    }

    public func prepare() throws -> Double? { throw HarnessError.runtime(unavailableReason ?? "unavailable") }
    public func makeSession() throws -> InferenceSession { throw HarnessError.runtime(unavailableReason ?? "unavailable") }
    public func cleanUp() {}
}
