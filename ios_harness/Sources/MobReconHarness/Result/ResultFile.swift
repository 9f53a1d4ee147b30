// The result file, version 2 of benchmarks/results/result.schema.json: the same schema host runs write.
//
// Swift names map to the schema's keys through CodingKeys only. tests/benchmarks/devices/ios reads these types
// from this source and checks every key, every required key and every nested type against the
// schema, so the Swift writer and the host reader cannot drift apart unnoticed.
//
// Optional properties are left out when nil; a key the schema requires but allows to be null is a
// `Nullable`, which always writes the key (null when empty).

import Foundation

/// A value whose key is always written: the value, or JSON null.
public struct Nullable<Value: Encodable>: Encodable {
    public var value: Value?

    public init(_ value: Value?) { self.value = value }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

/// One benchmark run on one device; the top-level object of a result file.
public struct ResultFile: Encodable {
    public var schemaVersion: Int = 2
    /// When the run finished, ISO 8601 UTC.
    public var createdUtc: String
    /// The device identifier again (a phone has no host name it may read).
    public var host: String
    public var device: DeviceInfo
    public var toolVersions: [String: String]
    public var method: MethodRecord
    /// Not measured on phones: always empty.
    public var computeFloor: [ComputeFloorEntry] = []
    public var records: [ResultRecord]
    /// Phones have no load average: null.
    public var hostLoad: Nullable<HostLoad> = Nullable(nil)
    public var harness: HarnessInfo
    public var bundle: BundleReference
    public var thermal: ThermalRecord

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case createdUtc = "created_utc"
        case host
        case device
        case toolVersions = "tool_versions"
        case method
        case computeFloor = "compute_floor"
        case records
        case hostLoad = "host_load"
        case harness
        case bundle
        case thermal
    }
}

/// The device, as the platform tells it; the host assigns the device class at ingest.
public struct DeviceInfo: Encodable {
    /// "unclassified" on phones.
    public var deviceClass: String = "unclassified"
    /// `utsname.machine`, e.g. iPhone13,2; never a marketing name.
    public var modelName: String
    /// e.g. "iOS 17.5".
    public var os: String
    /// What the platform tells of the CPU (`hw.cputype`/`hw.cpusubtype`; Apple names no SoC).
    public var cpuModel: String
    public var logicalCores: Int
    /// `ProcessInfo.activeProcessorCount`.
    public var usableCores: Int?
    public var manufacturer: String?
    public var socManufacturer: String?
    public var socModel: String?
    public var hardware: String?
    /// iOS, iPadOS or macOS.
    public var osName: String?
    public var osVersion: String?
    /// CPU architecture, e.g. arm64.
    public var abi: String?

    enum CodingKeys: String, CodingKey {
        case deviceClass = "device_class"
        case modelName = "model_name"
        case os
        case cpuModel = "cpu_model"
        case logicalCores = "logical_cores"
        case usableCores = "usable_cores"
        case manufacturer
        case socManufacturer = "soc_manufacturer"
        case socModel = "soc_model"
        case hardware
        case osName = "os_name"
        case osVersion = "os_version"
        case abi
    }

    public init(modelName: String, os: String, cpuModel: String, logicalCores: Int, usableCores: Int?,
                manufacturer: String?, osName: String?, osVersion: String?, abi: String?) {
        self.modelName = modelName
        self.os = os
        self.cpuModel = cpuModel
        self.logicalCores = logicalCores
        self.usableCores = usableCores
        self.manufacturer = manufacturer
        self.osName = osName
        self.osVersion = osVersion
        self.abi = abi
    }
}

public struct MethodRecord: Encodable {
    public var rounds: Int
    public var warmupIters: Int
    public var minIters: Int
    public var timeBudgetS: Double
    /// Round r of every record ran before round r+1 of any: always true here.
    public var interleaved: Bool
    public var alternateOrder: Bool
    public var timer: String
    public var trimFraction: Double

    enum CodingKeys: String, CodingKey {
        case rounds
        case warmupIters = "warmup_iters"
        case minIters = "min_iters"
        case timeBudgetS = "time_budget_s"
        case interleaved
        case alternateOrder = "alternate_order"
        case timer
        case trimFraction = "trim_fraction"
    }

    public init(_ method: BenchmarkMethod) {
        rounds = method.rounds
        warmupIters = method.warmupIters
        minIters = method.minIters
        timeBudgetS = method.timeBudgetS
        interleaved = true
        alternateOrder = method.alternateOrder
        timer = Stopwatch.timerName
        trimFraction = method.trimFraction
    }
}

/// The host's sustained matrix-product rate; phones write none (`compute_floor: []`).
public struct ComputeFloorEntry: Encodable {
    public var runtime: String
    public var runtimeVersion: String
    public var threads: Int
    public var multAddsPerS: Double
    public var matrixSize: Int
    public var runs: Int

    enum CodingKeys: String, CodingKey {
        case runtime
        case runtimeVersion = "runtime_version"
        case threads
        case multAddsPerS = "mult_adds_per_s"
        case matrixSize = "matrix_size"
        case runs
    }
}

/// Load averages; phones have none (`host_load: null`).
public struct HostLoad: Encodable {
    public var loadAverageStart: [Double]
    public var loadAverageEnd: [Double]

    enum CodingKeys: String, CodingKey {
        case loadAverageStart = "load_average_start"
        case loadAverageEnd = "load_average_end"
    }
}

public enum HarnessPlatform: String, Encodable {
    case ios
    case macos
}

public struct HarnessInfo: Encodable {
    /// mobrecon-ios-harness.
    public var name: String
    public var version: String
    public var platform: HarnessPlatform

    enum CodingKeys: String, CodingKey {
        case name
        case version
        case platform
    }
}

/// The bundle the phone ran.
public struct BundleReference: Encodable {
    public var format: String
    public var bundleJsonSha256: String
    public var inputsSha256: String

    enum CodingKeys: String, CodingKey {
        case format
        case bundleJsonSha256 = "bundle_json_sha256"
        case inputsSha256 = "inputs_sha256"
    }
}

public enum ThermalScale: String, Encodable {
    case iosThermalState = "ios-thermal-state"
}

/// Thermal state at the start and end of the whole run (nominal, fair, serious, critical).
public struct ThermalRecord: Encodable {
    public var scale: ThermalScale = .iosThermalState
    public var start: Nullable<String>
    public var end: Nullable<String>

    enum CodingKeys: String, CodingKey {
        case scale
        case start
        case end
    }
}
