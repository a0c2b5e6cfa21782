import Testing
import VouchCrypto
@testable import VouchProtocol

/// Fixed parties for the disclosure tests and vectors (Protocol/disclosure.md): the connection of
/// `InvitationFixtures` (RFC 8032 keys 1 and 2), key 3 as a third node, and fixed mutual tokens
/// and X25519 scalars anyone can recreate.
enum DisclosureFixtures {
    static let aKey = FixedKeys.key1
    static let bKey = FixedKeys.key2
    static let strangerKey = FixedKeys.key3
    static let a = NodeID(publicKey: aKey.publicKey)
    static let b = NodeID(publicKey: bKey.publicKey)
    static let stranger = NodeID(publicKey: strangerKey.publicKey)

    static var connection: Connection { InvitationFixtures.connection() }
    /// Another connection of the same two (a later acceptance): another id.
    static var otherConnection: Connection { InvitationFixtures.connection(accepted: InvitationFixtures.created + 90_000) }
    static let set = InvitationFixtures.created + 120_000

    /// `payload` signed as a `vouch.visibility` (or `type`) document of `format`, without any check.
    static func signed(_ payload: [String: CBORValue], key: Ed25519PrivateKey = aKey, type: DocumentType = .visibility,
                       format: UInt64 = 1) -> [UInt8] {
        IntroductionFixtures.signRaw(.map(payload), type: type, format: format, key: key)
    }

    static var goodPayload: [String: CBORValue] {
        ["connection": .bytes(connection.id), "level": .text("mutual"), "set": .unsigned(set)]
    }

    static func statement(_ level: Visibility, set: UInt64 = set, key: Ed25519PrivateKey = aKey) -> VisibilityStatement {
        try! VisibilityStatement.make(connection: connection.id, level: level, set: set, with: key)
    }

    /// Bytes `n` repeated 32 times: a token or a scalar of a test table.
    static func filled(_ n: UInt8) -> [UInt8] { [UInt8](repeating: n, count: 32) }

    /// u = 2: a point of the curve's twist (u³ + 486662u² + u is not a square mod 2^255 − 19).
    static let twistPoint = [UInt8(2)] + [UInt8](repeating: 0, count: 31)

    /// The u-coordinates of small order (RFC 7748 §6.1 and the usual refusal lists): 0, 1, the two
    /// of order 8, p − 1, and the non-canonical p and p + 1; with and without the top bit set.
    static let smallOrderPoints: [[UInt8]] = [
        hex("0000000000000000000000000000000000000000000000000000000000000000"),
        hex("0100000000000000000000000000000000000000000000000000000000000000"),
        hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
        hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        hex("0000000000000000000000000000000000000000000000000000000000000080"),
        hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880"),
    ]

    static func scalar(_ raw: [UInt8]) -> X25519PrivateKey { try! X25519PrivateKey(rawRepresentation: raw) }
}
