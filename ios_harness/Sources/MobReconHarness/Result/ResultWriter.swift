// Assembling and writing the result file: name `result-<platform>-<model_name>-<yyyymmddThhmmssZ>.json`,
// written atomically (temporary file, then rename) into the test runner's Documents/mobrecon-results/.

import Foundation

public enum ResultWriter {
    public static let harnessName = "mobrecon-ios-harness"
    public static let harnessVersion = "0.1.0"
    public static let resultsFolderName = "mobrecon-results"

    /// The result file of one run.
    ///
    /// - Parameters:
    ///   - records: the measured records.
    ///   - toolVersions: versions known to the caller (onnxruntime, xcode); the OS and the harness are added.
    ///   - thermalStart: thermal state before the first record ran; `thermalEnd` after the last.
    public static func resultFile(bundle: LoadedBundle, records: [ResultRecord], method: BenchmarkMethod, probe: DeviceProbe,
                                  toolVersions: [String: String], thermalStart: String?, thermalEnd: String?,
                                  finished: Date = Date()) -> ResultFile {
        let device = probe.deviceInfo()
        var versions = toolVersions
        versions[harnessName] = harnessVersion
        versions[(device.osName ?? "os").lowercased()] = device.osVersion ?? device.os
        return ResultFile(
            createdUtc: isoUTC(finished),
            host: device.modelName,
            device: device,
            toolVersions: versions,
            method: MethodRecord(method),
            records: records,
            harness: HarnessInfo(name: harnessName, version: harnessVersion, platform: probe.platform),
            bundle: BundleReference(format: bundle.index.format, bundleJsonSha256: bundle.indexSHA256,
                                    inputsSha256: bundle.index.inputs.tensor.sha256),
            thermal: ThermalRecord(start: Nullable(thermalStart), end: Nullable(thermalEnd))
        )
    }

    /// ISO 8601 UTC with seconds, e.g. 2026-03-01T12:00:00Z.
    public static func isoUTC(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The contract's file name for a result.
    public static func fileName(platform: HarnessPlatform, modelName: String, finished: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "result-\(platform.rawValue)-\(modelName)-\(formatter.string(from: finished)).json"
    }

    /// JSON bytes of a result: sorted keys, indented.
    public static func encode(_ result: ResultFile) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(result)
    }

    /// `Documents/mobrecon-results/` of the running process (the test runner's container on iOS).
    public static func defaultFolder() throws -> URL {
        let documents = try FileManager.default.url(for: .documentDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        return documents.appendingPathComponent(resultsFolderName, isDirectory: true)
    }

    /// Writes the result atomically into `folder`; returns the file's URL.
    public static func write(_ result: ResultFile, data: Data, to folder: URL, finished: Date) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(fileName(platform: result.harness.platform, modelName: result.device.modelName,
                                                         finished: finished))
        try data.write(to: url, options: .atomic)
        return url
    }
}
