import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Document armor")
struct DocumentArmorTests {
    static let envelope = SignedEnvelopeTests.signed().encoded
    static let armored = DocumentArmor.armor(envelope)

    @Test("armor then dearmor gives back the envelope, for every body length mod 3 and line count")
    func roundTrip() throws {
        #expect(try DocumentArmor.dearmor(Array(Self.armored.utf8)) == Self.envelope)
        for count in [1, 2, 3, 47, 48, 49, 95, 96, 97, 1000] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37) }
            #expect(try DocumentArmor.dearmor(Array(DocumentArmor.armor(bytes).utf8)) == bytes, "\(count) bytes")
        }
    }

    @Test("the exact form: header, base64 lines of 64, a last line of 1–64, footer, LF after each")
    func exactForm() {
        let lines = Self.armored.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "-----BEGIN VOUCH SIGNED DOCUMENT-----")
        #expect(lines[lines.count - 2] == "-----END VOUCH SIGNED DOCUMENT-----")
        #expect(lines.last == "")
        let body = lines.dropFirst().dropLast(2)
        for line in body.dropLast() { #expect(line.count == 64) }
        #expect((1...64).contains(body.last!.count))
        #expect(body.joined() == Base64.encode(Self.envelope))
        // 48 bytes fill exactly one line: no empty line follows it.
        #expect(DocumentArmor.armor([UInt8](repeating: 0, count: 48)).split(separator: "\n").count == 3)
    }

    @Test("changing any byte of an armored document makes it fail to dearmor or to verify", arguments: [UInt8(0x01), 0x80, 0x20])
    func everyByteChange(mask: UInt8) {
        let bytes = Array(Self.armored.utf8)
        for position in bytes.indices {
            var changed = bytes
            changed[position] ^= mask
            let code = protocolErrorCode {
                _ = try SignedEnvelope(verifying: try DocumentArmor.dearmor(changed))
            }
            #expect(code != nil, "byte \(position) ^ \(mask) still verifies")
        }
    }

    @Test("changing a base64 character to any other base64 character fails")
    func everyBase64Substitution() {
        let bytes = Array(Self.armored.utf8)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let bodyStart = "-----BEGIN VOUCH SIGNED DOCUMENT-----\n".utf8.count
        let bodyEnd = bytes.count - "-----END VOUCH SIGNED DOCUMENT-----\n".utf8.count
        for position in bodyStart..<bodyEnd where alphabet.contains(bytes[position]) {
            for replacement in alphabet where replacement != bytes[position] {
                var changed = bytes
                changed[position] = replacement
                let code = protocolErrorCode { _ = try SignedEnvelope(verifying: try DocumentArmor.dearmor(changed)) }
                #expect(code != nil, "byte \(position) → \(replacement) still verifies")
            }
        }
    }

    static func refusal(_ text: String) -> [UInt8] { Array(text.utf8) }

    static var invalidForms: [(String, String)] {
        let text = armored
        let lines = text.split(separator: "\n").map(String.init)
        let body = lines.dropFirst().dropLast().joined()
        // Rewrapped at 60 characters: valid base64, wrong line length.
        var rewrapped = [lines[0]]
        var index = body.startIndex
        while index < body.endIndex {
            let end = body.index(index, offsetBy: 60, limitedBy: body.endIndex) ?? body.endIndex
            rewrapped.append(String(body[index..<end]))
            index = end
        }
        rewrapped.append(lines.last!)
        return [
            (text.replacing("\n", with: "\r\n"), "CRLF line ends"),
            (lines[0] + "\r\n" + lines.dropFirst().joined(separator: "\n") + "\n", "one CRLF"),
            (text.replacing("\n", with: "\r"), "CR line ends"),
            (String(text.dropLast()), "no final newline"),
            (text + "\n", "an extra empty line at the end"),
            ("\n" + text, "an empty line first"),
            (text.replacing("-----BEGIN VOUCH SIGNED DOCUMENT-----", with: "-----BEGIN VOUCH DOCUMENT-----"), "another header"),
            (text.replacing("-----BEGIN VOUCH SIGNED DOCUMENT-----", with: "-----BEGIN vouch signed document-----"), "lower-case header"),
            (text.replacing("-----BEGIN VOUCH SIGNED DOCUMENT-----", with: "-----BEGIN VOUCH SIGNED DOCUMENT----- "), "space after the header"),
            (text.replacing("-----END VOUCH SIGNED DOCUMENT-----", with: "-----END VOUCH SIGNED DOCUMENTS-----"), "another footer"),
            (rewrapped.joined(separator: "\n") + "\n", "lines of 60 characters"),
            ([lines[0], body, lines.last!].joined(separator: "\n") + "\n", "the body on one line"),
            (([lines[0], lines[1] + " "] + Array(lines.dropFirst(2)) + [""]).joined(separator: "\n"), "a space at the end of a line"),
            ([lines[0], lines.last!].joined(separator: "\n") + "\n", "no body"),
            (([lines[0], ""] + Array(lines.dropFirst())).joined(separator: "\n") + "\n", "an empty line after the header"),
            ("Comment: hello\n" + text, "a line before the header"),
            (text + "trailer\n", "a line after the footer"),
            (DocumentArmor.armor([1]).replacing("AQ==", with: "AQ"), "padding removed"),
            (DocumentArmor.armor([1]).replacing("AQ==", with: "AQ="), "padding cut short"),
            (DocumentArmor.armor([1]).replacing("AQ==", with: "AQ===="), "extra padding"),
            (DocumentArmor.armor([1, 2, 3]).replacing("AQID", with: "AQID===="), "padding after a full group"),
            (DocumentArmor.armor([1, 2, 3]).replacing("AQID", with: "AQ-_"), "the URL-safe alphabet"),
            (DocumentArmor.armor([1, 2, 3]).replacing("AQID", with: "AQ I"), "a space in the body"),
        ]
    }

    @Test("anything but the exact form is invalid armor")
    func invalidArmor() {
        for (text, what) in Self.invalidForms {
            expectProtocolError(.invalidArmor, what) { try DocumentArmor.dearmor(Array(text.utf8)) }
        }
    }

    @Test("non-canonical base64 (non-zero pad bits) is invalid armor")
    func nonCanonicalBase64() {
        // One byte encodes as two characters and "=="; the second character's low four bits are padding.
        let armored = DocumentArmor.armor([0xFF])
        #expect(armored.contains("/w=="))
        expectProtocolError(.invalidArmor) { try DocumentArmor.dearmor(Array(armored.replacing("/w==", with: "/x==").utf8)) }
    }

    @Test("bytes that are not UTF-8 are invalid armor")
    func notUTF8() {
        var bytes = Array(Self.armored.utf8)
        bytes[50] = 0xFF
        expectProtocolError(.invalidArmor) { try DocumentArmor.dearmor(bytes) }
    }

    @Test("armored text over the limit is too large")
    func tooLarge() {
        let limit = SignedEnvelope.maximumEncodedSize * 4 / 3 + 4096
        var big = Array("-----BEGIN VOUCH SIGNED DOCUMENT-----\n".utf8)
        big += [UInt8](repeating: UInt8(ascii: "A"), count: limit + 1 - big.count)
        expectProtocolError(.tooLarge) { try DocumentArmor.dearmor(big) }
        // The largest envelope still fits in armor.
        let largest = SignedEnvelopeTests.envelope(ofSize: SignedEnvelope.maximumEncodedSize)
        #expect(throws: Never.self) { try DocumentArmor.dearmor(Array(DocumentArmor.armor(largest).utf8)) }
    }

    @Test("envelopeBytes reads either form")
    func eitherForm() throws {
        #expect(try DocumentArmor.envelopeBytes(from: Array(Self.armored.utf8)) == Self.envelope)
        #expect(try DocumentArmor.envelopeBytes(from: Self.envelope) == Self.envelope)
        #expect(DocumentArmor.looksArmored(Array(Self.armored.utf8)))
        #expect(!DocumentArmor.looksArmored(Self.envelope))
    }
}
