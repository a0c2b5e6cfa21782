/// RFC 4648 base64 with a strict decoder: canonical padding and zero pad bits required, so each
/// byte string has exactly one text form. Signed documents travel as base64 text and must not
/// have a second spelling that decodes to the same bytes.
public enum Base64 {
    public enum Alphabet: Sendable {
        /// `+` and `/`, with `=` padding (RFC 4648 §4).
        case standard
        /// `-` and `_`, without padding (RFC 4648 §5).
        case url
    }

    private static let standardChars = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlChars = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: some Collection<UInt8>, alphabet: Alphabet = .standard) -> String {
        let chars = alphabet == .standard ? standardChars : urlChars
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= input.count {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out += [chars[Int(n >> 18 & 63)], chars[Int(n >> 12 & 63)], chars[Int(n >> 6 & 63)], chars[Int(n & 63)]]
            i += 3
        }
        let rest = input.count - i
        if rest == 1 {
            let n = UInt32(input[i]) << 16
            out += [chars[Int(n >> 18 & 63)], chars[Int(n >> 12 & 63)]]
            if alphabet == .standard { out += Array("==".utf8) }
        } else if rest == 2 {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out += [chars[Int(n >> 18 & 63)], chars[Int(n >> 12 & 63)], chars[Int(n >> 6 & 63)]]
            if alphabet == .standard { out += Array("=".utf8) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil for anything but the one canonical encoding of some byte string.
    public static func decode(_ text: some StringProtocol, alphabet: Alphabet = .standard) -> [UInt8]? {
        let chars = alphabet == .standard ? standardChars : urlChars
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in chars.enumerated() { table[Int(c)] = Int8(i) }
        var input = Array(text.utf8)
        if alphabet == .standard {
            guard input.count % 4 == 0 else { return nil }
            var pad = 0
            while pad < 2, input.last == UInt8(ascii: "=") { input.removeLast(); pad += 1 }
        } else if input.count % 4 == 1 {
            return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 3 / 4)
        var acc: UInt32 = 0, bits = 0
        for c in input {
            let v = table[Int(c)]
            guard v >= 0 else { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(acc >> UInt32(bits) & 0xFF))
            }
        }
        // Leftover bits must be zero, or two texts would decode to the same bytes.
        guard acc & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}
