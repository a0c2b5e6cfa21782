import Testing
import VouchCrypto
@testable import VouchProtocol

/// `SignedEnvelopeLayout` is a shortcut: it must find a layout exactly when the general decoder
/// (`CBORValue(canonical:)` plus the five-item shape) accepts the bytes, with the same items and a
/// signature input equal to the re-encoded one. Then every refusal still comes from the general
/// decoder, with its code, message and order.
@Suite("Signed envelope layout")
struct SignedEnvelopeLayoutTests {
    /// The items as the general decoder reads them, or nil where it (or the shape check) refuses.
    static func generalItems(_ bytes: [UInt8]) -> (type: String, format: UInt64, signer: [UInt8], payload: [UInt8], signature: [UInt8])? {
        guard case .array(let items)? = try? CBORValue(canonical: bytes), items.count == 5,
              case .text(let type) = items[0], case .unsigned(let format) = items[1], case .bytes(let signer) = items[2],
              case .bytes(let payload) = items[3], case .bytes(let signature) = items[4] else {
            return nil
        }
        return (type, format, signer, payload, signature)
    }

    /// Requires the layout and the general decoder to agree on `bytes`.
    static func expectAgreement(_ bytes: [UInt8], _ what: String) {
        let layout = SignedEnvelopeLayout(bytes)
        guard let general = generalItems(bytes) else {
            #expect(layout == nil, "\(what): a layout for bytes the general decoder refuses")
            return
        }
        guard let layout else {
            Issue.record("\(what): no layout for bytes the general decoder accepts")
            return
        }
        #expect(layout.type == general.type, "\(what)")
        #expect(layout.formatVersion == general.format, "\(what)")
        #expect(Array(bytes[layout.signer]) == general.signer, "\(what)")
        #expect(Array(bytes[layout.payload]) == general.payload, "\(what)")
        #expect(Array(bytes[layout.signature]) == general.signature, "\(what)")
        #expect(layout.signatureInput(bytes) == SignedEnvelope.signatureInput(type: general.type, formatVersion: general.format,
                                                                              signer: general.signer, payload: general.payload),
                "\(what)")
    }

    @Test("signed envelopes of every head length verify, and the layout's signature input is the re-encoded one",
          arguments: [0, 1, 23, 24, 255, 256, 65_000])
    func everyHeadLength(payloadCount: Int) throws {
        let payload = (0..<payloadCount).map { UInt8(truncatingIfNeeded: $0) }
        for format: UInt64 in [1, 23, 24, 0xFFFF, 0x1_0000_0000, .max] {
            let envelope = try SignedEnvelope(signing: payload, type: .profile, formatVersion: format, with: FixedKeys.key1)
            Self.expectAgreement(envelope.encoded, "payload \(payloadCount), format \(format)")
            #expect(try SignedEnvelope(verifying: envelope.encoded) == envelope)
        }
    }

    @Test("type names of every head length and non-ASCII ones read the same", arguments: ["", "a", "vouch.profile", "vouch.a-type-name-over-23-bytes", "vouch.é", String(repeating: "x", count: 300)])
    func typeNames(type: String) {
        let bytes = SignedEnvelopeTests.envelopeBytes(type: type, format: 1, signer: FixedKeys.public1,
                                                      payload: [1, 2, 3], signature: [UInt8](repeating: 7, count: 64))
        Self.expectAgreement(bytes, "type \(type)")
        #expect(SignedEnvelopeLayout(bytes) != nil)
    }

    @Test("every shape the general decoder refuses has no layout", arguments: SignedEnvelopeTests.malformedShapes)
    func malformedShapes(value: CBORValue, what: String) {
        Self.expectAgreement(value.encoded, what)
    }

    @Test("invalid UTF-8, long-form heads and trailing bytes have no layout")
    func nonCanonical() {
        let good = SignedEnvelopeTests.signed([1, 2, 3]).encoded
        Self.expectAgreement(good + [0], "a trailing byte")
        var invalidText = good
        invalidText[2] = 0xFF  // first byte of "vouch.profile"
        Self.expectAgreement(invalidText, "invalid UTF-8 in the type")
        // Each item's head written one size longer than needed (array, type, format, signer, payload).
        let longerHeads: [(index: Int, head: [UInt8], length: Int)] = [
            (0, [0x98, 0x05], 1), (1, [0x78, 0x0D], 1), (15, [0x18, 0x01], 1), (16, [0x59, 0x00, 0x20], 2), (50, [0x58, 0x03], 1),
        ]
        for (index, longer, length) in longerHeads {
            var bytes = good
            bytes.replaceSubrange(index..<index + length, with: longer)
            Self.expectAgreement(bytes, "long-form head at \(index)")
            #expect(SignedEnvelopeLayout(bytes) == nil)
        }
    }

    @Test("every truncation and every changed byte: the layout and the general decoder agree")
    func mutations() {
        let good = SignedEnvelopeTests.signed(Array(0..<30)).encoded
        for count in 0..<good.count {
            Self.expectAgreement(Array(good.prefix(count)), "truncated to \(count)")
        }
        for index in good.indices {
            for value in [UInt8(0x00), 0x01, 0x17, 0x18, 0x19, 0x40, 0x60, 0x80, 0x85, 0x86, 0xA0, 0xF5, 0xFF] {
                var bytes = good
                bytes[index] = value
                Self.expectAgreement(bytes, "byte \(index) set to \(value)")
            }
        }
    }
}
