// Raw tensor files of the bundle: headerless row-major little-endian float32, 4 x prod(shape) bytes.

import Foundation

/// A named float32 tensor held in memory, row-major.
public struct Tensor: Equatable {
    public let name: String
    public let shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "tensor \(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// Elements of one item along the first axis (prod(shape[1...])).
    public var itemCount: Int { shape.dropFirst().reduce(1, *) }

    /// Item `index` along the first axis, e.g. input i of [N, 3, 128, 128] as 3 x 128 x 128 floats.
    public func item(_ index: Int) -> ArraySlice<Float> {
        let count = itemCount
        return values[(index * count)..<((index + 1) * count)]
    }

    /// The tensor's float32 values as little-endian bytes (what raw files and `data_base64` hold).
    public var littleEndianBytes: Data {
        var data = Data(capacity: values.count * 4)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }
}

public enum RawTensorFile {
    /// Reads a bundle raw file, checking its size against shape and `size_bytes` and its sha256.
    ///
    /// - Parameters:
    ///   - entry: the bundle.json entry.
    ///   - folder: the bundle folder.
    /// - Returns: the tensor, float32, shape `entry.shape`.
    /// - Throws: `HarnessError.badBundle` on a wrong size, dtype or changed bytes.
    public static func read(_ entry: RawFileEntry, in folder: URL) throws -> Tensor {
        guard entry.dtype == "float32", entry.byteOrder == "little" else {
            throw HarnessError.badBundle("\(entry.file): \(entry.dtype) \(entry.byteOrder)-endian; the harness reads float32 little-endian only")
        }
        let url = folder.appendingPathComponent(entry.file)
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw HarnessError.unreadable(entry.file, error.localizedDescription)
        }
        let count = entry.shape.reduce(1, *)
        guard data.count == 4 * count, data.count == entry.sizeBytes else {
            throw HarnessError.badBundle("\(entry.file) has \(data.count) bytes; its shape \(entry.shape) implies \(4 * count)")
        }
        let computed = ContentHash.sha256Hex(of: data)
        guard computed == entry.sha256 else {
            throw HarnessError.badBundle("\(entry.file) changed since the bundle was made (sha256 mismatch)")
        }
        return Tensor(name: entry.name, shape: entry.shape, values: floats(littleEndian: data))
    }

    /// Little-endian float32 bytes to floats (alignment-safe; a copy).
    public static func floats(littleEndian data: Data) -> [Float] {
        var bits = [UInt32](repeating: 0, count: data.count / 4)
        _ = bits.withUnsafeMutableBytes { data.copyBytes(to: $0) }
        return bits.map { Float(bitPattern: UInt32(littleEndian: $0)) }
    }
}
