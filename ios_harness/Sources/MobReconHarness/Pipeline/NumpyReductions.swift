// numpy's float64 mean and population standard deviation, summed as numpy sums, so that the
// registration's outlier selection (`loss < mean + std`) decides as the Python does for a joint
// near the threshold. `np.add.reduce` over a contiguous float64 array is `pairwise_sum_DOUBLE`
// (numpy/_core/src/umath/loops_utils.h.src): fewer than 8 values in order; up to 128 with 8
// accumulators, combined ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the remainder; beyond
// that, the two halves (the first a multiple of 8) summed recursively.

import Foundation

enum NumpyReductions {
    static let pairwiseBlock = 128

    /// `np.sum` of a float64 array.
    static func sum(_ x: [Double]) -> Double { pairwiseSum(x, start: 0, count: x.count) }

    /// `np.mean`: the pairwise sum divided by the count.
    static func mean(_ x: [Double]) -> Double { sum(x) / Double(x.count) }

    /// `np.std` (ddof 0) given the mean: the square root of the mean of squared deviations.
    static func populationStd(_ x: [Double], around centre: Double) -> Double {
        mean(x.map { ($0 - centre) * ($0 - centre) }).squareRoot()
    }

    private static func pairwiseSum(_ a: [Double], start: Int, count n: Int) -> Double {
        if n < 8 {
            var res = 0.0
            for i in 0..<n { res += a[start + i] }
            return res
        }
        if n <= pairwiseBlock {
            var r = Array(a[start..<(start + 8)])
            var i = 8
            while i < n - (n % 8) {
                for j in 0..<8 { r[j] += a[start + i + j] }
                i += 8
            }
            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                res += a[start + i]
                i += 1
            }
            return res
        }
        var half = n / 2
        half -= half % 8
        return pairwiseSum(a, start: start, count: half) + pairwiseSum(a, start: start + half, count: n - half)
    }
}
