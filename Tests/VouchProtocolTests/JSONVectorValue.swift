/// The JSON written to Protocol/vectors: a small tree of values encoded with sorted keys and
/// pretty printing, so regenerating a file gives a readable diff.
indirect enum JSONVectorValue: Encodable, Equatable, ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByArrayLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    case object([String: JSONVectorValue])
    case array([JSONVectorValue])
    case string(String)
    case number(UInt64)
    case bool(Bool)
    case null

    init(stringLiteral value: String) { self = .string(value) }
    init(dictionaryLiteral elements: (String, JSONVectorValue)...) {
        self = .object(Dictionary(uniqueKeysWithValues: elements))
    }
    init(arrayLiteral elements: JSONVectorValue...) { self = .array(elements) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(integerLiteral value: UInt64) { self = .number(value) }
    init(nilLiteral: ()) { self = .null }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .object(let members): try container.encode(members)
        case .array(let items): try container.encode(items)
        case .string(let text): try container.encode(text)
        case .number(let n): try container.encode(n)
        case .bool(let b): try container.encode(b)
        case .null: try container.encodeNil()
        }
    }

    /// Adds or replaces members of an object.
    func merging(_ other: [String: JSONVectorValue]) -> JSONVectorValue {
        guard case .object(let members) = self else { preconditionFailure("not an object") }
        return .object(members.merging(other) { $1 })
    }
}
