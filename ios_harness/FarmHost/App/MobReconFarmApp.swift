// The device-farm host app: one screen. The measurements run in the UI-test runner
// (MobReconFarmUITests-Runner.app), which links the harness and carries the bundle.

import SwiftUI

@main
struct MobReconFarmApp: App {
    var body: some Scene {
        WindowGroup {
            Text("MobRecon benchmark host: the harness runs in its test runner (BundleBenchmarkTests).")
                .padding()
        }
    }
}
