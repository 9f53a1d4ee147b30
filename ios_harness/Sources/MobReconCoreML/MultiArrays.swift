// MLMultiArray in and out: an input array over memory the session owns (filled once per input, read
// by every prediction without a copy) and outputs read back as float32 whatever their layout.

import CoreML
import Foundation
import MobReconHarness

/// A float32 MLMultiArray over a buffer it owns, C-order strides (`MLMultiArray(dataPointer:...)`).
final class OwnedFloatArray {
    let array: MLMultiArray
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// - Parameter shape: e.g. [1, 3, 128, 128].
    init(shape: [Int]) throws {
        count = shape.reduce(1, *)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        buffer.initialize(repeating: 0, count: count)
        pointer = buffer
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        array = try MLMultiArray(dataPointer: UnsafeMutableRawPointer(buffer), shape: shape.map { NSNumber(value: $0) },
                                 dataType: .float32, strides: strides.map { NSNumber(value: $0) },
                                 deallocator: { raw in raw.assumingMemoryBound(to: Float.self).deallocate() })
    }

    /// Copies `values` (exactly `count` floats) into the buffer the array reads.
    func fill(_ values: ArraySlice<Float>) throws {
        guard values.count == count else {
            throw HarnessError.runtime("input has \(values.count) values; the model takes \(count)")
        }
        values.withUnsafeBufferPointer { source in
            pointer.update(from: source.baseAddress!, count: count)
        }
    }
}

enum MultiArrayReader {
    /// Every element of `array` in row-major (C) order as Float, honouring its strides.
    static func floats(_ array: MLMultiArray) -> [Float] {
        let shape = array.shape.map(\.intValue)
        let strides = array.strides.map(\.intValue)
        switch array.dataType {
        case .float32:
            return array.withUnsafeBufferPointer(ofType: Float.self) { buffer in
                gather(shape: shape, strides: strides) { buffer[$0] }
            }
        case .double:
            return array.withUnsafeBufferPointer(ofType: Double.self) { buffer in
                gather(shape: shape, strides: strides) { Float(buffer[$0]) }
            }
        #if arch(arm64)
        case .float16:
            return array.withUnsafeBufferPointer(ofType: Float16.self) { buffer in
                gather(shape: shape, strides: strides) { Float(buffer[$0]) }
            }
        #endif
        default:
            let count = shape.reduce(1, *)
            return (0..<count).map { array[multiIndex($0, shape: shape)].floatValue }
        }
    }

    /// Values at every logical index in C order, read through `element(storageOffset)`.
    static func gather(shape: [Int], strides: [Int], _ element: (Int) -> Float) -> [Float] {
        let count = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for linear in 0..<count {
            var offset = 0
            for axis in 0..<shape.count { offset += index[axis] * strides[axis] }
            out[linear] = element(offset)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }

    /// The multi-dimensional index of a C-order linear index.
    static func multiIndex(_ linear: Int, shape: [Int]) -> [NSNumber] {
        var rest = linear
        var index = [NSNumber](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            index[axis] = NSNumber(value: rest % shape[axis])
            rest /= shape[axis]
        }
        return index
    }
}
