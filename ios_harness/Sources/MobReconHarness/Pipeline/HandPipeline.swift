// Frame to camera-space mesh for a given hand box (the Python HandPipeline.run): crop, network,
// un-mirror, metres, joints, registration. Platform-neutral: the network is any MeshModel
// (MobReconHand's HandMeshModel on Core ML or ONNX Runtime; a fake in the tests).
//
//     let pipeline = try HandPipeline(model: model, regressor: regressor)
//     let hand = try pipeline.run(frame: frame, intrinsics: kFrame, box: box, handedness: .left)
//     hand.verticesCameraMetres      // [N] metres, camera space (x right, y down, z forward)

import Foundation

/// The network on one crop, whatever runs it.
public protocol MeshModel {
    /// - Parameter input: `[1, 3, 128, 128]` NCHW float32 in [-1, 1] (`AffineWarp.modelInput`).
    /// - Returns: the outputs `verts` and `uv`.
    func run(input: [Float]) throws -> MeshOutput
}

/// The network's outputs for one crop, in its own units.
public struct MeshOutput {
    /// `[N x 3]` root-relative vertices, units of 0.2 m, of the crop as warped (mirrored if it was).
    public let verts: [Float]
    /// `[21 x 2]` 2D joints, FreiHAND/MPII order, crop units (x 128 = crop px), of the crop as warped.
    public let uv: [Float]

    /// - Throws: `PipelineError.mismatch` when the sizes are not `[N, 3]` and `[21, 2]`.
    public init(verts: [Float], uv: [Float]) throws {
        guard !verts.isEmpty, verts.count % 3 == 0 else { throw PipelineError.mismatch("verts must be [N, 3], got \(verts.count) values") }
        guard uv.count == 2 * HandOutputs.mpiiJoints.count else {
            throw PipelineError.mismatch("uv must be [\(HandOutputs.mpiiJoints.count), 2], got \(uv.count) values")
        }
        self.verts = verts
        self.uv = uv
    }
}

/// Left or right hand; left hands are mirrored for the network, which knows right hands only.
public enum Handedness: String, CaseIterable {
    case right
    case left
}

/// One hand through the pipeline (the Python `HandResult`).
public struct HandReconstruction {
    /// Hand box, frame px.
    public let box: HandBox
    /// The hand in the box (a left hand was mirrored for the network).
    public let handedness: Handedness
    /// The crop transform (mirrored for a left hand).
    public let crop: CropTransform
    /// Frame intrinsics used, frame px.
    public let kFrame: CameraIntrinsics
    /// Intrinsics of the un-mirrored crop, crop px.
    public let kCrop: CameraIntrinsics
    /// `[21]` predicted 2D joints, un-mirrored crop px, MPII order.
    public let uvCropPixels: [SIMD2<Double>]
    /// `[21]` the same in frame px.
    public let uvFramePixels: [SIMD2<Double>]
    /// `[N]` root-relative vertices, metres, un-mirrored.
    public let verticesRootMetres: [SIMD3<Double>]
    /// `[21]` regressed joints, root-relative, metres, MPII order.
    public let jointsRootMetres: [SIMD3<Double>]
    /// The camera-space fit.
    public let registration: RegistrationResult
    /// `[N]` camera space (x right, y down, z forward), metres.
    public let verticesCameraMetres: [SIMD3<Double>]
    /// `[21]` camera space, metres, MPII order.
    public let jointsCameraMetres: [SIMD3<Double>]

    /// `[N]` camera-space vertices projected into the frame, px (to draw the mesh over it).
    public func verticesFramePixels() -> [SIMD2<Double>] { kFrame.project(verticesCameraMetres) }

    /// `[21]` camera-space joints projected into the frame, px.
    public func jointsFramePixels() -> [SIMD2<Double>] { kFrame.project(jointsCameraMetres) }
}

public final class HandPipeline {
    public let model: MeshModel
    public let regressor: JointRegressor
    /// Registration bounds on t_z, metres.
    public let zBounds: ClosedRange<Double>

    /// - Parameters:
    ///   - model: the network.
    ///   - regressor: `j_reg` of the mesh the network predicts (its vertex count must match the model's).
    /// - Throws: `PipelineError.mismatch` when the regressor does not give the 21 MANO joints.
    public init(model: MeshModel, regressor: JointRegressor, zBounds: ClosedRange<Double> = CameraRegistration.zBoundsMetres) throws {
        guard regressor.jointCount == HandOutputs.manoJoints.count else {
            throw PipelineError.mismatch("the joint regressor has \(regressor.jointCount) joints, the pipeline needs \(HandOutputs.manoJoints.count) (MANO)")
        }
        self.model = model
        self.regressor = regressor
        self.zBounds = zBounds
    }

    /// Runs every step on one frame.
    ///
    /// - Parameters:
    ///   - frame: upright frame, as the box and intrinsics are given (a camera buffer is in the
    ///     sensor's orientation: detect and calibrate in it, or rotate the frame first).
    ///   - kFrame: intrinsics in frame px (`CameraIntrinsics.uncalibrated` when unknown).
    ///   - box: hand box, frame px (from a hand detector, e.g. MediaPipe's hand landmarker or Vision's
    ///     VNDetectHumanHandPoseRequest).
    /// - Throws: `PipelineError.badInput` when the box lies outside the frame; `.mismatch` when the
    ///   model's vertex count is not the regressor's; what the model throws.
    public func run(frame: PixelFrame, intrinsics kFrame: CameraIntrinsics, box: HandBox, handedness: Handedness) throws -> HandReconstruction {
        guard box.overlaps(frameWidth: frame.width, frameHeight: frame.height) else {
            throw PipelineError.badInput("the hand box (\(box.x), \(box.y), \(box.width), \(box.height)) lies outside the \(frame.width)x\(frame.height) frame")
        }
        let crop = try HandCrop.transform(box: box, mirrored: handedness == .left)
        let output = try model.run(input: AffineWarp.modelInput(AffineWarp.crop(frame, crop), size: crop.size))
        guard output.verts.count == 3 * regressor.vertexCount else {
            throw PipelineError.mismatch("the model outputs \(output.verts.count / 3) vertices but the joint regressor has \(regressor.vertexCount): they belong to different meshes")
        }
        let uvCrop = try crop.networkUVToCropPixels(output.uv)
        let seen = try HandOutputs.vertsMetres(output.verts)
        let vertices = crop.mirrored ? HandOutputs.unmirrorPoints(seen) : seen
        let joints = try regressor.jointsMpii(vertices)
        let kCrop = crop.intrinsics(kFrame)
        let registration = try CameraRegistration.register(xyz: joints, uv: uvCrop, k: kCrop, zBounds: zBounds)
        return HandReconstruction(box: box, handedness: handedness, crop: crop, kFrame: kFrame, kCrop: kCrop, uvCropPixels: uvCrop,
                                  uvFramePixels: crop.unmirrored.cropToFrame(uvCrop), verticesRootMetres: vertices, jointsRootMetres: joints,
                                  registration: registration, verticesCameraMetres: HandOutputs.cameraSpace(vertices, t: registration.t),
                                  jointsCameraMetres: HandOutputs.cameraSpace(joints, t: registration.t))
    }
}
