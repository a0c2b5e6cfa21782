public import VouchCrypto

/// A node's identity: its Ed25519 public key, written for people.
///
/// Human form (Protocol/identity.md): the 32 key bytes in base32 (52 characters, the last
/// carrying one key bit and four zero bits), cut into four parts of 13 characters, each followed
/// by its Luhn mod 32 check character, and shown as eight groups of seven joined by `-`:
/// `MFZWI3D-BONSGYC-…`. The parser accepts lower case, spaces or no separators at all, and the
/// look-alikes 0→O, 1→I, 8→B; the check characters then catch a mistyped character and say
/// in which part it is. The short form, the first group, is for display only, never for lookup.
public struct NodeID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let publicKey: Ed25519PublicKey

    static let groupLength = 7
    static let partLength = 13
    static let characterCount = 56

    public init(publicKey: Ed25519PublicKey) {
        self.publicKey = publicKey
    }

    /// The key bytes, which are the ID.
    public var rawRepresentation: [UInt8] { publicKey.rawRepresentation }

    /// Eight groups of seven characters joined by `-`.
    public var description: String {
        let chars = Base32.encode(rawRepresentation)
        var withChecks: [UInt8] = []
        for part in 0..<4 {
            let slice = chars[part * Self.partLength..<(part + 1) * Self.partLength]
            withChecks += slice
            withChecks.append(LuhnBase32.checkCharacter(for: slice))
        }
        var groups: [String] = []
        for g in 0..<8 {
            groups.append(String(decoding: withChecks[g * Self.groupLength..<(g + 1) * Self.groupLength], as: UTF8.self))
        }
        return groups.joined(separator: "-")
    }

    /// The first group: enough to tell one's own few contacts apart on a screen.
    public var shortForm: String { String(description.prefix(Self.groupLength)) }

    public static func < (a: NodeID, b: NodeID) -> Bool {
        a.rawRepresentation.lexicographicallyPrecedes(b.rawRepresentation)
    }

    /// Parses the human form, forgiving case, separators and look-alike characters.
    public init(parsing text: String) throws {
        var chars: [UInt8] = []
        var position = 0
        for scalar in text.unicodeScalars {
            position += 1
            if scalar == "-" || scalar == " " || scalar == "\t" { continue }
            guard scalar.isASCII else {
                throw ProtocolError(.invalidNodeID, "node ID character \(position) ('\(scalar)') is not a letter A–Z or a digit 2–7")
            }
            var c = UInt8(scalar.value)
            if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") { c -= 32 }
            switch c {
            case UInt8(ascii: "0"): c = UInt8(ascii: "O")
            case UInt8(ascii: "1"): c = UInt8(ascii: "I")
            case UInt8(ascii: "8"): c = UInt8(ascii: "B")
            default: break
            }
            guard Base32.value(of: c) != nil else {
                throw ProtocolError(.invalidNodeID, "node ID character \(position) ('\(scalar)') is not a letter A–Z or a digit 2–7")
            }
            chars.append(c)
        }
        if chars.isEmpty { throw ProtocolError(.invalidNodeID, "the node ID is empty") }
        guard chars.count == Self.characterCount else {
            let hint = chars.count < Self.characterCount ? "characters are missing" : "there are extra characters"
            throw ProtocolError(.invalidNodeID,
                                "a node ID has \(Self.characterCount) letters and digits (8 groups of 7), this has \(chars.count): \(hint)")
        }
        var data: [UInt8] = []
        for part in 0..<4 {
            let start = part * (Self.partLength + 1)
            let slice = chars[start..<start + Self.partLength]
            guard LuhnBase32.checkCharacter(for: slice) == chars[start + Self.partLength] else {
                let firstGroup = start / Self.groupLength + 1
                throw ProtocolError(.invalidNodeID,
                                    "the node ID does not check out in groups \(firstGroup)–\(firstGroup + 1): a character there is mistyped")
            }
            data += slice
        }
        guard let raw = Base32.decode(data), raw.count == Ed25519.publicKeyByteCount else {
            throw ProtocolError(.invalidNodeID, "the node ID's last part is not a valid key encoding")
        }
        do {
            self.publicKey = try Ed25519PublicKey(rawRepresentation: raw)
        } catch let error as CryptoError {
            throw ProtocolError(.weakKey, "the node ID is not a usable identity: \(error.message)")
        }
    }
}
