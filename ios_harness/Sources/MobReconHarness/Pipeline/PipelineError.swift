// What the app pipeline (crop, registration, outputs) refuses: one sentence an app can show or log.

import Foundation

public enum PipelineError: LocalizedError, CustomStringConvertible, Equatable {
    /// An argument that cannot be used: a box outside the frame, a frame whose sizes do not fit,
    /// arrays of the wrong size, values that are not finite.
    case badInput(String)
    /// The model and the mesh data do not fit together (an artifact that is not MobRecon's, a joint
    /// regressor of another mesh).
    case mismatch(String)

    public var description: String {
        switch self {
        case let .badInput(message), let .mismatch(message): return message
        }
    }

    public var errorDescription: String? { description }
}
