import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Signed envelopes")
struct SignedEnvelopeTests {
    static let payload = CanonicalCBORTests.sampleDocument.encoded

    static func signed(_ payload: [UInt8] = payload, type: DocumentType = .profile, formatVersion: UInt64 = 1,
                       key: Ed25519PrivateKey = FixedKeys.key1) -> SignedEnvelope {
        do {
            return try SignedEnvelope(signing: payload, type: type, formatVersion: formatVersion, with: key)
        } catch { preconditionFailure("signing failed: \(error)") }
    }

    /// The five envelope items in order, encoded exactly as the spec writes them.
    static func envelopeBytes(type: String, format: UInt64, signer: [UInt8], payload: [UInt8], signature: [UInt8]) -> [UInt8] {
        CBORValue.array([.text(type), .unsigned(format), .bytes(signer), .bytes(payload), .bytes(signature)]).encoded
    }

    @Test("sign then verify gives back every field")
    func roundTrip() throws {
        let envelope = Self.signed()
        let verified = try SignedEnvelope(verifying: envelope.encoded)
        #expect(verified == envelope)
        #expect(verified.type == "vouch.profile")
        #expect(verified.formatVersion == 1)
        #expect(verified.signer == NodeID(publicKey: FixedKeys.key1.publicKey))
        #expect(verified.payload == Self.payload)
        #expect(verified.signature.count == 64)
        #expect(try verified.documentType() == .profile)
        try verified.require(.profile)
    }

