import VouchCrypto

/// The text form of a signed envelope, for files and mail (Protocol/envelope.md §Armor):
///
///     -----BEGIN VOUCH SIGNED DOCUMENT-----
///     base64 of the envelope bytes, 64 characters a line, last line 1–64
///     -----END VOUCH SIGNED DOCUMENT-----
///
/// Every line ends with a single LF. The reader accepts only exactly this form, so a file has
/// one spelling and changing any byte of it makes it unreadable or changes the signed bytes.
public enum DocumentArmor {
    static let header = "-----BEGIN VOUCH SIGNED DOCUMENT-----"
    /// The first line of an armored document, for messages.
    public static var headerLine: String { header }
    static let footer = "-----END VOUCH SIGNED DOCUMENT-----"
    static let lineLength = 64
    /// The largest armored text that can hold a document of `SignedEnvelope.maximumEncodedSize`
    /// (base64 plus line ends and the two marker lines, rounded up).
    public static let maximumArmoredSize = SignedEnvelope.maximumEncodedSize * 4 / 3 + 4096

    /// The most bytes worth reading from a file or stream that should hold one document, in
    /// either form: a reader can stop there and still report the size as too large.
    public static let maximumInputSize = max(maximumArmoredSize, SignedEnvelope.maximumEncodedSize) + 1

    public static func armor(_ envelope: [UInt8]) -> String {
        let b64 = Array(Base64.encode(envelope).utf8)
        var lines = [header]
        var i = 0
        while i < b64.count {
            lines.append(String(decoding: b64[i..<min(i + lineLength, b64.count)], as: UTF8.self))
            i += lineLength
        }
        lines.append(footer)
        return lines.joined(separator: "\n") + "\n"
    }

    /// True when `bytes` start like armored text (as opposed to a binary envelope).
    public static func looksArmored(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: Array("-----BEGIN ".utf8))
    }

    public static func dearmor(_ bytes: [UInt8]) throws -> [UInt8] {
        let limit = maximumArmoredSize
        guard bytes.count <= limit else {
            throw ProtocolError(.tooLarge, "an armored document is at most \(limit) bytes, this is \(bytes.count)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ProtocolError(.invalidArmor, "the armored document is not UTF-8 text")
        }
        guard text.hasSuffix("\n") else { throw ProtocolError(.invalidArmor, "the armored document must end with a newline") }
        if text.contains("\r") { throw ProtocolError(.invalidArmor, "the armored document has CR characters: lines must end with LF only") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // the empty string after the final newline
        guard lines.count >= 3, lines.first == Substring(header) else {
            throw ProtocolError(.invalidArmor, "the first line must be \(header)")
        }
        guard lines.last == Substring(footer) else { throw ProtocolError(.invalidArmor, "the last line must be \(footer)") }
        let body = lines.dropFirst().dropLast()
        for (index, line) in body.enumerated() {
            let isLast = index == body.count - 1
            guard isLast ? (1...lineLength).contains(line.utf8.count) : line.utf8.count == lineLength else {
                throw ProtocolError(.invalidArmor, "armor line \(index + 2) must have \(isLast ? "1 to \(lineLength)" : "\(lineLength)") characters")
            }
        }
        guard let decoded = Base64.decode(body.joined()) else {
            throw ProtocolError(.invalidArmor, "the armored document is not canonical base64")
        }
        return decoded
    }

    /// Reads a document in either form.
    public static func envelopeBytes(from bytes: [UInt8]) throws -> [UInt8] {
        looksArmored(bytes) ? try dearmor(bytes) : bytes
    }
}
