import Foundation

/// Wall time of one call from a monotonic clock (`ContinuousClock`), milliseconds.
public enum Stopwatch {
    /// The clock's name for `method.timer`.
    public static let timerName = "ContinuousClock"

    /// Milliseconds in a `Duration`.
    public static func milliseconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) * 1_000.0 + Double(parts.attoseconds) * 1e-15
    }

    /// Runs `body` and returns its wall time, milliseconds, rounded to 1 ns as the host does.
    @discardableResult
    public static func time(_ body: () throws -> Void) rethrows -> Double {
        let elapsed = try ContinuousClock().measure(body)
        return (milliseconds(elapsed) * 1e6).rounded() / 1e6
    }
}
