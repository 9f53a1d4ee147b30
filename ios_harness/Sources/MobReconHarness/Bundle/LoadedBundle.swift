// A bundle folder read and checked: bundle.json decoded, inputs and expected outputs loaded and
// hash-checked, artifacts hash-checked before anything loads them.

import Foundation

public struct LoadedBundle {
    /// The format this harness reads.
    public static let format = "mobrecon-device-bundle/1"
    public static let indexFile = "bundle.json"

    public let folder: URL
    public let index: BundleIndex
    /// sha256 of the bundle.json bytes read.
    public let indexSHA256: String
    /// [N, 3, S, S] float32, normalised.
    public let inputs: Tensor

    /// Number of verification inputs (N).
    public var inputCount: Int { inputs.shape[0] }

    /// Reads `folder/bundle.json` and the verification inputs.
    ///
    /// - Throws: `HarnessError.noBundle` without bundle.json; `.badBundle` for another format or a
    ///   changed input file.
    public static func load(from folder: URL) throws -> LoadedBundle {
        let url = folder.appendingPathComponent(indexFile)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw HarnessError.noBundle("\(folder.path) has no \(indexFile): make one with `mobrecon device bundle EXPORT_DIR`")
        }
        let raw: Data
        do {
            raw = try Data(contentsOf: url)
        } catch {
            throw HarnessError.unreadable(url.path, error.localizedDescription)
        }
        let index: BundleIndex
        do {
            index = try JSONDecoder().decode(BundleIndex.self, from: raw)
        } catch {
            throw HarnessError.badBundle("\(indexFile) does not decode as a bundle index: \(error)")
        }
        guard index.format == format else {
            throw HarnessError.badBundle("\(indexFile) is format \(index.format); this harness reads \(format)")
        }
        let inputs = try RawTensorFile.read(index.inputs.tensor, in: folder)
        guard inputs.shape.count == 4, inputs.shape[0] == index.inputs.labels.count else {
            throw HarnessError.badBundle("verification inputs have shape \(inputs.shape) for \(index.inputs.labels.count) labels")
        }
        return LoadedBundle(folder: folder, index: index, indexSHA256: ContentHash.sha256Hex(of: raw), inputs: inputs)
    }

    /// The model entry with this id.
    public func model(_ id: String) throws -> BundleModel {
        guard let found = index.models.first(where: { $0.id == id }) else {
            throw HarnessError.badBundle("bundle.json names model \(id) but has no such model entry")
        }
        return found
    }

    /// A model's PyTorch float32 outputs for all N inputs: name -> [N, ...].
    public func expectedOutputs(model id: String) throws -> [String: Tensor] {
        var outputs: [String: Tensor] = [:]
        for entry in try model(id).expectedOutputs {
            outputs[entry.name] = try RawTensorFile.read(entry, in: folder)
        }
        return outputs
    }

    /// Where an artifact is inside the bundle.
    public func url(of artifact: BundleArtifact) -> URL {
        folder.appendingPathComponent(artifact.file)
    }

    /// The artifact's sha256 as computed here, after checking it against bundle.json.
    ///
    /// Directories hash the files found on disk; when they are not exactly the artifact's `files`
    /// list the error names the first difference.
    ///
    /// - Throws: `HarnessError.hashMismatch` when the artifact changed; `.badBundle` when it is missing.
    public func checkedSHA256(of artifact: BundleArtifact) throws -> String {
        let url = url(of: artifact)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw HarnessError.badBundle("\(artifact.file) is listed in bundle.json but missing from the bundle")
        }
        let computed: String
        switch artifact.kind {
        case .file:
            guard !isDirectory.boolValue else { throw HarnessError.badBundle("\(artifact.file) is a folder; bundle.json says file") }
            computed = try ContentHash.fileSHA256(at: url)
        case .directory:
            guard isDirectory.boolValue else { throw HarnessError.badBundle("\(artifact.file) is a file; bundle.json says directory") }
            let onDisk = try ContentHash.filesInDirectory(url)
            let listed = (artifact.files ?? []).map(\.path)
            if let extra = onDisk.first(where: { !listed.contains($0) }) {
                throw HarnessError.badBundle("\(artifact.file) holds \(extra), which bundle.json does not list")
            }
            if let missing = listed.first(where: { !onDisk.contains($0) }) {
                throw HarnessError.badBundle("\(artifact.file) lacks \(missing), which bundle.json lists")
            }
            computed = try ContentHash.directorySHA256(at: url, orderedFiles: listed)
        }
        guard computed == artifact.sha256 else {
            throw HarnessError.hashMismatch(artifact: artifact.id, expected: artifact.sha256, computed: computed)
        }
        return computed
    }
}
