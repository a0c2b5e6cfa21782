/// Reads the fields of a CBOR map the way every Vouch document is read: each field taken by
/// name with its expected type, and anything left over at the end refused as an unknown field.
/// Refusing unknown fields (instead of ignoring them) means a signer cannot slip in content a
/// reader would not show; new fields come with a new document version.
public struct CBORFields {
    private var entries: [String: CBORValue]
    private let context: String

    /// `context` names the map in error messages ("profile", "profile.fields").
    public init(_ value: CBORValue, context: String) throws {
        guard case .map(let entries) = value else {
            throw ProtocolError(.wrongType, "\(context) must be a map")
        }
        self.entries = entries
        self.context = context
    }

    public mutating func take(_ key: String) -> CBORValue? {
        entries.removeValue(forKey: key)
    }

    public mutating func require(_ key: String) throws -> CBORValue {
        guard let value = take(key) else {
            throw ProtocolError(.missingField, "\(context) has no \"\(key)\" field")
        }
        return value
    }

    /// An unsigned integer, refused with `out-of-range` outside `range` (by default the range every
    /// protocol integer lies in, `ProtocolInteger.range`).
    public mutating func unsigned(_ key: String, in range: ClosedRange<UInt64> = ProtocolInteger.range) throws -> UInt64 {
        guard case .unsigned(let n) = try require(key) else { throw wrongType(key, "an unsigned integer") }
        try ProtocolInteger.check(n, in: range, field: "\(context).\(key)")
        return n
    }

    public mutating func text(_ key: String) throws -> String {
        guard case .text(let s) = try require(key) else { throw wrongType(key, "a text string") }
        return s
    }

    public mutating func optionalText(_ key: String) throws -> String? {
        guard let value = take(key) else { return nil }
        guard case .text(let s) = value else { throw wrongType(key, "a text string") }
        return s
    }

    public mutating func bytes(_ key: String, count: Int? = nil) throws -> [UInt8] {
        guard case .bytes(let b) = try require(key) else { throw wrongType(key, "a byte string") }
        if let count, b.count != count {
            throw ProtocolError(.invalidValue, "\(context).\(key) must be \(count) bytes, is \(b.count)")
        }
        return b
    }

    public mutating func optionalBytes(_ key: String) throws -> [UInt8]? {
        guard let value = take(key) else { return nil }
        guard case .bytes(let b) = value else { throw wrongType(key, "a byte string") }
        return b
    }

    public mutating func bool(_ key: String) throws -> Bool {
        guard case .bool(let b) = try require(key) else { throw wrongType(key, "true or false") }
        return b
    }

    public mutating func array(_ key: String) throws -> [CBORValue] {
        guard case .array(let items) = try require(key) else { throw wrongType(key, "an array") }
        return items
    }

    public mutating func optionalArray(_ key: String) throws -> [CBORValue]? {
        guard let value = take(key) else { return nil }
        guard case .array(let items) = value else { throw wrongType(key, "an array") }
        return items
    }

    public mutating func map(_ key: String) throws -> CBORFields {
        try CBORFields(try require(key), context: "\(context).\(key)")
    }

    /// Call after taking every known field: anything left is an unknown field.
    public func finish() throws {
        if let unknown = entries.keys.sorted().first {
            throw ProtocolError(.unknownField, "\(context) has an unknown field \"\(unknown)\"")
        }
    }

    /// The keys not yet taken, for maps whose keys are data (such as profile field names).
    public var remainingKeys: [String] { entries.keys.sorted() }

    private func wrongType(_ key: String, _ expected: String) -> ProtocolError {
        ProtocolError(.wrongType, "\(context).\(key) must be \(expected)")
    }
}
