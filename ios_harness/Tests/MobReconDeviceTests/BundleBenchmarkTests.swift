// Runs the bundle (every selected artifact x compute unit x thread count, interleaved rounds) and
// writes the result file: into Documents/mobrecon-results/ and as an XCTAttachment of this test,
// which `xcrun xcresulttool export attachments` takes out of the .xcresult bundle.
//
//     xcodebuild test -scheme MobReconHarness-Package -destination 'platform=iOS,id=UDID' \
//         -only-testing:MobReconDeviceTests/BundleBenchmarkTests
//
// `mobrecon device ios run` stages the bundle and passes the options (TEST_RUNNER_MOBRECON_*).

import MobReconHarness
import XCTest

final class BundleBenchmarkTests: XCTestCase {
    func testRunBundle() throws {
        executionTimeAllowance = 4 * 60 * 60
        let setup: HarnessSetup
        do {
            setup = try HarnessSetup.load()
        } catch let HarnessError.noBundle(message) {
            throw XCTSkip(message)
        }
        let (result, data, file) = try setup.runAndWrite { print("mobrecon: \($0)") }

        let attachment = XCTAttachment(data: data, uniformTypeIdentifier: "public.json")
        attachment.name = file.lastPathComponent
        attachment.lifetime = .keepAlways
        add(attachment)

        print("mobrecon: wrote \(file.path) (\(data.count) bytes, \(result.records.count) records)")
        for record in result.records {
            print("mobrecon: " + BundleBenchmarkTests.summaryLine(record))
        }
        XCTAssertFalse(result.records.isEmpty,
                       "the bundle holds no artifact run for \(result.harness.platform.rawValue) with this selection")
    }

    /// One line per record for the test log: what ran, its median and FPS, its own accuracy.
    static func summaryLine(_ record: ResultRecord) -> String {
        let what = "\(record.artifact.name) \(record.artifact.precision) \(record.runtime.name) \(record.runtime.computeUnit) x\(record.threads)"
        guard record.status == .ok, let median = record.medianMs, let fps = record.fps else {
            return "\(what): \(record.status.rawValue) (\(record.reason.value ?? "no reason"))"
        }
        let accuracy = record.accuracy.map { "accuracy \($0.verdict.rawValue)" + ($0.reason.map { " (\($0))" } ?? "") } ?? "accuracy not run"
        return String(format: "%@: median %.3f ms, %.1f FPS (on-device figures; the host recomputes), %@", what, median, fps, accuracy)
    }
}
