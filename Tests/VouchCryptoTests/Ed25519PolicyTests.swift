import Testing
import VouchCrypto

/// What Vouch does with one Ed25519 (key, message, signature) triple.
enum Ed25519Outcome: Sendable, Equatable {
    /// `Ed25519PublicKey(rawRepresentation:)` throws `.weakKey`: the key never gets as far as verifying.
    case keyRefused
    /// The key parses and `isValidSignature` is true.
    case valid
    /// The key parses and `isValidSignature` is false.
    case invalid
}

/// One case of C2SP/novifinancial ed25519-speccheck (`cases.json`, in file order).
struct SpeccheckCase: Sendable, CustomTestStringConvertible {
    let index: Int
    let comment: String
    let message: String
    let publicKey: String
    let signature: String
    /// Under Vouch's policy (see `Ed25519` in VouchCrypto).
    let expected: Ed25519Outcome
    /// What bare OpenSSL 3.0 `EVP_DigestVerify` says (speccheck's results table; re-checked
    /// against the system's 3.0.19): true = accepts. Shown for the cases where we differ.
    let bareOpenSSLAccepts: Bool
    var testDescription: String { "speccheck \(index): \(comment)" }
}

/// The twelve vectors of https://github.com/novifinancial/ed25519-speccheck (cases.json), with
/// the expected outcome under our policy: cofactorless verification as OpenSSL does it, plus
/// refusal of small-order and non-canonical public keys when they are parsed.
let speccheckCases: [SpeccheckCase] = [
    SpeccheckCase(
        index: 0, comment: "S = 0, small-order A and small-order R",
        message: "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
        publicKey: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        signature: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
        expected: .keyRefused, bareOpenSSLAccepts: true),
    SpeccheckCase(
        index: 1, comment: "small-order A only",
        message: "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        publicKey: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        signature: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        expected: .keyRefused, bareOpenSSLAccepts: true),
    SpeccheckCase(
        index: 2, comment: "small-order R only (mixed-order A)",
        message: "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
        publicKey: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        signature: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
        expected: .valid, bareOpenSSLAccepts: true),
    SpeccheckCase(
        index: 3, comment: "mixed-order A and R, passes cofactored and cofactorless",
        message: "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        publicKey: "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        signature: "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
        expected: .valid, bareOpenSSLAccepts: true),
    SpeccheckCase(
        index: 4, comment: "mixed-order A and R, passes cofactored only",
        message: "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        publicKey: "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        signature: "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
        expected: .invalid, bareOpenSSLAccepts: false),
    SpeccheckCase(
        index: 5, comment: "mixed-order A, order-L R, passes cofactored only (not pre-reduced)",
        message: "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        publicKey: "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        signature: "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
        expected: .invalid, bareOpenSSLAccepts: false),
    SpeccheckCase(
        index: 6, comment: "S > L (non-canonical S)",
        message: "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        publicKey: "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        signature: "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
        expected: .invalid, bareOpenSSLAccepts: false),
    SpeccheckCase(
        index: 7, comment: "S >> L (high bit set)",
        message: "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        publicKey: "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        signature: "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
        expected: .invalid, bareOpenSSLAccepts: false),
    SpeccheckCase(
        index: 8, comment: "non-canonical R, reduced for the hash",
        message: "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        publicKey: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        signature: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f",
        expected: .invalid, bareOpenSSLAccepts: false),
    SpeccheckCase(
        index: 9, comment: "non-canonical R, not reduced for the hash",
        message: "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        publicKey: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        signature: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908",
        expected: .invalid, bareOpenSSLAccepts: false),
    SpeccheckCase(
        index: 10, comment: "non-canonical small-order A (y = -1, x = 0 with the sign bit set), reduced for the hash",
        message: "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
        publicKey: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        signature: "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        expected: .keyRefused, bareOpenSSLAccepts: false),
    SpeccheckCase(
        index: 11, comment: "non-canonical small-order A (y = -1, x = 0 with the sign bit set), not reduced for the hash",
        message: "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f",
        publicKey: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        signature: "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        expected: .keyRefused, bareOpenSSLAccepts: true),
]

/// The eight small-order points in their canonical encodings, and the two points with x = 0
/// written with the sign bit set (a non-canonical spelling OpenSSL decodes without complaint).
let smallOrderEncodings: [String] = [
    "0100000000000000000000000000000000000000000000000000000000000000", // identity, order 1
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // (0, -1), order 2
    "0000000000000000000000000000000000000000000000000000000000000000", // (sqrt(-1), 0), order 4
    "0000000000000000000000000000000000000000000000000000000000000080", // (-sqrt(-1), 0), order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
    "0100000000000000000000000000000000000000000000000000000000000080", // identity, "negative" x = 0
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // (0, -1), "negative" x = 0
]

/// Every encoding with y ≥ p = 2^255 - 19 (y = p + 0 … p + 18), with either sign bit: 38 in all.
/// y = p and y = p + 1 are the non-canonical spellings of the order-4 and order-1 points.
let nonCanonicalEncodings: [[UInt8]] = (0..<19).flatMap { offset -> [[UInt8]] in
    var y = [UInt8](repeating: 0xFF, count: 32)
    y[0] = 0xED + UInt8(offset)  // 0xED + 18 = 0xFF: no carry into byte 1
    y[31] = 0x7F
    var negative = y
    negative[31] |= 0x80
    return [y, negative]
}

@Suite("Ed25519: the edge-case policy")
struct Ed25519PolicyTests {
    @Test(arguments: speccheckCases)
    func speccheck(_ vector: SpeccheckCase) throws {
        let outcome: Ed25519Outcome
        do {
            let key = try Ed25519PublicKey(rawRepresentation: hex(vector.publicKey))
            outcome = key.isValidSignature(hex(vector.signature), for: hex(vector.message)) ? .valid : .invalid
        } catch let error as CryptoError where error.code == .weakKey {
            outcome = .keyRefused
        }
        #expect(outcome == vector.expected)
    }

    @Test("the table covers speccheck 0–11, and differs from bare OpenSSL only by refusing keys")
    func speccheckTable() {
        #expect(speccheckCases.map(\.index) == Array(0...11))
        for vector in speccheckCases where vector.expected != .keyRefused {
            #expect((vector.expected == .valid) == vector.bareOpenSSLAccepts, "case \(vector.index)")
        }
        // Exactly the four cases whose A is small-order are refused at parse.
        #expect(speccheckCases.filter { $0.expected == .keyRefused }.map(\.index) == [0, 1, 10, 11])
    }

    @Test("small-order public keys are refused at parse with weakKey", arguments: smallOrderEncodings)
    func smallOrderKeys(_ encoding: String) {
        expectError(.weakKey) { try Ed25519PublicKey(rawRepresentation: hex(encoding)) }
    }

    @Test("non-canonical public keys (y ≥ p) are refused at parse with weakKey", arguments: nonCanonicalEncodings)
    func nonCanonicalKeys(_ encoding: [UInt8]) {
        expectError(.weakKey) { try Ed25519PublicKey(rawRepresentation: encoding) }
    }

    @Test("the largest canonical y (p - 1) and its neighbours below are not refused for their encoding")
    func justBelowP() throws {
        // y = p - 1 is the order-2 point (refused for its order); y = p - 2 … p - 4 are not small
        // order (p - 2 is no point at all, see `offCurveKey`), so the policy lets them through.
        // The point is the boundary of the y < p comparison: below p is canonical.
        for offset in 2...4 {
            var y = [UInt8](repeating: 0xFF, count: 32)
            y[0] = 0xED - UInt8(offset)
            y[31] = 0x7F
            #expect(throws: Never.self) { try Ed25519PublicKey(rawRepresentation: y) }
        }
    }

    @Test("mixed-order keys (a small-order component, not small) are accepted: policy only refuses small order")
    func mixedOrderAccepted() throws {
        for key in ["f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
                    "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d"] {
            #expect(throws: Never.self) { try Ed25519PublicKey(rawRepresentation: hex(key)) }
        }
    }

    @Test("non-canonical S: S + L of a valid signature is rejected")
    func sPlusL() throws {
        let vector = rfc8032Vectors[0]
        let key = try Ed25519PublicKey(rawRepresentation: hex(vector.publicKey))
        let signature = hex(vector.signature)
        // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
        let l = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var sPlusL = Array(signature[32...])
        var carry: UInt16 = 0
        for i in 0..<32 {
            let sum = UInt16(sPlusL[i]) + UInt16(l[i]) + carry
            sPlusL[i] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        #expect(carry == 0)  // S + L still fits in 32 bytes, so it is the same scalar mod L
        #expect(key.isValidSignature(signature, for: hex(vector.message)))
        #expect(!key.isValidSignature(Array(signature[..<32]) + sPlusL, for: hex(vector.message)))
        // S = L exactly (the scalar 0) with any R: rejected too.
        #expect(!key.isValidSignature(Array(signature[..<32]) + l, for: hex(vector.message)))
    }

    /// Found while writing these tests: neither OpenSSL nor the policy checks that a public key
    /// is a point on the curve, so 32 bytes that decode to no point parse as a key. No signature
    /// can verify under such a key (OpenSSL fails to decode it at verify time), which this pins.
    @Test("a key that is no curve point parses, but nothing verifies under it")
    func offCurveKey() throws {
        // y = 2: (y^2 - 1) / (d y^2 + 1) is not a square mod p, so there is no x.
        let raw = hex("0200000000000000000000000000000000000000000000000000000000000000")
        let key = try Ed25519PublicKey(rawRepresentation: raw)
        let vector = rfc8032Vectors[0]
        #expect(!key.isValidSignature(hex(vector.signature), for: hex(vector.message)))
        #expect(!key.isValidSignature([UInt8](repeating: 0, count: 64), for: []))
    }
}
