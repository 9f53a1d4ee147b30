// The phone's own latency summaries, by the host's definitions (benchmarks/stats.py): the host
// recomputes every one of them from the raw samples at ingest and notes any disagreement.

import Foundation

/// Summary of one record's samples (milliseconds), as `mobrecon_bench.results.stats.summarize` gives it.
public struct LatencySummary: Equatable {
    public let nSamples: Int
    public let medianMs: Double
    public let p10Ms: Double
    public let p90Ms: Double
    public let trimmedMeanMs: Double
    /// Unscaled median absolute deviation.
    public let madMs: Double
    /// Median of each non-empty round, in round order.
    public let roundMedianMs: [Double]
    /// 100 x (max - min of round medians) / pooled median.
    public let roundSpreadPct: Double
    /// 1000 / median.
    public let fps: Double
}

public enum LatencyStatistics {
    /// Share cut from EACH tail before the trimmed mean (the host's TRIM_FRACTION).
    public static let trimFraction = 0.1

    /// Quantile `q` in [0, 1] by linear interpolation between order statistics (numpy's default,
    /// "type 7": position q x (n - 1) in the sorted samples).
    public static func quantile(_ samples: [Double], _ q: Double) -> Double {
        precondition(!samples.isEmpty, "quantile of no samples")
        let sorted = samples.sorted()
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    public static func median(_ samples: [Double]) -> Double { quantile(samples, 0.5) }

    /// Mean after cutting floor(fraction x n) samples from each tail.
    public static func trimmedMean(_ samples: [Double], fraction: Double = trimFraction) -> Double {
        precondition(fraction >= 0 && fraction < 0.5, "trim fraction must be in [0, 0.5)")
        let sorted = samples.sorted()
        let cut = Int((fraction * Double(sorted.count)).rounded(.down))
        let kept = sorted[cut..<(sorted.count - cut)]
        return kept.reduce(0, +) / Double(kept.count)
    }

    /// Median absolute deviation from the median, unscaled.
    public static func mad(_ samples: [Double]) -> Double {
        let centre = median(samples)
        return median(samples.map { abs($0 - centre) })
    }

    /// Summary of per-round samples; nil when there is no sample or one is not positive and finite.
    public static func summarize(_ rounds: [[Double]]) -> LatencySummary? {
        let pooled = rounds.flatMap { $0 }
        guard !pooled.isEmpty, pooled.allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
        let centre = median(pooled)
        let roundMedians = rounds.filter { !$0.isEmpty }.map(median)
        let spread = 100.0 * (roundMedians.max()! - roundMedians.min()!) / centre
        return LatencySummary(
            nSamples: pooled.count,
            medianMs: centre,
            p10Ms: quantile(pooled, 0.1),
            p90Ms: quantile(pooled, 0.9),
            trimmedMeanMs: trimmedMean(pooled),
            madMs: mad(pooled),
            roundMedianMs: roundMedians,
            roundSpreadPct: spread,
            fps: 1000.0 / centre
        )
    }
}
