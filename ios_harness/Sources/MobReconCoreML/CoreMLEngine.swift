// Core ML on the bundle's .mlpackage: compiled on the device with MLModel.compileModel(at:) (timed,
// once per artifact, shared by its compute units), loaded per round with MLModelConfiguration's
// computeUnits set to .cpuOnly, .cpuAndGPU, .cpuAndNeuralEngine or .all.

import CoreML
import Foundation
import MobReconHarness

/// Compiles each .mlpackage once per run and removes the compiled models at the end.
public final class CoreMLCompiler {
    var compiled: [URL: (model: URL, milliseconds: Double)] = [:]

    public init() {}

    /// The compiled model (.mlmodelc) of a package and the time its compilation took, milliseconds;
    /// an .mlmodelc is already compiled (0 ms) and is never removed.
    public func compile(_ package: URL) throws -> (model: URL, milliseconds: Double) {
        if let done = compiled[package] { return done }
        if package.pathExtension == "mlmodelc" { return (package, 0) }
        var model: URL?
        let milliseconds = try Stopwatch.time { model = try MLModel.compileModel(at: package) }
        guard let model else { throw HarnessError.runtime("Core ML compiled \(package.lastPathComponent) to nothing") }
        compiled[package] = (model, milliseconds)
        return (model, milliseconds)
    }

    /// Deletes every compiled model (they live in a temporary folder Core ML chose).
    public func removeAll() {
        for entry in compiled.values { try? FileManager.default.removeItem(at: entry.model) }
        compiled.removeAll()
    }
}

extension ComputeUnit {
    /// Core ML's setting for this unit; nil for units Core ML has not (coreml-ep).
    public var mlComputeUnits: MLComputeUnits? {
        switch self {
        case .cpu: return .cpuOnly
        case .cpuAndGPU: return .cpuAndGPU
        case .cpuAndNeuralEngine: return .cpuAndNeuralEngine
        case .all: return .all
        case .coreMLEP: return nil
        }
    }
}

/// One .mlpackage on one MLComputeUnits setting.
public final class CoreMLEngine: InferenceEngine {
    let packageURL: URL
    let computeUnits: MLComputeUnits
    let compiler: CoreMLCompiler
    let inputName: String
    let inputShape: [Int]
    let outputNames: [String]
    var compiledURL: URL?
    public let runtime: RuntimeDescription

    /// - Parameters:
    ///   - package: the .mlpackage folder.
    ///   - unit: cpu, cpu+gpu, cpu+ane or all.
    ///   - input: the model input (name `image`, shape [1, 3, 128, 128]).
    ///   - outputs: output names (verts, uv).
    ///   - osVersion: Core ML has no version of its own; its version is the OS's (e.g. "iOS 17.5").
    public init(package: URL, unit: ComputeUnit, input: TensorSpec, outputs: [String], compiler: CoreMLCompiler, osVersion: String) throws {
        guard let units = unit.mlComputeUnits, let coreMLName = unit.coreMLName else {
            throw HarnessError.badOption("Core ML has no compute unit \(unit.rawValue)")
        }
        packageURL = package
        computeUnits = units
        self.compiler = compiler
        inputName = input.name
        inputShape = input.shape
        outputNames = outputs
        runtime = RuntimeDescription(
            name: "coreml", version: osVersion, computeUnit: unit.rawValue, executionProvider: nil,
            options: ["MLComputeUnits": .string(coreMLName), "threads": .string("runtime-chosen"),
                      "allowLowPrecisionAccumulationOnGPU": .bool(false)]
        )
    }

    /// Core ML has no thread setting: the active processor count.
    public var threads: Int { ProcessInfo.processInfo.activeProcessorCount }

    public var unavailableReason: String? { nil }

    public func prepare() throws -> Double? {
        let (model, milliseconds) = try compiler.compile(packageURL)
        compiledURL = model
        return milliseconds
    }

    public func makeSession() throws -> InferenceSession {
        guard let compiledURL else { throw HarnessError.runtime("makeSession before prepare") }
        let configuration = MLModelConfiguration()
        configuration.computeUnits = computeUnits
        configuration.allowLowPrecisionAccumulationOnGPU = false
        let model = try MLModel(contentsOf: compiledURL, configuration: configuration)
        return try CoreMLSession(model: model, inputName: inputName, inputShape: inputShape, outputNames: outputNames)
    }

    /// The compiled model belongs to the shared compiler, which removes it.
    public func cleanUp() {}
}

/// A loaded MLModel with its input array and feature provider built once.
final class CoreMLSession: InferenceSession {
    let model: MLModel
    let input: OwnedFloatArray
    let features: MLDictionaryFeatureProvider
    let outputNames: [String]
    var last: MLFeatureProvider?

    init(model: MLModel, inputName: String, inputShape: [Int], outputNames: [String]) throws {
        guard model.modelDescription.inputDescriptionsByName[inputName] != nil else {
            let names = model.modelDescription.inputDescriptionsByName.keys.sorted().joined(separator: ", ")
            throw HarnessError.runtime("the Core ML model has no input \(inputName) (inputs: \(names))")
        }
        self.model = model
        self.outputNames = outputNames
        input = try OwnedFloatArray(shape: inputShape)
        features = try MLDictionaryFeatureProvider(dictionary: [inputName: MLFeatureValue(multiArray: input.array)])
    }

    func setInput(_ values: ArraySlice<Float>) throws {
        try input.fill(values)
    }

    func run() throws {
        last = try model.prediction(from: features)
    }

    func lastOutputs() throws -> [String: [Float]] {
        guard let last else { throw HarnessError.runtime("no prediction has run") }
        var outputs: [String: [Float]] = [:]
        for name in outputNames {
            guard let array = last.featureValue(for: name)?.multiArrayValue else {
                throw HarnessError.runtime("the Core ML prediction has no multi-array output \(name)")
            }
            outputs[name] = MultiArrayReader.floats(array)
        }
        return outputs
    }
}
