import Foundation

/// What the platform layer tells the core about the device (MobReconDevice implements it).
public protocol DeviceProbe {
    /// The device facts for `device` (model identifier, OS, CPU, cores).
    func deviceInfo() -> DeviceInfo
    /// The platform family the harness runs on.
    var platform: HarnessPlatform { get }
    /// Process memory now, MiB (iOS: `task_vm_info.phys_footprint`); nil when unavailable.
    func footprintMiB() -> Double?
    /// Thermal state now on the `ios-thermal-state` scale (nominal, fair, serious, critical).
    func thermalState() -> String?
}
