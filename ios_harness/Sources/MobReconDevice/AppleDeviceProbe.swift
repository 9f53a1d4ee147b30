// Device facts on iOS and macOS: model identifier from utsname.machine (never the marketing name),
// OS name and version, CPU type from sysctl, cores, process memory from task_vm_info.phys_footprint,
// thermal state from ProcessInfo.

import Darwin
import Foundation
import MobReconHarness

public struct AppleDeviceProbe: DeviceProbe {
    public init() {}

    public var platform: HarnessPlatform {
        #if os(macOS)
        return .macos
        #else
        return .ios
        #endif
    }

    /// `utsname.machine`, e.g. iPhone13,2 (iPhone 12), arm64 on a Mac.
    public static func machineIdentifier() -> String {
        var info = utsname()
        uname(&info)
        return withUnsafeBytes(of: &info.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    /// A string sysctl value (e.g. hw.model on a Mac), or nil.
    static func sysctlString(_ name: String) -> String? {
        var size = 0
        guard sysctlbyname(name, nil, &size, nil, 0) == 0, size > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: size)
        guard sysctlbyname(name, &buffer, &size, nil, 0) == 0 else { return nil }
        return String(cString: buffer)
    }

    /// An integer sysctl value (e.g. hw.cputype), or nil.
    static func sysctlInt(_ name: String) -> Int32? {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard sysctlbyname(name, &value, &size, nil, 0) == 0 else { return nil }
        return value
    }

    /// What the platform tells of the CPU: Apple exposes no SoC name on iOS, so the CPU type and
    /// subtype numbers (the class table maps model_name, not this).
    static func cpuDescription() -> String {
        if let brand = sysctlString("machdep.cpu.brand_string") { return brand }
        let type = sysctlInt("hw.cputype").map(String.init) ?? "?"
        let subtype = sysctlInt("hw.cpusubtype").map(String.init) ?? "?"
        return "cputype \(type) subtype \(subtype)"
    }

    public func deviceInfo() -> DeviceInfo {
        let process = ProcessInfo.processInfo
        let version = process.operatingSystemVersion
        let versionText = version.patchVersion == 0
            ? "\(version.majorVersion).\(version.minorVersion)"
            : "\(version.majorVersion).\(version.minorVersion).\(version.patchVersion)"
        #if os(macOS)
        let osName = "macOS"
        let model = AppleDeviceProbe.sysctlString("hw.model") ?? AppleDeviceProbe.machineIdentifier()
        #else
        let osName = AppleDeviceProbe.machineIdentifier().hasPrefix("iPad") ? "iPadOS" : "iOS"
        let model = AppleDeviceProbe.machineIdentifier()
        #endif
        return DeviceInfo(
            modelName: model,
            os: "\(osName) \(versionText)",
            cpuModel: AppleDeviceProbe.cpuDescription(),
            logicalCores: process.processorCount,
            usableCores: process.activeProcessorCount,
            manufacturer: "Apple",
            osName: osName,
            osVersion: versionText,
            abi: AppleDeviceProbe.architecture()
        )
    }

    /// The CPU architecture this code runs as.
    static func architecture() -> String {
        #if arch(arm64)
        return "arm64"
        #elseif arch(x86_64)
        return "x86_64"
        #else
        return AppleDeviceProbe.machineIdentifier()
        #endif
    }

    /// `task_vm_info.phys_footprint` of this process, MiB: the figure iOS's memory limit uses.
    public func footprintMiB() -> Double? {
        var info = task_vm_info_data_t()
        var count = mach_msg_type_number_t(MemoryLayout<task_vm_info_data_t>.size / MemoryLayout<integer_t>.size)
        let status = withUnsafeMutablePointer(to: &info) { pointer in
            pointer.withMemoryRebound(to: integer_t.self, capacity: Int(count)) { raw in
                task_info(mach_task_self_, task_flavor_t(TASK_VM_INFO), raw, &count)
            }
        }
        guard status == KERN_SUCCESS else { return nil }
        return Double(info.phys_footprint) / 1_048_576.0
    }

    /// `ProcessInfo.thermalState` on the ios-thermal-state scale.
    public func thermalState() -> String? {
        switch ProcessInfo.processInfo.thermalState {
        case .nominal: return "nominal"
        case .fair: return "fair"
        case .serious: return "serious"
        case .critical: return "critical"
        @unknown default: return "unknown"
        }
    }
}
