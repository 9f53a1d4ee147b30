// bundle.json, as `mobrecon device bundle` writes it (benchmarks/devices/bundle.schema.json).
//
// Only the fields the harness uses are decoded; Swift names map to the schema's keys through
// CodingKeys and nowhere else. tests/benchmarks/devices/ios checks every key here against the schema.

import Foundation

/// The index of a verification bundle (`bundle.json`).
public struct BundleIndex: Decodable {
    /// `mobrecon-device-bundle/1`.
    public let format: String
    public let createdUtc: String
    /// Versions of the tools that built the artifacts (onnxruntime, coremltools, torch, ...).
    public let toolVersions: [String: String]
    public let preprocessing: Preprocessing
    public let units: OutputUnits
    public let inputs: VerificationInputs
    public let models: [BundleModel]
    public let artifacts: [BundleArtifact]

    enum CodingKeys: String, CodingKey {
        case format
        case createdUtc = "created_utc"
        case toolVersions = "tool_versions"
        case preprocessing
        case units
        case inputs
        case models
        case artifacts
    }
}

/// How camera pixels become the model input: `(pixel / 255 - mean) / std` per channel, NCHW RGB.
public struct Preprocessing: Decodable {
    /// Square crop side, pixels (128).
    public let size: Int
    public let channelOrder: String
    public let layout: String
    public let mean: [Double]
    public let std: [Double]
    public let formula: String
    /// [min, max] of the normalised input ([-1, 1]).
    public let range: [Double]

    enum CodingKeys: String, CodingKey {
        case size
        case channelOrder = "channel_order"
        case layout
        case mean
        case std
        case formula
        case range
    }
}

/// Output units: verts x `toMetres` = metres, uv x `toPixels` = crop pixels.
public struct OutputUnits: Decodable {
    public let verts: VertexUnits
    public let uv: JointUnits

    enum CodingKeys: String, CodingKey {
        case verts
        case uv
    }
}

public struct VertexUnits: Decodable {
    /// 0.2: outputs are in units of 0.2 m.
    public let toMetres: Double
    /// 200.
    public let toMillimetres: Double
    public let description: String

    enum CodingKeys: String, CodingKey {
        case toMetres = "to_metres"
        case toMillimetres = "to_millimetres"
        case description
    }
}

public struct JointUnits: Decodable {
    /// 128: uv is divided by the 128-px crop.
    public let toPixels: Double
    public let description: String

    enum CodingKeys: String, CodingKey {
        case toPixels = "to_pixels"
        case description
    }
}

/// The N verification inputs, already normalised: one raw [N, 3, S, S] float32 file.
public struct VerificationInputs: Decodable {
    public let labels: [String]
    public let tensor: RawFileEntry

    enum CodingKeys: String, CodingKey {
        case labels
        case tensor
    }
}

/// A headerless row-major little-endian float32 file of the bundle.
public struct RawFileEntry: Decodable {
    public let name: String
    /// Path relative to the bundle folder, '/' separated.
    public let file: String
    public let shape: [Int]
    public let dtype: String
    public let byteOrder: String
    /// Exactly 4 x prod(shape).
    public let sizeBytes: Int
    public let sha256: String

    enum CodingKeys: String, CodingKey {
        case name
        case file
        case shape
        case dtype
        case byteOrder = "byte_order"
        case sizeBytes = "size_bytes"
        case sha256
    }
}

/// One PyTorch model (one export folder) and its float32 outputs on the bundle inputs.
public struct BundleModel: Decodable {
    public let id: String
    public let variant: String
    /// False for the built-in seeded weights: their outputs are no hand.
    public let trained: Bool
    /// Multiply-adds of one inference; nil when unknown.
    public let multAdds: Int?
    /// verts [N, 778, 3] and uv [N, 21, 2], PyTorch float32.
    public let expectedOutputs: [RawFileEntry]

    enum CodingKeys: String, CodingKey {
        case id
        case variant
        case trained
        case multAdds = "mult_adds"
        case expectedOutputs = "expected_outputs"
    }
}

/// One way a harness runs an artifact; `computeUnit` is the result schema's vocabulary.
public struct ArtifactRun: Decodable, Equatable {
    /// android, ios or macos.
    public let platform: String
    /// onnxruntime or coreml.
    public let runtime: String
    public let computeUnit: String
    /// ONNX Runtime's EP name; nil for Core ML.
    public let executionProvider: String?
    public let note: String?

    enum CodingKeys: String, CodingKey {
        case platform
        case runtime
        case computeUnit = "compute_unit"
        case executionProvider = "execution_provider"
        case note
    }
}

public struct TensorSpec: Decodable {
    public let name: String
    public let shape: [Int]
    public let dtype: String
    public let unit: String?

    enum CodingKeys: String, CodingKey {
        case name
        case shape
        case dtype
        case unit
    }

    public init(name: String, shape: [Int], dtype: String = "float32", unit: String? = nil) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.unit = unit
    }
}

/// One file inside a directory artifact (.mlpackage), in the order the directory hash uses.
public struct DirectoryFileEntry: Decodable {
    public let path: String
    public let sha256: String
    public let sizeBytes: Int

    enum CodingKeys: String, CodingKey {
        case path
        case sha256
        case sizeBytes = "size_bytes"
    }
}

/// The host's verification of the artifact at export time.
public struct ExportAccuracy: Decodable {
    /// pass, fail (kept only for timing by --keep-inaccurate) or not-run.
    public let verdict: String
    public let reason: String?

    enum CodingKeys: String, CodingKey {
        case verdict
        case reason
    }
}

/// Whether an artifact is one file or a folder (.mlpackage).
public enum ArtifactKind: String, Decodable {
    case file
    case directory
}

/// One mobile artifact of the export, copied unchanged into the bundle.
public struct BundleArtifact: Decodable {
    /// The artifact's file name in the export, unique in the bundle; the record's `artifact.file`.
    public let id: String
    /// The record's `artifact.name`: the file name without its precision part.
    public let recordName: String
    /// Path relative to the bundle folder.
    public let file: String
    public let kind: ArtifactKind
    public let sha256: String
    public let sizeBytes: Int
    /// Directory artifacts only.
    public let files: [DirectoryFileEntry]?
    /// Id of the model whose expected outputs judge this artifact.
    public let model: String
    public let variant: String
    /// onnx, ort or mlpackage.
    public let format: String
    /// fp32, fp16 or int8.
    public let precision: String
    public let target: String
    public let runs: [ArtifactRun]
    public let inputs: [TensorSpec]
    public let outputs: [TensorSpec]
    /// verts_max_mm, uv_max_px: the largest errors this artifact may have.
    public let limits: [String: Double]
    public let exportAccuracy: ExportAccuracy

    enum CodingKeys: String, CodingKey {
        case id
        case recordName = "record_name"
        case file
        case kind
        case sha256
        case sizeBytes = "size_bytes"
        case files
        case model
        case variant
        case format
        case precision
        case target
        case runs
        case inputs
        case outputs
        case limits
        case exportAccuracy = "export_accuracy"
    }
}
