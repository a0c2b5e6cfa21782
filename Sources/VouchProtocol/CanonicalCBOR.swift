/// A value of the CBOR subset every signed Vouch document and wire message is written in.
///
/// The subset (Protocol/encoding.md): unsigned integers, byte strings, UTF-8 text strings,
/// arrays, maps with text keys, and the simple values false and true. Everything is encoded
/// the one deterministic way of RFC 8949 §4.2.1: shortest-form heads, definite lengths, map keys
/// sorted by their encoded bytes, no duplicate keys. The decoder accepts only that encoding, so
/// a document has exactly one byte form and a signature over it has exactly one meaning.
public indirect enum CBORValue: Sendable, Hashable {
    case unsigned(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBORValue])
    case map([String: CBORValue])
    case bool(Bool)
}

extension CBORValue {
    /// The canonical encoding.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    func encode(into out: inout [UInt8]) {
        switch self {
        case .unsigned(let n): CBORHead.write(major: 0, argument: n, into: &out)
        case .bytes(let b):
            CBORHead.write(major: 2, argument: UInt64(b.count), into: &out)
            out += b
        case .text(let s):
            let utf8 = Array(s.utf8)
            CBORHead.write(major: 3, argument: UInt64(utf8.count), into: &out)
            out += utf8
        case .array(let items):
            CBORHead.write(major: 4, argument: UInt64(items.count), into: &out)
            for item in items { item.encode(into: &out) }
        case .map(let entries):
            CBORHead.write(major: 5, argument: UInt64(entries.count), into: &out)
            let keys = entries.map { (key: $0.key, encoded: CBORValue.text($0.key).encoded) }
                .sorted { $0.encoded.lexicographicallyPrecedes($1.encoded) }
            for key in keys {
                out += key.encoded
                entries[key.key]!.encode(into: &out)
            }
        case .bool(let b): out.append(b ? 0xF5 : 0xF4)
        }
    }

    /// Decodes exactly one canonical item filling all of `bytes`.
    public init(canonical bytes: [UInt8], maximumDepth: Int = 16) throws {
        var reader = CBORReader(bytes: bytes, maximumDepth: maximumDepth)
        self = try reader.readValue(depth: 0)
        guard reader.offset == bytes.count else {
            throw ProtocolError(.trailingBytes, "\(bytes.count - reader.offset) bytes follow the end of the document")
        }
    }
}

/// The initial byte and argument of a CBOR item (RFC 8949 §3), always in shortest form.
enum CBORHead {
    static func write(major: UInt8, argument n: UInt64, into out: inout [UInt8]) {
        let m = major << 5
        switch n {
        case 0..<24: out.append(m | UInt8(n))
        case 24...0xFF: out += [m | 24, UInt8(n)]
        case 0x100...0xFFFF: out += [m | 25, UInt8(n >> 8), UInt8(n & 0xFF)]
        case 0x1_0000...0xFFFF_FFFF:
            out.append(m | 26)
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(n >> UInt64(shift) & 0xFF)) }
        default:
            out.append(m | 27)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(n >> UInt64(shift) & 0xFF)) }
        }
    }
}

