import Testing
import VouchCrypto

@Suite("Hex")
struct HexTests {
    @Test("encodes lowercase, two digits a byte")
    func encode() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x01, 0x7f, 0x80, 0xab, 0xff]) == "00017f80abff")
    }

    @Test("every byte value round-trips, and random strings of every length up to 64")
    func roundTrip() {
        let all = (0...255).map(UInt8.init)
        #expect(Hex.decode(Hex.encode(all)) == all)
        for length in 0...64 {
            let bytes = SecureRandom.bytes(length)
            #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        }
    }

    @Test("decodes either case")
    func upperCase() {
        #expect(Hex.decode("ABcdEF") == [0xab, 0xcd, 0xef])
    }

    @Test("refuses odd lengths and anything but hex digits",
          arguments: ["0", "abc", "0g", "zz", " 00", "00 ", "0x00", "+1", "é0", "\u{0}0"])
    func rejects(_ text: String) {
        #expect(Hex.decode(text) == nil)
    }
}

@Suite("Base64: encoding and the strict decoder")
struct Base64Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let plain: String
        let standard: String
        let url: String
        var testDescription: String { "\"\(plain)\"" }
    }

    /// RFC 4648 §10 (the url form is the same text without padding).
    static let rfc4648: [Vector] = [
        Vector(plain: "", standard: "", url: ""),
        Vector(plain: "f", standard: "Zg==", url: "Zg"),
        Vector(plain: "fo", standard: "Zm8=", url: "Zm8"),
        Vector(plain: "foo", standard: "Zm9v", url: "Zm9v"),
        Vector(plain: "foob", standard: "Zm9vYg==", url: "Zm9vYg"),
        Vector(plain: "fooba", standard: "Zm9vYmE=", url: "Zm9vYmE"),
        Vector(plain: "foobar", standard: "Zm9vYmFy", url: "Zm9vYmFy"),
    ]

    @Test("RFC 4648 §10 vectors, both alphabets, both ways", arguments: rfc4648)
    func vectors(_ vector: Vector) {
        let bytes = Array(vector.plain.utf8)
        #expect(Base64.encode(bytes) == vector.standard)
        #expect(Base64.encode(bytes, alphabet: .url) == vector.url)
        #expect(Base64.decode(vector.standard) == bytes)
        #expect(Base64.decode(vector.url, alphabet: .url) == bytes)
    }

    @Test("the two alphabets differ exactly in characters 62 and 63")
    func alphabets() {
        let bytes: [UInt8] = [0xfb, 0xff, 0xbf]  // 111110 111111 111110 111111
        #expect(Base64.encode(bytes) == "+/+/")
        #expect(Base64.encode(bytes, alphabet: .url) == "-_-_")
        #expect(Base64.decode("+/+/") == bytes)
        #expect(Base64.decode("-_-_", alphabet: .url) == bytes)
    }

    @Test("random strings of every length up to 100 round-trip in both alphabets")
    func roundTrip() {
        for length in 0...100 {
            let bytes = SecureRandom.bytes(length)
            #expect(Base64.decode(Base64.encode(bytes)) == bytes, "length \(length)")
            #expect(Base64.decode(Base64.encode(bytes, alphabet: .url), alphabet: .url) == bytes, "length \(length)")
        }
        let all = (0...255).map(UInt8.init)
        #expect(Base64.decode(Base64.encode(all)) == all)
    }

    /// Every 1- and 2-byte string has exactly one text: any other last character is refused.
    @Test("exactly one text decodes to each 1- and 2-byte string (pad bits must be zero)")
    func padBitsExhaustive() {
        let chars = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var accepted = 0
        for a in chars { for b in chars {
            if Base64.decode("\(a)\(b)==") != nil { accepted += 1 }
        } }
        #expect(accepted == 256)  // of 4096 two-character texts, one per byte value
        accepted = 0
        for a in chars.prefix(8) { for b in chars { for c in chars {
            if Base64.decode("\(a)\(b)\(c)=") != nil { accepted += 1 }
        } } }
        #expect(accepted == 8 * 64 * 16)  // the last character's two low bits must be zero
    }

    @Test("standard alphabet refuses non-canonical pad bits, wrong padding and bad characters", arguments: [
        "Zh==", "Zm9=", "Zm==",            // non-zero pad bits ("Zg==", "Zm8=" are canonical)
        "Zg", "Zg=", "Zg===", "Zm8",       // missing or extra padding
        "Z===", "====", "=", "Zm9v=",      // padding where no data can be
        "Zg==Zg==", "Zm8=Zm9v", "Z=g=",    // padding in the middle
        "Zm9", "Zm9vY",                    // length not a multiple of 4
        "Zm9v\n", " Zm9v", "Zm 9v", "Zm9v\r\n", // whitespace
        "Zm-_", "Zm9-", "Zm9_",            // url-alphabet characters
        "Zm9*", "Zm9.", "Zé==", "Zm9\u{0}", // not base64 at all
    ])
    func standardRejects(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("url alphabet refuses non-canonical pad bits, padding and bad characters", arguments: [
        "Zh", "Zm9", "Zm",                 // non-zero pad bits ("Zg", "Zm8" are canonical)
        "Zg==", "Zm8=", "Zg=",             // padding is not part of this form
        "Z", "Zm9vY",                      // one character left over can hold no byte
        "Zm+/", "Zm9+", "Zm9/",            // standard-alphabet characters
        "Zm9v\n", " Zm9v", "Zm9*", "Zé",
    ])
    func urlRejects(_ text: String) {
        #expect(Base64.decode(text, alphabet: .url) == nil)
    }
}

@Suite("ConstantTime.equals")
struct ConstantTimeTests {
    @Test func equal() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        let random = SecureRandom.bytes(64)
        #expect(ConstantTime.equals(random, random[...]))
    }

    @Test("different bytes at the first, a middle and the last position")
    func different() {
        let base = [UInt8](repeating: 0x5a, count: 32)
        for position in [0, 15, 31] {
            var other = base
            other[position] ^= 0x01
            #expect(!ConstantTime.equals(base, other), "position \(position)")
        }
    }

    @Test("different lengths are unequal, including a prefix")
    func differentLengths() {
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([1, 2], [1, 2, 3]))
        #expect(!ConstantTime.equals([], [0]))
        #expect(!ConstantTime.equals([0], []))
    }

    @Test("two empty strings are equal")
    func empty() {
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
    }
}

@Suite("SecureRandom")
struct SecureRandomTests {
    @Test("gives the count asked for, and two draws differ")
    func bytes() {
        #expect(SecureRandom.bytes(0) == [])
        #expect(SecureRandom.bytes(1).count == 1)
        #expect(SecureRandom.bytes(1000).count == 1000)
        // 2^-256 chance of a false failure.
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
    }
}
