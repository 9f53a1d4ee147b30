// Dense solves of the registration's 2- and 3-unknown systems (no linear-algebra library needed).

import Foundation

enum SmallLinearSystems {
    /// Solves `a x = b` for a square `a` (`n` rows of `n`) by Gaussian elimination with partial pivoting.
    ///
    /// - Throws: `PipelineError.badInput` when `a` is singular (the joints do not determine t).
    static func solve(_ a: [[Double]], _ b: [Double]) throws -> [Double] {
        let n = b.count
        var m = a
        var x = b
        for col in 0..<n {
            var pivot = col
            for row in (col + 1)..<n where abs(m[row][col]) > abs(m[pivot][col]) { pivot = row }
            guard m[pivot][col] != 0, m[pivot][col].isFinite else {
                throw PipelineError.badInput("singular linear system: the joints do not determine the translation")
            }
            if pivot != col {
                m.swapAt(pivot, col)
                x.swapAt(pivot, col)
            }
            for row in (col + 1)..<n {
                let f = m[row][col] / m[col][col]
                for k in col..<n { m[row][k] -= f * m[col][k] }
                x[row] -= f * x[col]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = x[row]
            for k in (row + 1)..<n { s -= m[row][k] * x[k] }
            x[row] = s / m[row][row]
        }
        return x
    }

    /// Least squares `min |A x - b|` through the normal equations `A^T A x = A^T b`.
    ///
    /// - Parameter columns: the columns of `A`, each of `b.count` values (2 or 3 here).
    static func leastSquares(columns: [[Double]], _ b: [Double]) throws -> [Double] {
        let ata = columns.map { ci in columns.map { cj in dot(ci, cj) } }
        return try solve(ata, columns.map { dot($0, b) })
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}
