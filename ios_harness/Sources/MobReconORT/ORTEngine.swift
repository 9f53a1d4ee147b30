// ONNX Runtime (onnxruntime-swift-package-manager, Objective-C API) on the bundle's .ort / .onnx
// files: the coreml-ep .ort with the CoreML execution provider as an ML Program, and any of them on
// the CPU execution provider with intra_op_num_threads set. Inputs and outputs are ORTValues over
// NSMutableData the session owns: filled once per input, no copy or allocation per run.

import Foundation
import MobReconHarness
import OnnxRuntimeBindings

/// Which execution provider a session gets.
public enum ORTProvider {
    /// ORT's CoreML EP, ML Program format, static input shapes.
    case coreML
    /// ORT's CPU EP.
    case cpu

    var computeUnit: ComputeUnit { self == .coreML ? .coreMLEP : .cpu }
    var providerName: String { self == .coreML ? "CoreMLExecutionProvider" : "CPUExecutionProvider" }
}

/// One ORT environment per process (ORTEnv must outlive its sessions).
public enum ORTRuntime {
    public static let environment: ORTEnv? = try? ORTEnv(loggingLevel: ORTLoggingLevel.warning)

    /// The linked ONNX Runtime's version, e.g. 1.24.2.
    public static var version: String { ORTVersion() ?? "unknown" }
}

public final class ORTEngine: InferenceEngine {
    let modelPath: String
    let provider: ORTProvider
    let input: TensorSpec
    let outputs: [TensorSpec]
    public let threads: Int
    public let runtime: RuntimeDescription

    /// - Parameters:
    ///   - model: the .ort or .onnx file.
    ///   - provider: CoreML EP or CPU EP.
    ///   - threads: intra-op threads (ORT's CPU kernels; the CoreML EP's CPU fallback too).
    ///   - input: the model input spec (`image` [1, 3, 128, 128]).
    ///   - outputs: output specs (verts [1, 778, 3], uv [1, 21, 2]).
    public init(model: URL, provider: ORTProvider, threads: Int, input: TensorSpec, outputs: [TensorSpec]) {
        modelPath = model.path
        self.provider = provider
        self.threads = threads
        self.input = input
        self.outputs = outputs
        var options: [String: OptionValue] = ["intra_op_num_threads": .number(Double(threads))]
        if provider == .coreML {
            // ORTCoreMLExecutionProviderOptions properties, as set below.
            options["createMLProgram"] = .bool(true)
            options["onlyAllowStaticInputShapes"] = .bool(true)
            options["useCPUOnly"] = .bool(false)
            options["useCPUAndGPU"] = .bool(false)
        }
        runtime = RuntimeDescription(name: "onnxruntime", version: ORTRuntime.version, computeUnit: provider.computeUnit.rawValue,
                                     executionProvider: provider.providerName, options: options)
    }

    public var unavailableReason: String? {
        if ORTRuntime.environment == nil { return "ONNX Runtime's environment could not be created" }
        if provider == .coreML && !ORTIsCoreMLExecutionProviderAvailable() {
            return "this ONNX Runtime build has no CoreML execution provider"
        }
        return nil
    }

    /// ONNX Runtime has no separate compile step (the CoreML EP converts inside session creation).
    public func prepare() throws -> Double? { nil }

    public func makeSession() throws -> InferenceSession {
        guard let environment = ORTRuntime.environment else { throw HarnessError.runtime("no ORT environment") }
        let options = try ORTSessionOptions()
        try options.setIntraOpNumThreads(Int32(threads))
        try options.setLogSeverityLevel(ORTLoggingLevel.warning)
        if provider == .coreML {
            let coreML = ORTCoreMLExecutionProviderOptions()
            coreML.createMLProgram = true
            coreML.onlyAllowStaticInputShapes = true
            try options.appendCoreMLExecutionProvider(with: coreML)
        }
        let session = try ORTSession(env: environment, modelPath: modelPath, sessionOptions: options)
        return try ORTBenchmarkSession(session: session, input: input, outputs: outputs)
    }

    public func cleanUp() {}
}

/// A float32 tensor over NSMutableData it owns.
final class ORTBuffer {
    let data: NSMutableData
    let value: ORTValue
    let count: Int

    init(shape: [Int]) throws {
        count = shape.reduce(1, *)
        guard let data = NSMutableData(length: count * MemoryLayout<Float>.stride) else {
            throw HarnessError.runtime("cannot allocate \(count) floats")
        }
        self.data = data
        value = try ORTValue(tensorData: data, elementType: ORTTensorElementDataType.float, shape: shape.map { NSNumber(value: $0) })
    }

    var floats: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: data.mutableBytes.assumingMemoryBound(to: Float.self), count: count)
    }
}

final class ORTBenchmarkSession: InferenceSession {
    let session: ORTSession
    let inputs: [String: ORTValue]
    let outputBuffers: [String: ORTBuffer]
    let outputValues: [String: ORTValue]
    let input: ORTBuffer

    init(session: ORTSession, input spec: TensorSpec, outputs: [TensorSpec]) throws {
        self.session = session
        let names = try session.outputNames()
        for output in outputs where !names.contains(output.name) {
            throw HarnessError.runtime("the ORT model has no output \(output.name) (outputs: \(names.joined(separator: ", ")))")
        }
        input = try ORTBuffer(shape: spec.shape)
        inputs = [spec.name: input.value]
        var buffers: [String: ORTBuffer] = [:]
        for output in outputs { buffers[output.name] = try ORTBuffer(shape: output.shape) }
        outputBuffers = buffers
        outputValues = buffers.mapValues(\.value)
    }

    func setInput(_ values: ArraySlice<Float>) throws {
        guard values.count == input.count else {
            throw HarnessError.runtime("input has \(values.count) values; the model takes \(input.count)")
        }
        _ = input.floats.update(fromContentsOf: values)
    }

    /// One run into the preallocated outputs.
    func run() throws {
        try session.run(withInputs: inputs, outputs: outputValues, runOptions: nil)
    }

    func lastOutputs() throws -> [String: [Float]] {
        outputBuffers.mapValues { Array($0.floats) }
    }
}
