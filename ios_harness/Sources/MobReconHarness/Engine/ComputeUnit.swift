// The compute-unit vocabulary of the result schema (`runtime.compute_unit`), the same on every
// platform, and the names users and Core ML give the same things.

import Foundation

public enum ComputeUnit: String, CaseIterable {
    /// ORT CPU EP, Core ML `.cpuOnly`.
    case cpu
    /// Core ML `.cpuAndGPU`.
    case cpuAndGPU = "cpu+gpu"
    /// Core ML `.cpuAndNeuralEngine`.
    case cpuAndNeuralEngine = "cpu+ane"
    /// Core ML `.all`.
    case all
    /// ONNX Runtime's CoreML execution provider.
    case coreMLEP = "coreml-ep"

    /// Core ML's own name (`MLComputeUnits` case), for `runtime.options`; nil for coreml-ep.
    public var coreMLName: String? {
        switch self {
        case .cpu: return "cpuOnly"
        case .cpuAndGPU: return "cpuAndGPU"
        case .cpuAndNeuralEngine: return "cpuAndNeuralEngine"
        case .all: return "all"
        case .coreMLEP: return nil
        }
    }

    /// A unit named in the vocabulary or by its Core ML name (`cpuOnly`, `cpuAndGPU`, ...).
    public init?(name: String) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if let unit = ComputeUnit(rawValue: trimmed.lowercased()) {
            self = unit
        } else if let unit = ComputeUnit.allCases.first(where: { $0.coreMLName?.lowercased() == trimmed.lowercased() }) {
            self = unit
        } else {
            return nil
        }
    }

    /// Comma-separated names to units, in the order given, without repeats.
    ///
    /// - Throws: `HarnessError.badOption` naming an unknown unit.
    public static func parseList(_ text: String) throws -> [ComputeUnit] {
        var units: [ComputeUnit] = []
        for name in text.split(separator: ",").map(String.init) where !name.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let unit = ComputeUnit(name: name) else {
                let known = ComputeUnit.allCases.map { [$0.rawValue, $0.coreMLName].compactMap { $0 }.joined(separator: "/") }
                throw HarnessError.badOption("unknown compute unit \(name) (choose from \(known.joined(separator: ", ")))")
            }
            if !units.contains(unit) { units.append(unit) }
        }
        return units
    }
}
