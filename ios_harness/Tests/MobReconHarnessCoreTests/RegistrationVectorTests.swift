// The Swift registration against tests/vectors/pipeline/registration.json, every case (the same
// quantities the Kotlin port's RegistrationVectorsTest compares).

import Foundation
import MobReconHarness
import XCTest

final class RegistrationVectorTests: XCTestCase {
    var vectors: RegistrationVectors!

    override func setUpWithError() throws {
        vectors = try PipelineVectors.load(RegistrationVectors.self, "registration.json")
        XCTAssertEqual(vectors.z_bounds_m.count, 2, "z_bounds_m")
    }

    var zBounds: ClosedRange<Double> { vectors.z_bounds_m[0]...vectors.z_bounds_m[1] }

    func solve(_ c: RegistrationVectors.RegistrationCase) throws -> RegistrationResult {
        try CameraRegistration.register(xyz: points3(c.xyz_m), uv: points2(c.uv_px), k: CameraIntrinsics(rows: c.k), zBounds: zBounds)
    }

    func testParametersAreThePorts() {
        XCTAssertEqual(vectors.z_bounds_m, [CameraRegistration.zBoundsMetres.lowerBound, CameraRegistration.zBoundsMetres.upperBound], "z_bounds_m")
        XCTAssertEqual(vectors.max_rounds, CameraRegistration.maxRounds, "max_rounds")
        XCTAssertEqual(vectors.min_joints, CameraRegistration.minJoints, "min_joints")
        XCTAssertEqual(vectors.stop_loss_px, CameraRegistration.stopLossPx, "stop_loss_px")
        XCTAssertEqual(vectors.mano_to_mpii, HandOutputs.mpiiFromMano, "mano_to_mpii")
    }

    func testTranslations() throws {
        let d = VectorDifferences("registration.json")
        for c in vectors.cases {
            let t = try solve(c).t
            d.compare("t_m", c.name, expected: c.expected_t_m, actual: [t.x, t.y, t.z], tolerance: vectors.tolerance.t_m)
        }
        // noise-free projections: the known t itself, to well under a micrometre
        for c in vectors.cases where c.name == "noise-free" {
            let t = try solve(c).t
            d.compare("t_m vs t_true_m (noise-free)", c.name, expected: c.t_true_m, actual: [t.x, t.y, t.z], tolerance: 1e-9)
        }
        d.report()
    }

    func testRoundsJointsUsedAndBounds() throws {
        XCTAssertGreaterThanOrEqual(vectors.cases.count, 8)
        var atBound = 0
        for c in vectors.cases {
            let reg = try solve(c)
            XCTAssertEqual(reg.rounds, c.expected_rounds, "\(c.name): rounds")
            XCTAssertEqual(reg.jointsUsed, c.expected_joints_used, "\(c.name): joints used")
            XCTAssertEqual(reg.zAtBound, c.expected_z_at_bound, "\(c.name): t_z at a bound")
            if reg.zAtBound { atBound += 1 }
        }
        print("pipeline-vectors registration.json rounds, joints_used, z_at_bound: \(vectors.cases.count) cases compared (\(atBound) at a bound)")
        XCTAssertGreaterThanOrEqual(atBound, 2, "the vectors exercise both z bounds")
    }
}
