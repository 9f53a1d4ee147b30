// What an app calls: load a model, preprocess a crop, predict, decode to metres and pixels.
//
//     let model = try HandMeshModel.coreML(package: url, computeUnits: .all)   // compiles once
//     let hand = try model.predict(image: crop)                                // CGImage or CVPixelBuffer
//     hand.verticesMetres[0], hand.jointsPixels[0]
//
// Any engine of the harness works (`HandMeshModel(session:)`), e.g. an ORTEngine session. From a
// camera frame and a hand box to the camera-space mesh in metres: `HandMeshPipeline`.

import CoreGraphics
import CoreVideo
import Foundation
import MobReconCoreML
import MobReconHarness

public final class HandMeshModel {
    let session: InferenceSession
    public let preprocessor: ImagePreprocessor

    /// A model over any session of the harness's engines.
    public init(session: InferenceSession, preprocessor: ImagePreprocessor = ImagePreprocessor()) {
        self.session = session
        self.preprocessor = preprocessor
    }

    /// Core ML on an .mlpackage (compiled now) or an .mlmodelc (loaded as it is).
    ///
    /// - Parameters:
    ///   - package: the .mlpackage folder, or a compiled .mlmodelc.
    ///   - computeUnits: .cpu, .cpuAndGPU, .cpuAndNeuralEngine or .all (fp16 packages use the Neural Engine).
    public static func coreML(package: URL, computeUnits: ComputeUnit = .all) throws -> HandMeshModel {
        let compiler = CoreMLCompiler()
        let engine = try CoreMLEngine(
            package: package, unit: computeUnits,
            input: TensorSpec(name: "image", shape: [1, 3, 128, 128]), outputs: ["verts", "uv"],
            compiler: compiler, osVersion: ProcessInfo.processInfo.operatingSystemVersionString
        )
        _ = try engine.prepare()
        return HandMeshModel(session: try engine.makeSession())
    }

    /// One inference on a normalised input.
    ///
    /// - Parameter tensor: [3 x 128 x 128] float32, NCHW RGB, (pixel / 255 - 0.5) / 0.5.
    public func predict(tensor: [Float]) throws -> HandMeshPrediction {
        let output = try run(input: tensor)
        return try HandMeshDecoding.decode(verts: output.verts, uv: output.uv)
    }

    /// One inference on a square hand crop (resized to 128 x 128).
    public func predict(image: CGImage) throws -> HandMeshPrediction {
        try predict(tensor: preprocessor.tensor(from: image))
    }

    /// One inference on a camera frame holding the square hand crop.
    public func predict(pixelBuffer: CVPixelBuffer) throws -> HandMeshPrediction {
        try predict(tensor: preprocessor.tensor(from: pixelBuffer))
    }
}

extension HandMeshModel: MeshModel {
    /// One inference, the raw outputs (verts in units of 0.2 m, uv in crop units), for `HandPipeline`.
    ///
    /// - Parameter input: [3 x 128 x 128] float32, NCHW RGB, (pixel / 255 - 0.5) / 0.5.
    public func run(input: [Float]) throws -> MeshOutput {
        try session.setInput(input[...])
        try session.run()
        let outputs = try session.lastOutputs()
        guard let verts = outputs["verts"], let uv = outputs["uv"] else {
            throw HandMeshError.badOutput("the model gave \(outputs.keys.sorted()); expected verts and uv")
        }
        return try MeshOutput(verts: verts, uv: uv)
    }
}
