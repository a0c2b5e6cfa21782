public import VouchCrypto

/// The certificate a node joins relays with: made deterministically from its identity key
/// (Protocol/relay.md §3), so its device ID, and every relay endpoint given out with it, stays
/// the same across restarts, machines and relays. Built here as fixed DER around the key and
/// the key's (deterministic) Ed25519 signature, so the bytes are the specification's.
public struct RelayCertificate: Sendable {
    public let der: [UInt8]

    public init(key: Ed25519PrivateKey) throws {
        let tbs = Self.toBeSigned(publicKey: key.publicKey.rawRepresentation)
        let signature = try key.signature(for: tbs)
        der = DER.sequence(tbs + Self.ed25519Algorithm + [0x03, 0x41, 0x00] + signature)
    }

    public var deviceID: RelayDeviceID { RelayDeviceID(certificateDER: der) }

    /// AlgorithmIdentifier id-Ed25519 (1.3.101.112), no parameters.
    static let ed25519Algorithm: [UInt8] = [0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70]

    static func toBeSigned(publicKey: [UInt8]) -> [UInt8] {
        let commonName = Array("vouch-relay".utf8)
        let name = DER.sequence(DER.set(DER.sequence([0x06, 0x03, 0x55, 0x04, 0x03] + [0x0C, UInt8(commonName.count)] + commonName)))
        let notBefore = Array("700101000000Z".utf8), notAfter = Array("99991231235959Z".utf8)
        let validity = DER.sequence([0x17, UInt8(notBefore.count)] + notBefore + [0x18, UInt8(notAfter.count)] + notAfter)
        let publicKeyInfo = DER.sequence(ed25519Algorithm + [0x03, 0x21, 0x00] + publicKey)
        return DER.sequence([0xA0, 0x03, 0x02, 0x01, 0x02] + [0x02, 0x01, 0x01] + ed25519Algorithm
                            + name + validity + name + publicKeyInfo)
    }
}

/// The few DER constructions the relay certificate needs (lengths below 65 536).
enum DER {
    static func sequence(_ content: [UInt8]) -> [UInt8] { [0x30] + length(content.count) + content }
    static func set(_ content: [UInt8]) -> [UInt8] { [0x31] + length(content.count) + content }

    static func length(_ n: Int) -> [UInt8] {
        switch n {
        case ..<0x80: [UInt8(n)]
        case ..<0x100: [0x81, UInt8(n)]
        default: [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
        }
    }
}
