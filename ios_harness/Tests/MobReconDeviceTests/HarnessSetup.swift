// From a bundle and the runner's environment to planned records: which artifact runs on which
// engine, each artifact's sha256 checked before any engine sees it.

import Foundation
import MobReconCoreML
import MobReconDevice
import MobReconHarness
import MobReconORT

/// Anchors `Bundle(for:)` when these sources are built outside SwiftPM (the farm host project).
final class BundleLocator {}

struct HarnessSetup {
    /// Folder name of the bundle resource (Package.swift `.copy("Resources/MobReconBundle")`).
    static let resourceName = "MobReconBundle"
    /// A bundle folder on disk instead of the resource (macOS `swift test`).
    static let bundleDirectoryKey = "MOBRECON_BUNDLE_DIR"

    let bundle: LoadedBundle
    let options: RunOptions
    let probe = AppleDeviceProbe()
    let compiler = CoreMLCompiler()

    /// The bundle folder: $MOBRECON_BUNDLE_DIR, else the test bundle's resource.
    ///
    /// - Throws: `HarnessError.noBundle` when neither holds a bundle.json.
    static func locateBundle(environment: [String: String]) throws -> URL {
        if let path = environment[bundleDirectoryKey], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        #if SWIFT_PACKAGE
        let resources = Bundle.module
        #else
        let resources = Bundle(for: BundleLocator.self)
        #endif
        if let folder = resources.url(forResource: resourceName, withExtension: nil),
           FileManager.default.fileExists(atPath: folder.appendingPathComponent(LoadedBundle.indexFile).path) {
            return folder
        }
        throw HarnessError.noBundle("no bundle in the test resources (\(resourceName)/ holds only its placeholder): "
            + "run `mobrecon device ios run BUNDLE --device UDID`, or set \(bundleDirectoryKey)")
    }

    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HarnessSetup {
        let folder = try locateBundle(environment: environment)
        return HarnessSetup(bundle: try LoadedBundle.load(from: folder), options: try RunOptions(environment: environment))
    }

    /// ONNX Runtime thread counts: the chosen ones, else 1 and every active core (the host's default).
    var threadCounts: [Int] {
        if !options.threads.isEmpty { return options.threads }
        return Array(Set([1, ProcessInfo.processInfo.activeProcessorCount])).sorted()
    }

    /// The (artifact, run) pairs for this platform and the selection, in bundle order.
    func selectedRuns() -> [(artifact: BundleArtifact, run: ArtifactRun)] {
        let platform = probe.platform.rawValue
        let units = Set(options.computeUnits.map(\.rawValue))
        return bundle.index.artifacts.flatMap { artifact in
            artifact.runs.map { (artifact: artifact, run: $0) }
        }.filter { pair in
            pair.run.platform == platform
                && (options.runtimes.isEmpty || options.runtimes.contains(pair.run.runtime))
                && (units.isEmpty || units.contains(pair.run.computeUnit))
                && (options.artifacts.isEmpty || options.artifacts.contains(pair.artifact.id))
        }
    }

    /// Every selected record with its engine; each artifact's sha256 is checked first.
    ///
    /// - Throws: `HarnessError.hashMismatch` for a changed artifact (nothing is loaded then).
    func plans() throws -> [PlannedRecord] {
        var checked: [String: String] = [:]
        var plans: [PlannedRecord] = []
        let osVersion = probe.deviceInfo().os
        for (artifact, run) in selectedRuns() {
            let sha256 = try checked[artifact.id] ?? bundle.checkedSHA256(of: artifact)
            checked[artifact.id] = sha256
            guard let input = artifact.inputs.first else {
                throw HarnessError.badBundle("\(artifact.id) lists no input")
            }
            let url = bundle.url(of: artifact)
            for engine in try engines(for: run, model: url, input: input, outputs: artifact.outputs, osVersion: osVersion) {
                plans.append(PlannedRecord(artifact: artifact, sha256: sha256, engine: engine))
            }
        }
        return plans
    }

    /// The engines of one run: one Core ML configuration, or ONNX Runtime at each thread count
    /// (the CoreML EP, whose threads serve only its CPU fallback, at the largest count). A run the
    /// harness has no engine for becomes a skipped record with the reason.
    func engines(for run: ArtifactRun, model: URL, input: TensorSpec, outputs: [TensorSpec], osVersion: String) throws -> [InferenceEngine] {
        switch (run.runtime, run.executionProvider) {
        case ("coreml", _):
            if let unit = ComputeUnit(rawValue: run.computeUnit), unit.coreMLName != nil {
                return [try CoreMLEngine(package: model, unit: unit, input: input, outputs: outputs.map(\.name),
                                         compiler: compiler, osVersion: osVersion)]
            }
        case ("onnxruntime", "CoreMLExecutionProvider"):
            return [ORTEngine(model: model, provider: .coreML, threads: threadCounts.max() ?? 1, input: input, outputs: outputs)]
        case ("onnxruntime", "CPUExecutionProvider"):
            return threadCounts.map { ORTEngine(model: model, provider: .cpu, threads: $0, input: input, outputs: outputs) }
        default:
            break
        }
        let runtime = RuntimeDescription(name: run.runtime, version: "not loaded", computeUnit: run.computeUnit,
                                         executionProvider: run.executionProvider, options: [:])
        return [UnavailableEngine(runtime: runtime, reason: "the iOS harness has no engine for \(run.runtime) "
            + "\(run.executionProvider ?? "") on \(run.computeUnit)")]
    }

    /// Versions the test process knows: ONNX Runtime's, and Xcode's from the test bundle's Info.plist.
    func toolVersions() -> [String: String] {
        var versions = ["onnxruntime": ORTRuntime.version]
        let info = Bundle(for: BundleLocator.self).infoDictionary ?? [:]
        if let xcode = info["DTXcode"] as? String { versions["xcode"] = xcode }
        if let build = info["DTXcodeBuild"] as? String { versions["xcode_build"] = build }
        if let sdk = info["DTSDKName"] as? String { versions["sdk"] = sdk }
        return versions
    }

    /// Runs every selected record and writes the result into Documents/mobrecon-results/.
    ///
    /// - Returns: the result, its JSON bytes and the file written.
    func runAndWrite(log: @escaping (String) -> Void) throws -> (result: ResultFile, data: Data, file: URL) {
        let plans = try plans()
        let thermalStart = probe.thermalState()
        let records = BenchmarkLoop(bundle: bundle, method: options.method, probe: probe, log: log).run(plans)
        let thermalEnd = probe.thermalState()
        compiler.removeAll()
        let finished = Date()
        let result = ResultWriter.resultFile(bundle: bundle, records: records, method: options.method, probe: probe,
                                             toolVersions: toolVersions(), thermalStart: thermalStart,
                                             thermalEnd: thermalEnd, finished: finished)
        let data = try ResultWriter.encode(result)
        let file = try ResultWriter.write(result, data: data, to: try ResultWriter.defaultFolder(), finished: finished)
        return (result, data, file)
    }
}
