// swift-tools-version:5.9
//
// The iOS harness: times and verifies the exported MobRecon artifacts on an iPhone (Core ML on the
// .mlpackage with every compute unit, ONNX Runtime on the coreml-ep .ort with the CoreML and CPU
// execution providers) and writes the project's result schema (benchmarks/results/result.schema.json).
//
// Targets, one job each:
//   MobReconHarness   platform-neutral core: bundle reader and hashes, the benchmark loop over an
//                     engine protocol, statistics, verification maths, result types and writer; the
//                     app pipeline's maths (Pipeline/: crop, warp, registration, outputs, HandPipeline)
//   MobReconDevice    what the phone tells: utsname.machine, OS version, phys_footprint, thermal state
//   MobReconCoreML    Core ML engine (.mlpackage, compiled on device)
//   MobReconORT       ONNX Runtime engine (.ort / .onnx; CoreML EP or CPU EP)
//   MobReconHand      what an app calls: load, preprocess, predict, decode to metres and pixels;
//                     HandMeshPipeline: camera frame (CVPixelBuffer, CGImage) + hand box -> mesh in metres
//   MobReconHarnessCoreTests  the core against the host's own numbers (host-vectors.json) and the
//                     pipeline against the shared vectors (../tests/vectors/pipeline, MOBRECON_VECTORS)
//   MobReconHandTests         HandMeshPipeline on a CVPixelBuffer with a fake session
//   MobReconDeviceTests       runs a bundle, writes the result JSON; one measure test per artifact
//
// Platforms: iOS 16 (MLComputeUnits.cpuAndNeuralEngine, MLModel.compileModel) and macOS 14. The
// issue asked for macOS 13; the pinned onnxruntime-swift-package-manager 1.24.2 declares
// .macOS(.v14), and SwiftPM refuses a dependency whose minimum is above its dependent's.
import PackageDescription

let package = Package(
    name: "MobReconHarness",
    platforms: [.iOS(.v16), .macOS(.v14)],
    products: [
        .library(name: "MobReconHarness", targets: ["MobReconHarness"]),
        .library(name: "MobReconDevice", targets: ["MobReconDevice"]),
        .library(name: "MobReconCoreML", targets: ["MobReconCoreML"]),
        .library(name: "MobReconORT", targets: ["MobReconORT"]),
        .library(name: "MobReconHand", targets: ["MobReconHand"]),
    ],
    dependencies: [
        // The export records onnxruntime 1.32.0; the newest tag of the Swift package is 1.24.2
        // (tags: v1.15.0 ... v1.19.2, 1.20.0, 1.24.1, 1.24.2). Pinned exactly: ORT is part of
        // what is measured, and the record says which version ran.
        .package(url: "https://github.com/microsoft/onnxruntime-swift-package-manager", exact: "1.24.2"),
    ],
    targets: [
        .target(name: "MobReconHarness"),
        .target(name: "MobReconDevice", dependencies: ["MobReconHarness"]),
        .target(name: "MobReconCoreML", dependencies: ["MobReconHarness"]),
        .target(
            name: "MobReconORT",
            dependencies: [
                "MobReconHarness",
                .product(name: "onnxruntime", package: "onnxruntime-swift-package-manager"),
            ]
        ),
        .target(name: "MobReconHand", dependencies: ["MobReconHarness", "MobReconCoreML"]),
        .testTarget(
            name: "MobReconHarnessCoreTests",
            dependencies: ["MobReconHarness"],
            resources: [.copy("Resources/host-vectors.json")]
        ),
        .testTarget(name: "MobReconHandTests", dependencies: ["MobReconHand", "MobReconHarness"]),
        .testTarget(
            name: "MobReconDeviceTests",
            dependencies: ["MobReconHarness", "MobReconDevice", "MobReconCoreML", "MobReconORT"],
            // `mobrecon device ios run` copies the bundle here (in a staged copy of this package)
            // before it builds; `.copy` keeps the .mlpackage folders and .f32 files byte for byte.
            resources: [.copy("Resources/MobReconBundle")]
        ),
    ]
)
