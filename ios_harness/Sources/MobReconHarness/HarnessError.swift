import Foundation

/// What stops the harness, each a one-sentence message.
public enum HarnessError: Error, CustomStringConvertible, Equatable {
    /// No bundle where one was expected.
    case noBundle(String)
    /// A file that cannot be read, with why.
    case unreadable(String, String)
    /// A bundle file that is not what bundle.json says (size, format, content).
    case badBundle(String)
    /// An artifact whose sha256 differs from bundle.json: refused, never loaded.
    case hashMismatch(artifact: String, expected: String, computed: String)
    /// A run option that cannot be used.
    case badOption(String)
    /// A runtime failed to load or run a model.
    case runtime(String)

    public var description: String {
        switch self {
        case let .noBundle(message): return message
        case let .unreadable(path, why): return "cannot read \(path): \(why)"
        case let .badBundle(message): return message
        case let .hashMismatch(artifact, expected, computed):
            return "\(artifact): sha256 \(computed.prefix(16))... differs from bundle.json's \(expected.prefix(16))...; "
                + "the artifact changed after the bundle was made, so it is refused"
        case let .badOption(message): return message
        case let .runtime(message): return message
        }
    }
}
