import Testing
import VouchCrypto

@Suite("X25519: RFC 7748")
struct X25519Tests {
    // RFC 7748 §6.1.
    static let alicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
    static let alicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    static let bobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
    static let bobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    static let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

    @Test("§6.1: each private key gives the published public key")
    func publicKeys() throws {
        #expect(Hex.encode(try X25519PrivateKey(rawRepresentation: hex(Self.alicePrivate)).publicKey.rawRepresentation) == Self.alicePublic)
        #expect(Hex.encode(try X25519PrivateKey(rawRepresentation: hex(Self.bobPrivate)).publicKey.rawRepresentation) == Self.bobPublic)
    }

    @Test("§6.1: both sides derive the published shared secret")
    func sharedSecret() throws {
        let alice = try X25519PrivateKey(rawRepresentation: hex(Self.alicePrivate))
        let bob = try X25519PrivateKey(rawRepresentation: hex(Self.bobPrivate))
        #expect(Hex.encode(try alice.sharedSecret(with: X25519PublicKey(rawRepresentation: hex(Self.bobPublic)))) == Self.shared)
        #expect(Hex.encode(try bob.sharedSecret(with: X25519PublicKey(rawRepresentation: hex(Self.alicePublic)))) == Self.shared)
    }

    @Test("the private key's raw bytes round-trip")
    func rawPrivateKey() throws {
        #expect(Hex.encode(try X25519PrivateKey(rawRepresentation: hex(Self.alicePrivate)).rawRepresentation) == Self.alicePrivate)
    }

    @Test("random keys agree with each other and differ from each other")
    func randomKeys() throws {
        let a = try X25519PrivateKey(), b = try X25519PrivateKey()
        #expect(a.publicKey != b.publicKey)
        let ab = try a.sharedSecret(with: b.publicKey), ba = try b.sharedSecret(with: a.publicKey)
        #expect(ab == ba)
        #expect(ab.count == 32)
        #expect(try a.sharedSecret(with: a.publicKey) != ab)
    }

    /// The small-order u-coordinates (libsodium's blocklist): 0, 1, the two points of order 8,
    /// p - 1, and the non-canonical p and p + 1; each also with the ignored top bit set.
    static let smallOrderPeers: [String] = {
        let base = [
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        ]
        return base + base.map { encoding in
            var bytes = hex(encoding)
            bytes[31] |= 0x80
            return Hex.encode(bytes)
        }
    }()

    @Test("a small-order peer key gives no shared secret: weakKey", arguments: smallOrderPeers)
    func smallOrderPeer(_ peer: String) throws {
        let alice = try X25519PrivateKey(rawRepresentation: hex(Self.alicePrivate))
        let random = try X25519PrivateKey()
        let peerKey = try X25519PublicKey(rawRepresentation: hex(peer))
        expectError(.weakKey) { try alice.sharedSecret(with: peerKey) }
        expectError(.weakKey) { try random.sharedSecret(with: peerKey) }
    }

    @Test("keys of the wrong length are invalidKey", arguments: [0, 31, 33])
    func wrongLength(_ length: Int) {
        let bytes = [UInt8](repeating: 9, count: length)
        expectError(.invalidKey) { try X25519PublicKey(rawRepresentation: bytes) }
        expectError(.invalidKey) { try X25519PrivateKey(rawRepresentation: bytes) }
    }
}
