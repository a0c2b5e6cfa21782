public import VouchCrypto

/// How a Syncthing relay knows a party: the SHA-256 of the DER certificate it presented to the
/// relay (Protocol/relay.md §1). Written in Syncthing's text form, whose check characters are
/// not the node ID's Luhn: Syncthing walks each part from its first character.
public struct RelayDeviceID: Sendable, Hashable, CustomStringConvertible {
    public static let byteCount = 32
    /// Length of the written form: 8 groups of 7 and 7 dashes.
    public static let textLength = 63
    static let partLength = 13

    public let bytes: [UInt8]

    public init(bytes: some Collection<UInt8>) throws {
        guard bytes.count == Self.byteCount else {
            throw ProtocolError(.invalidValue, "a device ID is \(Self.byteCount) bytes, not \(bytes.count)")
        }
        self.bytes = Array(bytes)
    }

    /// The device ID of a certificate: the SHA-256 of its DER bytes.
    public init(certificateDER der: some Collection<UInt8>) {
        bytes = SHA256.hash(der)
    }

    public var description: String {
        let data = Base32.encode(bytes)
        var chars: [UInt8] = []
        for part in 0..<4 {
            let slice = data[part * Self.partLength..<(part + 1) * Self.partLength]
            chars += slice
            chars.append(Self.checkCharacter(for: slice))
        }
        var out = ""
        for (index, c) in chars.enumerated() {
            if index > 0 && index % 7 == 0 { out.append("-") }
            out.append(Character(Unicode.Scalar(c)))
        }
        return out
    }

    /// Parses the exact written form only (as endpoints hold it): 63 characters, upper case,
    /// dashes in place, check characters right.
    public init(exactly text: String) throws {
        guard text.utf8.count == Self.textLength, text.utf8.enumerated().allSatisfy({ index, c in
            (index % 8 == 7) == (c == UInt8(ascii: "-"))
        }) else {
            throw ProtocolError(.invalidValue, "a device ID is written as 8 groups of 7 characters joined by dashes")
        }
        let parsed = try RelayDeviceID(parsing: text)
        guard parsed.description == text else {
            throw ProtocolError(.invalidValue, "device ID \"\(text)\" is not in its written form (upper case A–Z, 2–7)")
        }
        self = parsed
    }

    /// Parses as Syncthing does: case, dashes and look-alike digits (0, 1, 8) forgiven, with or
    /// without the four check characters.
    public init(parsing text: String) throws {
        var chars: [UInt8] = []
        for scalar in text.unicodeScalars where scalar != "-" && scalar != " " {
            guard scalar.isASCII else { throw ProtocolError(.invalidValue, "a device ID holds only A–Z and 2–7") }
            var c = UInt8(scalar.value)
            if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") { c -= 32 }
            switch c {
            case UInt8(ascii: "0"): c = UInt8(ascii: "O")
            case UInt8(ascii: "1"): c = UInt8(ascii: "I")
            case UInt8(ascii: "8"): c = UInt8(ascii: "B")
            default: break
            }
            guard Base32.value(of: c) != nil else { throw ProtocolError(.invalidValue, "a device ID holds only A–Z and 2–7") }
            chars.append(c)
        }
        var data: [UInt8]
        switch chars.count {
        case 56:
            data = []
            for part in 0..<4 {
                let start = part * (Self.partLength + 1)
                let slice = chars[start..<start + Self.partLength]
                guard Self.checkCharacter(for: slice) == chars[start + Self.partLength] else {
                    throw ProtocolError(.invalidValue, "the device ID does not check out in part \(part + 1): a character is mistyped")
                }
                data += slice
            }
        case 52:
            data = chars
        default:
            throw ProtocolError(.invalidValue, "a device ID has 56 letters and digits (or 52 without check characters), this has \(chars.count)")
        }
        guard let raw = Base32.decode(data), raw.count == Self.byteCount else {
            throw ProtocolError(.invalidValue, "the device ID's last part is not a valid encoding")
        }
        bytes = raw
    }

    /// Syncthing's check character: from the first character, factors 1, 2, 1, …
    static func checkCharacter(for chars: some Collection<UInt8>) -> UInt8 {
        var factor = 1
        var sum = 0
        for c in chars {
            var addend = factor * Base32.value(of: c)!
            factor = factor == 2 ? 1 : 2
            addend = addend / 32 + addend % 32
            sum += addend
        }
        return Base32.alphabet[(32 - sum % 32) % 32]
    }
}
