import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Canonical CBOR")
struct CanonicalCBORTests {
    /// Values and their one canonical encoding (RFC 8949 Appendix A where it has them).
    static let roundTrips: [(CBORValue, String)] = [
        (.unsigned(0), "00"),
        (.unsigned(1), "01"),
        (.unsigned(23), "17"),
        (.unsigned(24), "1818"),
        (.unsigned(255), "18ff"),
        (.unsigned(256), "190100"),
        (.unsigned(65_535), "19ffff"),
        (.unsigned(65_536), "1a00010000"),
        (.unsigned(0xFFFF_FFFF), "1affffffff"),
        (.unsigned(0x1_0000_0000), "1b0000000100000000"),
        (.unsigned(UInt64.max), "1bffffffffffffffff"),
        (.bytes([]), "40"),
        (.bytes([1, 2, 3, 4]), "4401020304"),
        (.bytes([UInt8](repeating: 0xAB, count: 24)), "5818" + String(repeating: "ab", count: 24)),
        (.text(""), "60"),
        (.text("a"), "6161"),
        (.text("IETF"), "6449455446"),
        (.text("\"\\"), "62225c"),
        (.text("\u{00FC}"), "62c3bc"),
        (.text("\u{6C34}"), "63e6b0b4"),
        (.text("\u{10151}"), "64f0908591"),
        (.text("\u{0}"), "6100"),
        (.array([]), "80"),
        (.array([.unsigned(1), .unsigned(2), .unsigned(3)]), "83010203"),
        (.array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])]), "8301820203820405"),
        (.array((1...25).map { .unsigned($0) }), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
        (.map([:]), "a0"),
        (.map(["a": .unsigned(1), "b": .array([.unsigned(2), .unsigned(3)])]), "a26161016162820203"),
        // Keys sort by their encoded bytes, so a shorter key comes first whatever its letters.
        (.map(["b": .unsigned(1), "aa": .unsigned(2)]), "a261620162616102"),
        (.map(["z": .unsigned(0), "A": .unsigned(0), "a": .unsigned(0)]), "a3614100616100617a00"),
        (.bool(false), "f4"),
        (.bool(true), "f5"),
        (.array([.bool(true), .bytes([0]), .text("x"), .map(["k": .array([])])]), "84f541006178a1616b80"),
    ]

    @Test("each kind round-trips through its canonical encoding", arguments: roundTrips)
    func roundTrip(value: CBORValue, expectedHex: String) throws {
        #expect(Hex.encode(value.encoded) == expectedHex)
        #expect(try CBORValue(canonical: hex(expectedHex)) == value)
    }

    @Test("a nested document decodes and re-encodes to the same bytes")
    func documentRoundTrip() throws {
        let bytes = Self.sampleDocument.encoded
        let decoded = try CBORValue(canonical: bytes)
        #expect(decoded == Self.sampleDocument)
        #expect(decoded.encoded == bytes)
    }

    /// Encodings the decoder must refuse, and the code it must give.
    static let refusals: [(String, ProtocolError.Code, String)] = [
        // Not the shortest head.
        ("1805", .nonCanonical, "5 with a one-byte argument"),
        ("1817", .nonCanonical, "23 with a one-byte argument"),
        ("190017", .nonCanonical, "23 with a two-byte argument"),
        ("1900ff", .nonCanonical, "255 with a two-byte argument"),
        ("1a0000ffff", .nonCanonical, "65535 with a four-byte argument"),
        ("1b00000000ffffffff", .nonCanonical, "2^32-1 with an eight-byte argument"),
        ("580161", .nonCanonical, "byte string length 1 with a one-byte argument"),
        ("78016161", .nonCanonical, "text length 1 with a one-byte argument"),
        ("9800", .nonCanonical, "empty array with a one-byte count"),
        ("b800", .nonCanonical, "empty map with a one-byte count"),
        // Indefinite lengths.
        ("5fff", .nonCanonical, "indefinite byte string"),
        ("7fff", .nonCanonical, "indefinite text string"),
        ("9fff", .nonCanonical, "indefinite array"),
        ("bfff", .nonCanonical, "indefinite map"),
        ("5f4101ff", .nonCanonical, "indefinite byte string with a chunk"),
        // Types outside the subset.
        ("20", .malformed, "negative integer -1"),
        ("3818", .malformed, "negative integer -25"),
        ("c074323031332d30332d32315432303a30343a30305a", .malformed, "tag 0 (date/time string)"),
        ("d82076687474703a2f2f7777772e6578616d706c652e636f6d", .malformed, "tag 32 (URI)"),
        ("c249010000000000000000", .malformed, "tag 2 (bignum)"),
        ("f93c00", .malformed, "half-precision float 1.0"),
        ("fa47c35000", .malformed, "single-precision float 100000.0"),
        ("fb3ff199999999999a", .malformed, "double-precision float 1.1"),
        ("f6", .malformed, "null"),
        ("f7", .malformed, "undefined"),
        ("f0", .malformed, "simple value 16"),
        ("f818", .malformed, "simple value 24 in the one-byte form"),
        ("f8ff", .malformed, "simple value 255"),
        ("ff", .malformed, "a lone break"),
        ("1c", .malformed, "reserved additional information 28"),
        ("5d", .malformed, "reserved additional information 29"),
        ("be", .malformed, "reserved additional information 30"),
        // Maps.
        ("a2616201616102", .nonCanonical, "keys out of order"),
        ("a262616101616202", .nonCanonical, "longer key before shorter key"),
        ("a2616101616102", .nonCanonical, "duplicate key"),
        ("a3616101616201616102", .nonCanonical, "duplicate key after another key"),
        ("a10102", .malformed, "integer key"),
        ("a1416102", .malformed, "byte string key"),
        ("a18002", .malformed, "array key"),
        ("a1f502", .malformed, "boolean key"),
        // Two keys with different bytes that Unicode treats as the same string: "K" and U+212A KELVIN SIGN.
        ("a2614b0163e284aa02", .nonCanonical, "keys that are canonically equivalent Unicode"),
        ("a262c3a9016365cc8102", .nonCanonical, "keys U+00E9 and e followed by U+0301"),
        // Text.
        ("61ff", .invalidText, "byte 0xff"),
        ("6180", .invalidText, "a lone continuation byte"),
        ("61c3", .invalidText, "a two-byte sequence cut short"),
        ("62c080", .invalidText, "an overlong encoding of NUL"),
        ("63e08080", .invalidText, "an overlong three-byte encoding"),
        ("63eda080", .invalidText, "a UTF-16 surrogate (U+D800)"),
        ("64f4908080", .invalidText, "a code point above U+10FFFF"),
        ("64f8888080", .invalidText, "a five-byte lead byte"),
        ("a161ff00", .invalidText, "invalid UTF-8 in a map key"),
        // Trailing bytes.
        ("0000", .trailingBytes, "two items"),
        ("8000", .trailingBytes, "an array then a byte"),
        ("a0ff", .trailingBytes, "a map then a break"),
        // Truncated and impossible lengths.
        ("", .truncated, "empty input"),
        ("18", .truncated, "a head cut after its first byte"),
        ("1901", .truncated, "a two-byte argument cut short"),
        ("1b00000001000000", .truncated, "an eight-byte argument cut short"),
        ("430102", .truncated, "a byte string cut short"),
        ("8201", .truncated, "an array cut short"),
        ("a16161", .truncated, "a map cut before its value"),
        ("5bffffffffffffffff", .truncated, "a byte string of 2^64-1 bytes"),
        ("7bffffffffffffffff", .truncated, "a text string of 2^64-1 bytes"),
        ("9bffffffffffffffff", .truncated, "an array of 2^64-1 items"),
        ("bbffffffffffffffff", .truncated, "a map of 2^64-1 pairs"),
        ("5a7fffffff00", .truncated, "a byte string of 2^31-1 bytes"),
        ("9a7fffffff00", .truncated, "an array of 2^31-1 items"),
        ("bb7fffffffffffffff", .truncated, "a map of 2^63-1 pairs"),
        ("9b0000000100000000", .truncated, "an array of 2^32 items"),
        ("5b8000000000000000", .truncated, "a byte string of 2^63 bytes"),
        ("8a010203040506070809", .truncated, "ten items announced, nine present"),
    ]

    @Test("the decoder refuses every encoding outside the subset, with the expected code", arguments: refusals)
    func refuses(hexInput: String, code: ProtocolError.Code, what: String) {
        expectProtocolError(code, what) { try CBORValue(canonical: hex(hexInput)) }
    }

    @Test("refusal messages name the byte offset")
    func messagesNameOffsets() {
        let error = expectProtocolError(.nonCanonical) { try CBORValue(canonical: hex("8201 1805")) }
        #expect(error?.message.contains("byte 2") == true, "\(error?.message ?? "")")
    }

    /// A realistic document: a profile payload with every kind of value the subset has.
    static let sampleDocument: CBORValue = .map([
        "audience": .text("everyone"),
        "endpoints": .array([.text("[2001:db8::1]:7400"), .text("vouch.example.org:7400")]),
        "fields": .map(["name": .text("Ada Lovelace"), "summary": .text("Analyst.\nEngine notes, 1843.")]),
        "links": .array([.text("https://example.org/ada")]),
        "flags": .array([.bool(true), .bool(false), .bytes(Array(0..<40))]),
        "updated": .unsigned(1_700_000_000),
        "version": .unsigned(3),
    ])

    @Test("every proper prefix of a document is refused as truncated")
    func truncatedAtEveryCut() {
        let bytes = Self.sampleDocument.encoded
        for cut in 0..<bytes.count {
            let code = protocolErrorCode { _ = try CBORValue(canonical: Array(bytes[..<cut])) }
            #expect(code == .truncated, "cut at \(cut) of \(bytes.count): \(code.map { "\($0)" } ?? "accepted")")
        }
    }

    @Test("any bytes after a complete document are refused")
    func trailingBytesAfterDocument() {
        let bytes = Self.sampleDocument.encoded
        for extra: [UInt8] in [[0x00], [0xFF], [0xA0], bytes] {
            expectProtocolError(.trailingBytes) { try CBORValue(canonical: bytes + extra) }
        }
    }

    /// `depth` arrays, one inside the other, around the integer 0.
    static func nestedArrays(_ depth: Int) -> [UInt8] {
        [UInt8](repeating: 0x81, count: depth) + [0x00]
    }

    @Test("nesting is limited: the top item is depth 0 and no item may be deeper than 16")
    func nestingLimit() throws {
        // 16 arrays: the integer inside is at depth 16, the deepest allowed.
        #expect(try CBORValue(canonical: Self.nestedArrays(16)).encoded == Self.nestedArrays(16))
        // An empty array at depth 16 has no items, so 17 arrays with an empty one inside pass.
        let seventeenEmpty = [UInt8](repeating: 0x81, count: 16) + [0x80]
        #expect(try CBORValue(canonical: seventeenEmpty).encoded == seventeenEmpty)
        // 17 arrays: the integer is at depth 17.
        expectProtocolError(.malformed) { try CBORValue(canonical: Self.nestedArrays(17)) }
        // Maps count the same way; a map's keys and values are one level down.
        let mapDepth16 = [UInt8](repeating: 0x81, count: 15) + hex("a1616100")
        #expect(try CBORValue(canonical: mapDepth16).encoded == mapDepth16)
        let mapDepth17 = [UInt8](repeating: 0x81, count: 16) + hex("a1616100")
        expectProtocolError(.malformed) { try CBORValue(canonical: mapDepth17) }
        // Deep nesting far past the limit fails fast with the same code (no stack exhaustion).
        expectProtocolError(.malformed) { try CBORValue(canonical: Self.nestedArrays(100_000)) }
        // The limit is a parameter.
        #expect(try CBORValue(canonical: Self.nestedArrays(2), maximumDepth: 2) == .array([.array([.unsigned(0)])]))
        expectProtocolError(.malformed) { try CBORValue(canonical: Self.nestedArrays(3), maximumDepth: 2) }
    }

    @Test("huge declared lengths are refused before anything is allocated for them")
    func hugeLengths() {
        // Each announces far more than the input holds; reserving that much would crash the process.
        for head in ["5b", "7b", "9b", "bb"] {
            for argument in ["ffffffffffffffff", "7fffffffffffffff", "0000000100000000"] {
                expectProtocolError(.truncated, head + argument) { try CBORValue(canonical: hex(head + argument) + [0, 0, 0, 0]) }
            }
        }
        // An array whose count fits the remaining bytes only if each item were under a byte.
        expectProtocolError(.truncated) { try CBORValue(canonical: hex("9905dc") + [UInt8](repeating: 0, count: 1499)) }
        // A map needs at least two bytes per pair: 32 pairs cannot fit in 40 bytes.
        expectProtocolError(.truncated) { try CBORValue(canonical: hex("b820") + [UInt8](repeating: 0, count: 40)) }
    }

    @Test("no single-byte change to a document decodes to a different value without an error or a different encoding")
    func everyByteChangeIsCaughtOrCanonical() {
        // A changed byte either fails to decode or decodes to a value whose encoding is exactly the
        // changed bytes: the decoder never accepts a second spelling of any value.
        let bytes = Self.sampleDocument.encoded
        for position in bytes.indices {
            for mask: UInt8 in [0x01, 0x02, 0x10, 0x20, 0x80] {
                var changed = bytes
                changed[position] ^= mask
                guard let value = try? CBORValue(canonical: changed) else { continue }
                #expect(value.encoded == changed, "byte \(position) ^ \(mask) decodes to a value with another encoding")
            }
        }
    }
}
