/// The fuzzer's bytes read as a stream of choices, so libFuzzer's mutations of the bytes become
/// mutations of a generated value (a structure-aware target). Reading past the end yields zeros,
/// so every input, even empty, describes exactly one value. Generators put the usual, valid
/// choice at zero (`chance` is false for a zero byte, `pick` takes the first option), so that
/// short and empty inputs describe valid documents and each mutation departs from one.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isExhausted: Bool { offset >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A number in `0..<count` (count ≥ 1), from one byte (two when count exceeds 256).
    public mutating func index(below count: Int) -> Int {
        precondition(count >= 1)
        let raw = count <= 256 ? Int(byte()) : Int(byte()) << 8 | Int(byte())
        return raw % count
    }

    public mutating func pick<T>(_ options: [T]) -> T { options[index(below: options.count)] }

    /// True with probability about `percent` / 100, never for a zero byte.
    public mutating func chance(_ percent: Int) -> Bool { Int(byte()) * 100 >= (100 - percent) * 256 }

    public mutating func uint64Raw() -> UInt64 {
        var n: UInt64 = 0
        for _ in 0..<8 { n = n << 8 | UInt64(byte()) }
        return n
    }

    /// Mostly an edge value, nudged by up to ±2; sometimes any 64-bit number.
    public mutating func uint64() -> UInt64 {
        if chance(15) { return uint64Raw() }
        let edge = pick(EdgeValues.unsigned)
        let nudge = UInt64(index(below: 3))
        switch index(below: 3) {
        case 0: return edge
        case 1: return edge &+ nudge
        default: return edge &- nudge
        }
    }

    /// Up to `maximum` raw bytes.
    public mutating func rawBytes(maximum: Int) -> [UInt8] {
        let count = min(index(below: maximum + 1), max(0, bytes.count - offset))
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A text drawn from every Unicode general category, with the empty text and texts of exactly
    /// `limit` and `limit + 1` UTF-8 bytes among the likely outcomes.
    public mutating func text(limit: Int) -> String {
        switch index(below: 8) {
        case 4: return ""
        case 5, 6:
            // Exactly at, one under or one over the limit: one scalar repeated, padded with ASCII.
            let target = max(0, limit + index(below: 3) - 1)
            let scalar = pick(EdgeValues.scalars)
            var text = ""
            var length = 0
            while length + scalar.utf8.count <= target { text.unicodeScalars.append(scalar); length += scalar.utf8.count }
            return text + String(repeating: "a", count: target - length)
        case 7:
            return pick(EdgeValues.texts)
        default:
            var text = ""
            for _ in 0..<(1 + index(below: 12)) {
                text.unicodeScalars.append(chance(50) ? pick(EdgeValues.scalars) : Unicode.Scalar(UInt8(0x20 + index(below: 95))))
            }
            return text
        }
    }
}
