/// The text fields of a profile and their limits (Protocol/profile.md §Fields). Limits count
/// UTF-8 bytes, which every language measures the same way.
public enum ProfileField: String, Sendable, CaseIterable, Codable {
    case name, headline, organization, role, location, summary

    public var maximumBytes: Int {
        switch self {
        case .name, .organization, .role, .location: 128
        case .headline: 256
        case .summary: 2048
        }
    }

    /// Only the summary may span lines.
    var allowsNewlines: Bool { self == .summary }

    /// Checks a value against this field's rules: not empty, within the limit, and free of
    /// control characters (a newline is allowed in the summary).
    public func validate(_ value: String) throws {
        try ProfileText.validate(value, label: rawValue, maximumBytes: maximumBytes, allowsNewlines: allowsNewlines)
    }
}

/// The one text rule every profile value follows.
enum ProfileText {
    static func validate(_ value: String, label: String, maximumBytes: Int, allowsNewlines: Bool) throws {
        guard !value.isEmpty else { throw ProtocolError(.invalidValue, "\(label) is empty (leave it out instead)") }
        let length = value.utf8.count
        guard length <= maximumBytes else {
            throw ProtocolError(.fieldTooLong, "\(label) is \(length) bytes long; the limit is \(maximumBytes)")
        }
        for scalar in value.unicodeScalars {
            // ASCII, most of any text, is decided without the Unicode tables (a measurable part
            // of an invitation's cost): its controls are U+0000–U+001F and U+007F.
            let ascii = scalar.value < 0x80
            let control = ascii ? scalar.value < 0x20 || scalar.value == 0x7F : scalar.properties.generalCategory == .control
            if control && !(allowsNewlines && scalar == "\n") {
                throw ProtocolError(.invalidText, "\(label) contains a control character (U+\(hex(scalar)))")
            }
            if !ascii && invisibleSpoofers.contains(scalar.value) {
                throw ProtocolError(.invalidText, "\(label) contains an invisible character that can disguise text (U+\(hex(scalar)))")
            }
        }
    }

    /// Bidirectional embeddings, overrides and isolates, and zero-width characters that are not
    /// needed to write any script: they make a name display as something it is not.
    static let invisibleSpoofers: Set<UInt32> = Set(0x202A...0x202E).union(0x2066...0x2069).union([0x200B, 0x2060, 0xFEFF])

    private static func hex(_ scalar: Unicode.Scalar) -> String { String(scalar.value, radix: 16, uppercase: true) }
}

/// Links on a profile: absolute URLs such as `https://…` or `mailto:…`.
public enum ProfileLink {
    public static let maximumBytes = 512
    public static let maximumCount = 10

    public static func validate(_ link: String) throws {
        try ProfileText.validate(link, label: "link", maximumBytes: maximumBytes, allowsNewlines: false)
        // RFC 3986 scheme: a letter, then letters, digits, "+", "-", ".". Whitespace is checked
        // per scalar: a Character can hide a space behind a "prepend" scalar such as U+0600.
        let scalars = link.unicodeScalars
        guard let colon = scalars.firstIndex(of: ":"),
              scalars.first.map({ $0.isASCII && $0.properties.isAlphabetic }) == true,
              scalars[..<colon].allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || "0123456789+-.".unicodeScalars.contains($0)) }),
              !scalars.contains(where: \.properties.isWhitespace) else {
            throw ProtocolError(.invalidValue, "link \"\(link)\" is not an absolute URL (such as https://example.org/me)")
        }
    }
}
