import Foundation
import VouchAdmin

/// The admin API's values as the Foundation objects `Output` prints, so a command's `--json`
/// output is exactly what the daemon answered.
extension JSONValue {
    var foundationValue: Any {
        switch self {
        case .null: NSNull()
        case .bool(let b): b
        case .int(let i): i
        case .double(let d): d
        case .string(let s): s
        case .array(let a): a.map(\.foundationValue)
        case .object(let o): o.mapValues(\.foundationValue)
        }
    }

    /// The members of an object (empty for anything else).
    var foundationObject: [String: Any] {
        objectValue?.mapValues(\.foundationValue) ?? [:]
    }
}

extension AdminEvent {
    var timeString: String { ISO8601DateFormatter().string(from: time) }
}
