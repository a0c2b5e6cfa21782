public import VouchCrypto

/// Either side's signed end of a connection: a `vouch.connection-removal` document
/// (Protocol/invitations.md §The removal).
///
///     removal = {
///       "connection": bstr .size 32,  ; SHA-256 of the acceptance envelope (Connection.id)
///       "removed": uint               ; Unix ms
///     }
///
/// It is signed, unlike a withdrawal, because the record it ends is signed evidence that may
/// have been shown to others: whoever holds the record can be shown the removal too.
public struct ConnectionRemoval: Sendable, Equatable {
    public let envelope: SignedEnvelope
    public let connection: [UInt8]
    public let removed: UInt64

    public var signer: NodeID { envelope.signer }

    /// Steps 1–3: the signature, the type, the payload.
    public init(verifying bytes: [UInt8]) throws {
        envelope = try SignedEnvelope(verifying: bytes)
        try envelope.require(.connectionRemoval)
        var fields = try CBORFields(try CBORValue(canonical: envelope.payload), context: "connection-removal")
        connection = try fields.bytes("connection", count: SHA256.byteCount)
        removed = try fields.unsigned("removed")
        try fields.finish()
    }

    /// Steps 4–5: it names `connection` and is signed by one of its two sides.
    public func check(against connection: Connection) throws(ProtocolError) {
        guard self.connection == connection.id else {
            throw ProtocolError(.invalidValue, "the removal names another connection")
        }
        guard connection.peer(of: signer) != nil else {
            throw ProtocolError(.signerMismatch, "the removal is signed by \(signer.shortForm), who is not in the connection")
        }
    }

    public static func sign(removing connection: Connection, at removed: UInt64, with key: Ed25519PrivateKey) throws -> ConnectionRemoval {
        try ProtocolInteger.check(removed, field: "connection-removal.removed")
        let payload = CBORValue.map(["connection": .bytes(connection.id), "removed": .unsigned(removed)])
        let removal = try ConnectionRemoval(verifying: try SignedEnvelope(signing: payload.encoded, type: .connectionRemoval,
                                                                           formatVersion: 1, with: key).encoded)
        try removal.check(against: connection)
        return removal
    }
}
