public import VouchCrypto

/// One side's signed choice of who may learn of a connection: a `vouch.visibility` document,
/// format 1 (Protocol/disclosure.md §The visibility statement).
///
///     visibility = {
///       "connection": bstr .size 32,  ; the connection's id: SHA-256 of its record
///       "level": text,                ; only-us | mutual | connections | everyone
///       "set": uint                   ; Unix ms; of two statements by the same side, the later one holds
///     }
///
/// Each side's statement is its own, so changing it never needs the other's signature; the
/// audience is the narrower of the two (`DisclosureRule.audience`).
public struct VisibilityStatement: Sendable, Equatable {
    public let envelope: SignedEnvelope
    public let connection: [UInt8]
    public let level: Visibility
    public let set: UInt64

    public var signer: NodeID { envelope.signer }

    /// Verifies the signature, the type and the payload (no clock and no connection is needed).
    public init(verifying bytes: [UInt8]) throws {
        let envelope = try SignedEnvelope(verifying: bytes)
        try envelope.require(.visibility)
        var fields = try CBORFields(try CBORValue(canonical: envelope.payload), context: "visibility")
        connection = try fields.bytes("connection", count: SHA256.byteCount)
        level = try Visibility(name: try fields.text("level"))
        set = try fields.unsigned("set")
        try fields.finish()
        self.envelope = envelope
    }

    /// `key`'s statement that `connection` may be known to `level`, made at `set` (Unix ms).
    public static func make(connection: [UInt8], level: Visibility, set: UInt64, with key: Ed25519PrivateKey) throws -> VisibilityStatement {
        try ProtocolInteger.check(set, field: "visibility.set")
        let payload = CBORValue.map(["connection": .bytes(connection), "level": .text(level.rawValue), "set": .unsigned(set)])
        let envelope = try SignedEnvelope(signing: payload.encoded, type: .visibility, formatVersion: 1, with: key)
        return try VisibilityStatement(verifying: envelope.encoded)
    }

    /// Checks it against the connection it must name: the same id, signed by one of its sides.
    public func check(against connection: Connection) throws(ProtocolError) {
        guard self.connection == connection.id else {
            throw ProtocolError(.invalidValue, "the statement names another connection")
        }
        guard signer == connection.inviter || signer == connection.invitee else {
            throw ProtocolError(.signerMismatch, "the statement is signed by \(signer.shortForm), who is not a side of the connection")
        }
    }

    /// Whether this statement replaces `held` (the same side's statement held until now): a
    /// later `set`; of two with the same `set`, the narrower level (so every node holding both
    /// ends with the same one whatever order they came in, and consent is never widened by a tie).
    public func supersedes(_ held: VisibilityStatement?) -> Bool {
        guard let held else { return true }
        return set > held.set || (set == held.set && level < held.level)
    }
}