/// A strict reader of canonical CBOR: every deviation is an error naming the byte offset.
struct CBORReader {
    let bytes: [UInt8]
    let maximumDepth: Int
    var offset = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func readValue(depth: Int) throws -> CBORValue {
        guard depth <= maximumDepth else {
            throw ProtocolError(.malformed, "nesting deeper than \(maximumDepth) at byte \(offset)")
        }
        let start = offset
        let (major, argument) = try readHead()
        switch major {
        case 0: return .unsigned(argument)
        case 2: return .bytes(try take(argument))
        case 3:
            let raw = try take(argument)
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw ProtocolError(.invalidText, "text at byte \(start) is not valid UTF-8")
            }
            return .text(text)
        case 4:
            try checkCount(argument, minimumItemSize: 1)
            var items: [CBORValue] = []
            items.reserveCapacity(Int(argument))
            for _ in 0..<argument { items.append(try readValue(depth: depth + 1)) }
            return .array(items)
        case 5:
            try checkCount(argument, minimumItemSize: 2)
            var entries: [String: CBORValue] = [:]
            var previousKey: [UInt8]?
            for _ in 0..<argument {
                let keyStart = offset
                guard case .text(let key) = try readValue(depth: depth + 1) else {
                    throw ProtocolError(.malformed, "map key at byte \(keyStart) is not a text string")
                }
                let keyBytes = Array(bytes[keyStart..<offset])
                if let previousKey {
                    if previousKey == keyBytes {
                        throw ProtocolError(.nonCanonical, "duplicate map key \"\(key)\" at byte \(keyStart)")
                    }
                    guard previousKey.lexicographicallyPrecedes(keyBytes) else {
                        throw ProtocolError(.nonCanonical, "map key \"\(key)\" at byte \(keyStart) is out of canonical order")
                    }
                }
                previousKey = keyBytes
                // Swift compares strings by Unicode canonical equivalence: "K" and U+212A KELVIN
                // SIGN are different bytes but one dictionary key. Refuse rather than drop one.
                guard entries[key] == nil else {
                    throw ProtocolError(.nonCanonical, "map key at byte \(keyStart) is canonically equivalent to an earlier key")
                }
                entries[key] = try readValue(depth: depth + 1)
            }
            return .map(entries)
        case 7:
            switch argument {
            case 20: return .bool(false)
            case 21: return .bool(true)
            default: throw ProtocolError(.malformed, "simple value or float at byte \(start) is not allowed")
            }
        default:
            throw ProtocolError(.malformed, "CBOR major type \(major) at byte \(start) is not allowed (negative integers and tags are not used)")
        }
    }

    mutating func readHead() throws -> (major: UInt8, argument: UInt64) {
        guard offset < bytes.count else { throw ProtocolError(.truncated, "input ends at byte \(offset) where an item was expected") }
        let start = offset
        let initial = bytes[offset]
        offset += 1
        let major = initial >> 5
        let info = initial & 0x1F
        if major == 7 {
            guard info == 20 || info == 21 else {
                throw ProtocolError(.malformed, "simple value or float at byte \(start) is not allowed")
            }
            return (7, UInt64(info))
        }
        let argument: UInt64
        switch info {
        case 0..<24: return (major, UInt64(info))
        case 24: argument = try readUInt(1)
        case 25: argument = try readUInt(2)
        case 26: argument = try readUInt(4)
        case 27: argument = try readUInt(8)
        case 31: throw ProtocolError(.nonCanonical, "indefinite length at byte \(start) is not allowed")
        default: throw ProtocolError(.malformed, "reserved additional information \(info) at byte \(start)")
        }
        let minimum: UInt64 = switch info { case 24: 24; case 25: 0x100; case 26: 0x1_0000; default: 0x1_0000_0000 }
        guard argument >= minimum else {
            throw ProtocolError(.nonCanonical, "length or integer at byte \(start) is not in its shortest form")
        }
        return (major, argument)
    }

    private mutating func readUInt(_ count: Int) throws -> UInt64 {
        guard bytes.count - offset >= count else { throw ProtocolError(.truncated, "input ends inside the item head at byte \(offset)") }
        var n: UInt64 = 0
        for _ in 0..<count {
            n = n << 8 | UInt64(bytes[offset])
            offset += 1
        }
        return n
    }

    private mutating func take(_ count: UInt64) throws -> [UInt8] {
        Array(bytes[try skip(count)])
    }

    /// Steps over the `count` content bytes of a string and returns where they lie.
    mutating func skip(_ count: UInt64) throws -> Range<Int> {
        guard count <= UInt64(bytes.count - offset) else {
            throw ProtocolError(.truncated, "a string of \(count) bytes at byte \(offset) runs past the end of the input")
        }
        let range = offset..<offset + Int(count)
        offset = range.upperBound
        return range
    }

    /// Refuses counts that cannot fit in the bytes left, before allocating anything for them.
    private func checkCount(_ count: UInt64, minimumItemSize: UInt64) throws {
        guard count <= UInt64(bytes.count - offset) / minimumItemSize else {
            throw ProtocolError(.truncated, "a container of \(count) items at byte \(offset) runs past the end of the input")
        }
    }
}
