public import VouchCrypto

/// The queries of Protocol/disclosure.md and their answers. A query is a request the receiving
/// node answers with one reply (never stored, never through the outbox); it reveals only what the
/// consent rule (`DisclosureRule`) allows the asker, and a refusal reads like an empty answer.
public enum Query: Sendable, Equatable {
    /// "Which of your connections may I know of?", one page at a time.
    case connections(ConnectionsQueryBody)
    /// "Are you connected to this node, and may I know it?"
    case introducer(IntroducerQueryBody)
    /// One page of a private set intersection of connections.
    case mutual(MutualQueryBody)

    public var type: WireMessageType {
        switch self {
        case .connections: .connectionsQuery
        case .introducer: .introducerQuery
        case .mutual: .mutualQuery
        }
    }

    public var value: CBORValue {
        switch self {
        case .connections(let body): body.value
        case .introducer(let body): body.value
        case .mutual(let body): body.value
        }
    }
}

/// The answer to a `Query`.
public enum Answer: Sendable, Equatable {
    case connections(ConnectionsAnswerBody)
    case introducer(IntroducerAnswerBody)
    case mutual(MutualAnswerBody)

    public var type: WireMessageType {
        switch self {
        case .connections: .connectionsAnswer
        case .introducer: .introducerAnswer
        case .mutual: .mutualAnswer
        }
    }

    public var value: CBORValue {
        switch self {
        case .connections(let body): body.value
        case .introducer(let body): body.value
        case .mutual(let body): body.value
        }
    }
}

/// `connections-query`: `{after: bstr .size 32}`, the id of the last connection of the previous
/// page (32 zero bytes for the first). Pages are in order of connection id.
public struct ConnectionsQueryBody: Sendable, Equatable {
    public static let first = [UInt8](repeating: 0, count: SHA256.byteCount)
    public var after: [UInt8]

    public init(after: [UInt8] = Self.first) { self.after = after }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "connections-query")
        after = try fields.bytes("after", count: SHA256.byteCount)
        try fields.finish()
    }

    public var value: CBORValue { .map(["after": .bytes(after)]) }
}

/// `connections-answer`: `{records: [bstr], more: bool}`: connection records (acceptance
/// envelopes) of the answering node that the asker may know of, and whether another page follows.
public struct ConnectionsAnswerBody: Sendable, Equatable {
    public static let maximumRecords = 256
    /// The records of one page stay under this many bytes, well under the frame limit (256 KiB).
    public static let maximumBytes = 160_000
    public var records: [[UInt8]]
    public var more: Bool

    public init(records: [[UInt8]], more: Bool) {
        self.records = records
        self.more = more
    }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "connections-answer")
        let items = try fields.array("records")
        guard items.count <= Self.maximumRecords else {
            throw ProtocolError(.invalidValue, "a page holds at most \(Self.maximumRecords) records, this one \(items.count)")
        }
        records = try items.map { item in
            guard case .bytes(let bytes) = item else { throw ProtocolError(.wrongType, "connections-answer.records holds byte strings") }
            return bytes
        }
        more = try fields.bool("more")
        try fields.finish()
    }

    public var value: CBORValue { .map(["records": .array(records.map { .bytes($0) }), "more": .bool(more)]) }
}

/// `introducer-query`: `{target: bstr .size 32}`: the node the asker wants to be introduced to.
public struct IntroducerQueryBody: Sendable, Equatable {
    public var target: NodeID

    public init(target: NodeID) { self.target = target }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "introducer-query")
        let key = try fields.bytes("target", count: Ed25519.publicKeyByteCount)
        do {
            target = NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: key))
        } catch let error as CryptoError {
            throw ProtocolError(.weakKey, "introducer-query.target is refused: \(error.message)")
        }
        try fields.finish()
    }

    public var value: CBORValue { .map(["target": .bytes(target.rawRepresentation)]) }
}

/// `introducer-answer`: `{? record: bstr}`: the connection record with the target when the asker
/// may know of it; no member otherwise, whether there is no such connection or it is not for the
/// asker to know.
public struct IntroducerAnswerBody: Sendable, Equatable {
    public var record: [UInt8]?

    public init(record: [UInt8]?) { self.record = record }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "introducer-answer")
        record = try fields.optionalBytes("record")
        try fields.finish()
    }

    public var value: CBORValue { .map(record.map { ["record": .bytes($0)] } ?? [:]) }
}

/// `mutual-query`: one page of a private set intersection (Protocol/disclosure.md §Mutual
/// connections): `{query: bstr .size 16, page: uint, elements: bstr}`, `elements` the asker's
/// blinded elements of this page, concatenated (a multiple of 32 bytes, at most
/// `MutualQueryBody.maximumElements` of them).
public struct MutualQueryBody: Sendable, Equatable {
    public static let maximumElements = 4_000
    public static let maximumPages: UInt64 = 16
    public var query: [UInt8]
    public var page: UInt64
    public var elements: [[UInt8]]

    public init(query: [UInt8], page: UInt64, elements: [[UInt8]]) {
        self.query = query
        self.page = page
        self.elements = elements
    }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "mutual-query")
        elements = try Self.points(try fields.bytes("elements"), field: "mutual-query.elements")
        page = try fields.unsigned("page", in: 0...(Self.maximumPages - 1))
        query = try fields.bytes("query", count: 16)
        try fields.finish()
    }

    public var value: CBORValue {
        .map(["query": .bytes(query), "page": .unsigned(page), "elements": .bytes(elements.flatMap { $0 })])
    }

    /// Splits concatenated 32-byte points; `invalid-value` when the length is not a multiple of
    /// 32 or there are more than `maximumElements`.
    static func points(_ bytes: [UInt8], field: String) throws(ProtocolError) -> [[UInt8]] {
        guard bytes.count % X25519.keyByteCount == 0 else {
            throw ProtocolError(.invalidValue, "\(field) is not a whole number of 32-byte elements")
        }
        let count = bytes.count / X25519.keyByteCount
        guard count <= maximumElements else {
            throw ProtocolError(.invalidValue, "\(field) holds at most \(maximumElements) elements, this one \(count)")
        }
        return (0..<count).map { Array(bytes[($0 * X25519.keyByteCount)..<(($0 + 1) * X25519.keyByteCount)]) }
    }
}

/// `mutual-answer`: `{elements: bstr, set: bstr, more: bool}`: the asker's elements of this page
/// blinded again, in the same order, and page `page` of the answering node's own blinded set (in
/// a fixed order for the query), with whether another page of it follows.
public struct MutualAnswerBody: Sendable, Equatable {
    public var elements: [[UInt8]]
    public var set: [[UInt8]]
    public var more: Bool

    public init(elements: [[UInt8]], set: [[UInt8]], more: Bool) {
        self.elements = elements
        self.set = set
        self.more = more
    }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "mutual-answer")
        elements = try MutualQueryBody.points(try fields.bytes("elements"), field: "mutual-answer.elements")
        more = try fields.bool("more")
        set = try MutualQueryBody.points(try fields.bytes("set"), field: "mutual-answer.set")
        try fields.finish()
    }

    public var value: CBORValue {
        .map(["elements": .bytes(elements.flatMap { $0 }), "set": .bytes(set.flatMap { $0 }), "more": .bool(more)])
    }
}
