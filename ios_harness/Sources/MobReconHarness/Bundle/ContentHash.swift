// sha256 of files and of directory artifacts, by the bundle's rule (bundle.json `hashing`):
// a file's hash is that of its bytes; a directory's (.mlpackage) is the sha256 over, for each file
// inside in the order of the artifact's `files` list (sorted by path components), the UTF-8 relative
// path with '/' separators, one NUL byte, and the 32-byte raw sha256 digest of the file.

import CryptoKit
import Foundation

public enum ContentHash {
    /// Bytes read per step when hashing a file.
    static let chunkBytes = 1 << 20

    /// Lowercase hex of a digest.
    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// sha256 of in-memory bytes, lowercase hex.
    public static func sha256Hex(of data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Raw 32-byte sha256 digest of a file, read in chunks.
    public static func fileDigest(at url: URL) throws -> Data {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: chunkBytes), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return Data(hasher.finalize())
    }

    /// sha256 of a file's bytes, lowercase hex.
    public static func fileSHA256(at url: URL) throws -> String {
        hex(try fileDigest(at: url))
    }

    /// Relative paths ('/' separated) of every regular file under `root`, hidden files included,
    /// sorted by path components (each component compared by its UTF-8 bytes, as Python sorts
    /// `pathlib.Path`s).
    public static func filesInDirectory(_ root: URL) throws -> [String] {
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: root.path) else {
            throw HarnessError.unreadable(root.path, "cannot list the folder")
        }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = root.appendingPathComponent(relative).path
            if manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted(by: precedesByComponents)
    }

    /// Path order of the directory hash: component by component, bytes of UTF-8.
    public static func precedesByComponents(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.split(separator: "/", omittingEmptySubsequences: false)
        let right = rhs.split(separator: "/", omittingEmptySubsequences: false)
        for (a, b) in zip(left, right) where a != b {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return left.count < right.count
    }

    /// sha256 of a directory by the bundle's rule, over `orderedFiles` (relative paths), lowercase hex.
    public static func directorySHA256(at root: URL, orderedFiles: [String]) throws -> String {
        var hasher = SHA256()
        for relative in orderedFiles {
            hasher.update(data: Data(relative.utf8))
            hasher.update(data: Data([0]))
            hasher.update(data: try fileDigest(at: root.appendingPathComponent(relative)))
        }
        return hex(hasher.finalize())
    }
}
