/// RFC 4648 base32 (alphabet A–Z, 2–7), unpadded, as node IDs use it.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func value(of char: UInt8) -> Int? {
        switch char {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(char - UInt8(ascii: "A"))
        case UInt8(ascii: "2")...UInt8(ascii: "7"): Int(char - UInt8(ascii: "2")) + 26
        default: nil
        }
    }

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits = 0
        for b in bytes {
            acc = acc << 8 | UInt32(b)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int(acc >> UInt32(bits) & 31)])
            }
        }
        if bits > 0 { out.append(alphabet[Int(acc << UInt32(5 - bits) & 31)]) }
        return out
    }

    /// Decodes characters already checked to be in the alphabet. Nil if the final pad bits are not zero.
    static func decode(_ chars: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits = 0
        for c in chars {
            guard let v = value(of: c) else { return nil }
            acc = acc << 5 | UInt32(v)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(acc >> UInt32(bits) & 0xFF))
            }
        }
        guard acc & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}

/// The Luhn mod N algorithm over the base32 alphabet (N = 32): one check character that catches
/// every single-character error and most transpositions of adjacent characters.
enum LuhnBase32 {
    static func checkCharacter(for chars: some Collection<UInt8>) -> UInt8 {
        var factor = 2
        var sum = 0
        for c in chars.reversed() {
            var addend = factor * Base32.value(of: c)!
            factor = factor == 2 ? 1 : 2
            addend = addend / 32 + addend % 32
            sum += addend
        }
        return Base32.alphabet[(32 - sum % 32) % 32]
    }
}
