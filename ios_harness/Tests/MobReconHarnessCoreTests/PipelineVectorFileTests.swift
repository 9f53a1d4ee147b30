// How the Swift tests find and read the shared vector files.

import Foundation
import XCTest

final class PipelineVectorFileTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func file(_ name: String, _ text: String) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    func testAnotherFormatVersionIsRefused() throws {
        let v2 = try file("v2.json", "{\"format\": \"mobrecon-pipeline-vectors/2\", \"cases\": []}")
        XCTAssertThrowsError(try PipelineVectors.read(RegistrationVectors.self, from: v2)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("mobrecon-pipeline-vectors/2") && message.contains(PipelineVectors.format), message)
        }
        let unversioned = try file("none.json", "{\"cases\": []}")
        XCTAssertThrowsError(try PipelineVectors.read(CropVectors.self, from: unversioned)) { error in
            XCTAssertTrue(String(describing: error).contains("(none)"), String(describing: error))
        }
    }

    func testAnUnlocatedVectorFolderFailsSayingHowToPassIt() throws {
        XCTAssertThrowsError(try PipelineVectors.folder(environment: [PipelineVectors.environmentVariable: scratch.path])) { error in
            XCTAssertTrue(String(describing: error).contains("MOBRECON_VECTORS=<repo>/tests/vectors"), String(describing: error))
        }
        // this run is located: both files are there, in the supported format
        let crop: CropVectors = try PipelineVectors.load(CropVectors.self, "crop.json")
        let registration: RegistrationVectors = try PipelineVectors.load(RegistrationVectors.self, "registration.json")
        XCTAssertEqual(crop.format, PipelineVectors.format)
        XCTAssertEqual(registration.format, PipelineVectors.format)
    }
}
