// One generated XCTest per (artifact, compute unit, threads) of the bundle, each a
// `measure(metrics: [XCTClockMetric(), XCTMemoryMetric()])` of a block of inferences, for Xcode's
// baseline view (as ExecuTorch's Apple benchmark generates one test per model). The result file
// comes from BundleBenchmarkTests; these are Xcode's own figures beside it.

import Foundation
import MobReconHarness
import ObjectiveC
import XCTest

final class ArtifactMeasureTests: XCTestCase {
    /// Inferences in one measured block.
    static let inferencesPerBlock = 20
    /// Untimed inferences before measuring.
    static let warmupInferences = 10

    /// A test method name for a planned record, e.g. test_mobrecon_densestack_fp32_mlpackage_cpu_x6.
    static func testName(_ plan: PlannedRecord) -> String {
        let raw = "\(plan.artifact.id)_\(plan.engine.runtime.name)_\(plan.engine.runtime.computeUnit)_x\(plan.engine.threads)"
        let safe = raw.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }.joined()
        return "test_" + safe
    }

    override class var defaultTestSuite: XCTestSuite {
        let suite = XCTestSuite(name: NSStringFromClass(self))
        guard let setup = try? HarnessSetup.load(), let plans = try? setup.plans() else {
            return suite  // no bundle staged: nothing to measure
        }
        let input = setup.bundle.inputs.item(setup.bundle.inputCount - 1)
        for plan in plans where plan.engine.unavailableReason == nil {
            let selector = NSSelectorFromString(testName(plan))
            let body: @convention(block) (ArtifactMeasureTests) -> Void = { test in
                test.measureArtifact(plan, input: input)
            }
            class_addMethod(self, selector, imp_implementationWithBlock(body), "v@:")
            suite.addTest(ArtifactMeasureTests(selector: selector))
        }
        return suite
    }

    /// Prepares the artifact, loads one session, warms it up and measures blocks of inferences.
    func measureArtifact(_ plan: PlannedRecord, input: ArraySlice<Float>) {
        do {
            _ = try plan.engine.prepare()
            let session = try plan.engine.makeSession()
            try session.setInput(input)
            for _ in 0..<ArtifactMeasureTests.warmupInferences { try session.run() }
            var failure: Error?
            measure(metrics: [XCTClockMetric(), XCTMemoryMetric()]) {
                for _ in 0..<ArtifactMeasureTests.inferencesPerBlock where failure == nil {
                    do { try session.run() } catch { failure = error }
                }
            }
            if let failure { XCTFail("\(plan.artifact.id) \(plan.engine.runtime.computeUnit): inference failed: \(failure)") }
        } catch {
            XCTFail("\(plan.artifact.id) \(plan.engine.runtime.computeUnit): \(error)")
        }
        plan.engine.cleanUp()
    }
}
