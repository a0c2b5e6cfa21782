public import VouchCrypto

/// The private set intersection behind `vouch mutual` (Protocol/disclosure.md §Mutual connections):
/// Diffie–Hellman PSI over X25519. Each element names one connection's other side, tied to that
/// side's mutual token, which it shares only with its connections; so only a node connected to
/// someone can make the element for them, and a node cannot probe for people it does not know.
///
///     element(P) = SHA-256(canonical CBOR of ["vouch mutual v1", P's key, P's token]), top bit cleared
///     blind(k, x) = X25519(k, x)
///
/// X25519 commutes (X25519(a, X25519(b, x)) = X25519(b, X25519(a, x)) for any u-coordinate, on
/// the curve or its twist, both of which are secure), so the asker's elements blinded by both
/// sides meet the answering node's elements blinded by both exactly where they are equal.
public enum MutualSet {
    public static let context = "vouch mutual v1"

    public static func element(peer: NodeID, token: [UInt8]) -> [UInt8] {
        var hash = SHA256.hash(CBORValue.array([.text(context), .bytes(peer.rawRepresentation), .bytes(token)]).encoded)
        hash[31] &= 0x7f
        return hash
    }

    /// X25519(`key`, `point`); `invalid-value` for a point of small order (the result would be zero).
    public static func blind(_ point: [UInt8], with key: X25519PrivateKey) throws(ProtocolError) -> [UInt8] {
        do {
            return try key.sharedSecret(with: try X25519PublicKey(rawRepresentation: point))
        } catch {
            throw ProtocolError(.invalidValue, "an element of the set is not a usable X25519 point")
        }
    }

    /// The answering node's blinding key for one query of one asker: derived from the node's own
    /// secret, so every page of a query uses the same key without the node keeping state.
    public static func answeringKey(secret: [UInt8], asker: NodeID, query: [UInt8]) throws -> X25519PrivateKey {
        var raw = HMACSHA256.authenticationCode(key: secret, data: CBORValue.array([.text(context), .bytes(asker.rawRepresentation),
                                                                                   .bytes(query)]).encoded)
        defer { raw.cleanse() }
        return try X25519PrivateKey(rawRepresentation: raw)
    }

    /// How many elements a side sends for `count` real ones: whole pages of
    /// `MutualQueryBody.maximumElements`, at least one page. The other side then learns how many
    /// pages there are, never how many connections (Protocol/disclosure.md §6.5).
    public static func paddedCount(_ count: Int) -> Int {
        let size = MutualQueryBody.maximumElements
        return max(1, (count + size - 1) / size) * size
    }

    /// A padding element: X25519 of a fresh random scalar with the base point, a point of the
    /// prime-order subgroup like every blinded element, so neither side can tell padding from a
    /// connection, and (random) it meets no element of the other side.
    public static func dummy() throws -> [UInt8] {
        try X25519PrivateKey().publicKey.rawRepresentation
    }

    /// `blinded` with dummies added up to `paddedCount`, sorted bytewise (an order that says nothing).
    public static func padded(_ blinded: [[UInt8]]) throws -> [[UInt8]] {
        var all = blinded
        for _ in blinded.count..<paddedCount(blinded.count) { all.append(try dummy()) }
        return all.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The asker's side of the intersection: the positions of `twice` (its elements blinded by
    /// both sides, in the order it sent them) that appear in `theirs` (the answering node's set,
    /// blinded again by the asker).
    public static func common(twice: [[UInt8]], theirs: [[UInt8]]) -> [Int] {
        let set = Set(theirs)
        return twice.indices.filter { set.contains(twice[$0]) }
    }
}