    @Test("the signature covers the context string, type, format, signer and payload")
    func signatureInput() throws {
        let envelope = Self.signed()
        let input = SignedEnvelope.signatureInput(type: "vouch.profile", formatVersion: 1,
                                                  signer: FixedKeys.public1, payload: Self.payload)
        #expect(input == CBORValue.array([.text("vouch signed document v1"), .text("vouch.profile"), .unsigned(1),
                                          .bytes(FixedKeys.public1), .bytes(Self.payload)]).encoded)
        #expect(try FixedKeys.key1.signature(for: input) == envelope.signature)
        #expect(try Ed25519PublicKey(rawRepresentation: FixedKeys.public1).isValidSignature(envelope.signature, for: input))
        // Not a signature over the bare payload.
        #expect(try !Ed25519PublicKey(rawRepresentation: FixedKeys.public1).isValidSignature(envelope.signature, for: Self.payload))
    }

    @Test("the encoding is the five-item array")
    func encodingLayout() {
        let envelope = Self.signed()
        #expect(envelope.encoded == Self.envelopeBytes(type: "vouch.profile", format: 1, signer: FixedKeys.public1,
                                                       payload: Self.payload, signature: envelope.signature))
        #expect(envelope.encoded.first == 0x85)
    }

    @Test("changing any byte of an encoded envelope makes it fail, never crash", arguments: [UInt8(0x01), 0x80, 0xFF])
    func everyByteChange(mask: UInt8) {
        let bytes = Self.signed().encoded
        for position in bytes.indices {
            var changed = bytes
            changed[position] ^= mask
            let code = protocolErrorCode { _ = try SignedEnvelope(verifying: changed) }
            #expect(code != nil, "byte \(position) ^ \(mask) still verifies")
        }
    }

    @Test("changing any byte of the payload or signature is a bad signature")
    func contentChangesAreBadSignatures() {
        let envelope = Self.signed()
        for position in envelope.payload.indices {
            var payload = envelope.payload
            payload[position] ^= 0x01
            let bytes = Self.envelopeBytes(type: envelope.type, format: 1, signer: FixedKeys.public1,
                                           payload: payload, signature: envelope.signature)
            expectProtocolError(.badSignature, "payload byte \(position)") { try SignedEnvelope(verifying: bytes) }
        }
        for position in envelope.signature.indices {
            var signature = envelope.signature
            signature[position] ^= 0x01
            let bytes = Self.envelopeBytes(type: envelope.type, format: 1, signer: FixedKeys.public1,
                                           payload: envelope.payload, signature: signature)
            expectProtocolError(.badSignature, "signature byte \(position)") { try SignedEnvelope(verifying: bytes) }
        }
    }

    @Test("every truncation fails")
    func everyTruncation() {
        let bytes = Self.signed().encoded
        for length in 0..<bytes.count {
            expectProtocolError(.truncated, "length \(length)") { try SignedEnvelope(verifying: Array(bytes[..<length])) }
        }
        expectProtocolError(.trailingBytes) { try SignedEnvelope(verifying: bytes + [0]) }
    }

    @Test("re-typing an envelope (same signature, another type name) is a bad signature",
          arguments: ["vouch.invitation", "vouch.profilE", "vouch.profile ", "", "vouch.profile\u{0}"])
    func retyped(type: String) {
        let envelope = Self.signed()
        let bytes = Self.envelopeBytes(type: type, format: 1, signer: FixedKeys.public1,
                                       payload: envelope.payload, signature: envelope.signature)
        expectProtocolError(.badSignature) { try SignedEnvelope(verifying: bytes) }
    }

    @Test("changing the format version under the same signature is a bad signature")
    func reversioned() {
        let envelope = Self.signed()
        for format: UInt64 in [0, 2, 24, UInt64.max] {
            let bytes = Self.envelopeBytes(type: envelope.type, format: format, signer: FixedKeys.public1,
                                           payload: envelope.payload, signature: envelope.signature)
            expectProtocolError(.badSignature) { try SignedEnvelope(verifying: bytes) }
        }
    }

    @Test("a signature over the same payload for another type does not verify as this type")
    func signatureForAnotherType() throws {
        let other = DocumentType(name: "vouch.other", versions: 1...1)
        let otherEnvelope = Self.signed(type: other)
        let profileEnvelope = Self.signed()
        #expect(otherEnvelope.signature != profileEnvelope.signature)
        #expect(try SignedEnvelope(verifying: otherEnvelope.encoded).type == "vouch.other")
        let swapped = Self.envelopeBytes(type: "vouch.profile", format: 1, signer: FixedKeys.public1,
                                         payload: Self.payload, signature: otherEnvelope.signature)
        expectProtocolError(.badSignature) { try SignedEnvelope(verifying: swapped) }
    }

    @Test("a signature by another key is a bad signature")
    func wrongSigner() {
        let byKey2 = Self.signed(key: FixedKeys.key2)
        // Key 2's signature presented as key 1's.
        let claimed = Self.envelopeBytes(type: "vouch.profile", format: 1, signer: FixedKeys.public1,
                                         payload: Self.payload, signature: byKey2.signature)
        let error = expectProtocolError(.badSignature) { try SignedEnvelope(verifying: claimed) }
        #expect(error?.message.contains(NodeID(publicKey: FixedKeys.key1.publicKey).description) == true)
        // Key 1's signature with key 3 as the signer.
        let byKey1 = Self.signed()
        let reassigned = Self.envelopeBytes(type: "vouch.profile", format: 1, signer: FixedKeys.public3,
                                            payload: Self.payload, signature: byKey1.signature)
        expectProtocolError(.badSignature) { try SignedEnvelope(verifying: reassigned) }
    }

    /// The order of the Ed25519 base point, L = 2^252 + 27742317777372353535851937790883648493.
    static let groupOrder = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")

    static func addLittleEndian(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: a.count)
        var carry = 0
        for i in a.indices {
            let sum = Int(a[i]) + Int(b[i]) + carry
            out[i] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        return out
    }

    @Test("a non-canonical S (S + L) is a bad signature, so signatures are not malleable")
    func nonCanonicalS() {
        let envelope = Self.signed()
        let s = Array(envelope.signature[32...])
        let malleated = Array(envelope.signature[..<32]) + Self.addLittleEndian(s, Self.groupOrder)
        #expect(malleated[63] & 0xE0 == 0, "S + L still fits in 253 bits")
        let bytes = Self.envelopeBytes(type: "vouch.profile", format: 1, signer: FixedKeys.public1,
                                       payload: Self.payload, signature: malleated)
        expectProtocolError(.badSignature) { try SignedEnvelope(verifying: bytes) }
    }

    /// An envelope of exactly `size` bytes (a `vouch.profile` payload of zeros, signed by key 1).
    static func envelope(ofSize size: Int) -> [UInt8] {
        let overhead = signed([UInt8](repeating: 0, count: 1000)).encoded.count - 1000
        let bytes = signed([UInt8](repeating: 0, count: size - overhead)).encoded
        precondition(bytes.count == size)
        return bytes
    }

    @Test("an envelope of 65536 bytes verifies, one of 65537 is too large")
    func sizeLimit() throws {
        #expect(SignedEnvelope.maximumEncodedSize == 65_536)
        let atLimit = Self.envelope(ofSize: 65_536)
        #expect(try SignedEnvelope(verifying: atLimit).payload.count == atLimit.count - 119)
        expectProtocolError(.tooLarge) { try SignedEnvelope(verifying: Self.envelope(ofSize: 65_537)) }
        // The size is checked before anything is parsed.
        expectProtocolError(.tooLarge) { try SignedEnvelope(verifying: [UInt8](repeating: 0xFF, count: 65_537)) }
    }

    @Test("an unknown type verifies but is refused by documentType()")
    func unknownType() throws {
        let envelope = Self.signed(type: DocumentType(name: "vouch.example", versions: 1...1))
        let verified = try SignedEnvelope(verifying: envelope.encoded)
        expectProtocolError(.unknownDocumentType) { try verified.documentType() }
        expectProtocolError(.unknownDocumentType) { try verified.require(.profile) }
    }

    @Test("an unsupported format version verifies but is refused by documentType()", arguments: [UInt64(0), 2, 1000])
    func unsupportedVersion(format: UInt64) throws {
        let verified = try SignedEnvelope(verifying: Self.signed(formatVersion: format).encoded)
        expectProtocolError(.unsupportedVersion) { try verified.documentType() }
        expectProtocolError(.unsupportedVersion) { try verified.require(.profile) }
    }

    @Test("require() refuses a known type other than the one asked for")
    func unexpectedType() throws {
        let verified = try SignedEnvelope(verifying: Self.signed().encoded)
        expectProtocolError(.unexpectedDocumentType) { try verified.require(DocumentType(name: "vouch.other", versions: 1...1)) }
    }

    @Test("a weak signer key is refused before the signature is checked",
          arguments: [FixedKeys.identityPoint, FixedKeys.nonCanonicalY, [UInt8](repeating: 0, count: 32)])
    func weakSigner(raw: [UInt8]) {
        let bytes = Self.envelopeBytes(type: "vouch.profile", format: 1, signer: raw, payload: Self.payload,
                                       signature: [UInt8](repeating: 0, count: 64))
        expectProtocolError(.weakKey) { try SignedEnvelope(verifying: bytes) }
        // With the identity point as the key, the signature (R = identity, S = 0) would verify
        // under a cofactored or careless verifier for every message; the policy refuses the key.
        let identity = FixedKeys.identityPoint + [UInt8](repeating: 0, count: 32)
        let forged = Self.envelopeBytes(type: "vouch.profile", format: 1, signer: FixedKeys.identityPoint,
                                        payload: Self.payload, signature: identity)
        expectProtocolError(.weakKey) { try SignedEnvelope(verifying: forged) }
    }

    static let malformedShapes: [(CBORValue, String)] = [
        (.map([:]), "a map"),
        (.text("vouch.profile"), "a text string"),
        (.array([.text("vouch.profile"), .unsigned(1), .bytes(FixedKeys.public1), .bytes([])]), "four items"),
        (.array([.text("vouch.profile"), .unsigned(1), .bytes(FixedKeys.public1), .bytes([]), .bytes([UInt8](repeating: 0, count: 64)), .bytes([])]), "six items"),
        (.array([.bytes(Array("vouch.profile".utf8)), .unsigned(1), .bytes(FixedKeys.public1), .bytes([]), .bytes([UInt8](repeating: 0, count: 64))]), "type as bytes"),
        (.array([.text("vouch.profile"), .text("1"), .bytes(FixedKeys.public1), .bytes([]), .bytes([UInt8](repeating: 0, count: 64))]), "format as text"),
        (.array([.text("vouch.profile"), .unsigned(1), .text("key"), .bytes([]), .bytes([UInt8](repeating: 0, count: 64))]), "signer as text"),
        (.array([.text("vouch.profile"), .unsigned(1), .bytes(FixedKeys.public1), .map([:]), .bytes([UInt8](repeating: 0, count: 64))]), "payload as a map"),
        (.array([.text("vouch.profile"), .unsigned(1), .bytes(FixedKeys.public1), .bytes([]), .array([])]), "signature as an array"),
        (.array([.text("vouch.profile"), .unsigned(1), .bytes(Array(FixedKeys.public1.dropLast())), .bytes([]), .bytes([UInt8](repeating: 0, count: 64))]), "31-byte signer"),
        (.array([.text("vouch.profile"), .unsigned(1), .bytes(FixedKeys.public1 + [0]), .bytes([]), .bytes([UInt8](repeating: 0, count: 64))]), "33-byte signer"),
        (.array([.text("vouch.profile"), .unsigned(1), .bytes(FixedKeys.public1), .bytes([]), .bytes([UInt8](repeating: 0, count: 63))]), "63-byte signature"),
        (.array([.text("vouch.profile"), .unsigned(1), .bytes(FixedKeys.public1), .bytes([]), .bytes([UInt8](repeating: 0, count: 65))]), "65-byte signature"),
    ]

    @Test("anything but [text, uint, 32 bytes, bytes, 64 bytes] is malformed", arguments: malformedShapes)
    func malformed(value: CBORValue, what: String) {
        expectProtocolError(.malformed, what) { try SignedEnvelope(verifying: value.encoded) }
    }

    @Test("a non-canonical encoding of a valid envelope is refused")
    func nonCanonicalEnvelope() {
        let envelope = Self.signed([1, 2, 3])
        // The payload length 3 written with a one-byte argument.
        var bytes = Self.envelopeBytes(type: "vouch.profile", format: 1, signer: FixedKeys.public1,
                                       payload: [1, 2, 3], signature: envelope.signature)
        let index = 1 + 14 + 1 + 34  // after the array head, type, format and signer
        #expect(bytes[index] == 0x43)
        bytes.replaceSubrange(index...index, with: [0x58, 0x03])
        expectProtocolError(.nonCanonical) { try SignedEnvelope(verifying: bytes) }
    }

    @Test("signing is deterministic (RFC 8032), so a document has one signed form")
    func deterministic() {
        #expect(Self.signed().encoded == Self.signed().encoded)
    }
}
