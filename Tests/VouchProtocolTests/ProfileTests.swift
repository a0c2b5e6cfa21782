import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Profiles")
struct ProfileTests {
    // MARK: Field rules

    static let limits: [(ProfileField, Int)] = [
        (.name, 128), (.headline, 256), (.organization, 128), (.role, 128), (.location, 128), (.summary, 2048),
    ]

    @Test("each field's limit in UTF-8 bytes: at the limit is fine, one byte over is too long", arguments: limits)
    func fieldLimits(field: ProfileField, limit: Int) throws {
        #expect(field.maximumBytes == limit)
        try field.validate(String(repeating: "a", count: limit))
        expectProtocolError(.fieldTooLong) { try field.validate(String(repeating: "a", count: limit + 1)) }
        // Two-byte characters: half as many fit.
        try field.validate(String(repeating: "\u{00E9}", count: limit / 2))
        expectProtocolError(.fieldTooLong) { try field.validate(String(repeating: "\u{00E9}", count: limit / 2) + "a") }
        // Four-byte characters: a quarter as many, though each is one character.
        try field.validate(String(repeating: "\u{1F600}", count: limit / 4))
        expectProtocolError(.fieldTooLong) { try field.validate(String(repeating: "\u{1F600}", count: limit / 4 + 1)) }
        // A decomposed "é" is two scalars and three bytes.
        expectProtocolError(.fieldTooLong) { try field.validate(String(repeating: "e\u{0301}", count: limit / 3 + 1)) }
    }

    static let controlCharacters: [Unicode.Scalar] = ["\u{0}", "\u{7}", "\t", "\r", "\u{B}", "\u{C}", "\u{1B}", "\u{1F}", "\u{7F}", "\u{85}", "\u{9F}"]

    /// The text rule decides ASCII without the Unicode tables: it must agree with them.
    @Test("every ASCII scalar is refused exactly when Unicode calls it a control (the fast path agrees with the tables)")
    func asciiControlsAgreeWithUnicode() {
        for value in UInt32(0)..<0x80 {
            let scalar = Unicode.Scalar(value)!
            let refused = (try? ProfileText.validate("a\(Character(scalar))b", label: "t", maximumBytes: 16, allowsNewlines: false)) == nil
            #expect(refused == (scalar.properties.generalCategory == .control), "U+\(String(value, radix: 16))")
        }
    }

    @Test("control characters are refused in every field", arguments: ProfileField.allCases)
    func controlCharactersRefused(field: ProfileField) {
        for scalar in Self.controlCharacters {
            let error = expectProtocolError(.invalidText, "U+\(String(scalar.value, radix: 16))") {
                try field.validate("before\(Character(scalar))after")
            }
            #expect(error?.message.contains("U+\(String(scalar.value, radix: 16, uppercase: true))") == true)
        }
        expectProtocolError(.invalidText) { try field.validate("line\r\nbreak") }
    }

    static let invisibleSpoofers: [Unicode.Scalar] = ["\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}",
                                                      "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}", "\u{200B}", "\u{2060}", "\u{FEFF}"]

    @Test("bidi overrides and zero-width spaces are refused everywhere, joiners and marks are not", arguments: ProfileField.allCases)
    func invisibleSpoofersRefused(field: ProfileField) throws {
        for scalar in Self.invisibleSpoofers {
            let error = expectProtocolError(.invalidText, "U+\(String(scalar.value, radix: 16))") {
                try field.validate("evil\(Character(scalar))gpj.exe")
            }
            #expect(error?.message.contains("U+\(String(scalar.value, radix: 16, uppercase: true))") == true)
        }
        // Needed by real scripts and emoji: ZWNJ (Persian), ZWJ (emoji sequences), LRM and RLM.
        try field.validate("\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}")
        try field.validate("\u{1F469}\u{200D}\u{1F4BB} \u{200E}Ada\u{200F}")
    }

    @Test("a newline is allowed in the summary only", arguments: ProfileField.allCases)
    func newlines(field: ProfileField) throws {
        if field == .summary {
            try field.validate("first line\nsecond line\n")
            try field.validate("\n")
        } else {
            expectProtocolError(.invalidText) { try field.validate("first line\nsecond line") }
        }
    }

    @Test("an empty value is refused (a field is left out instead)", arguments: ProfileField.allCases)
    func emptyValue(field: ProfileField) {
        expectProtocolError(.invalidValue) { try field.validate("") }
    }

    @Test("ordinary text is accepted", arguments: ["Ada Lovelace", "Zoë Ångström", "\u{674E}\u{5C0F}\u{9F8D}", "O'Brien & Co.", " spaced ", "\u{1F469}\u{200D}\u{1F52C}"])
    func ordinaryText(text: String) throws {
        for field in ProfileField.allCases { try field.validate(text) }
    }

    // MARK: Links

    static let goodLinks = ["https://example.org/ada", "mailto:ada@example.org", "did:web:example.org", "HTTPS://EXAMPLE.ORG",
                            "a+b-c.d:rest", "https://example.org/\u{00E9}t\u{00E9}", 
                            // The scheme ends at the first ":" scalar, even one a combining mark follows.
                            "x:\u{0301}", "a:\u{0301}b:c"]

    @Test("absolute URLs are links", arguments: goodLinks)
    func goodLink(link: String) throws {
        try ProfileLink.validate(link)
    }

    static let badLinks: [(String, ProtocolError.Code)] = [
        ("example.org/ada", .invalidValue),
        ("/ada", .invalidValue),
        (":ada", .invalidValue),
        ("https ://example.org", .invalidValue),
        ("https://example.org/a b", .invalidValue),
        ("https://example.org/a\u{00A0}b", .invalidValue),
        ("https://example.org/a\u{3000}b", .invalidValue),
        ("https://example.org/a\u{2028}b", .invalidValue),
        // U+0600 is a "prepend" character: it and the space after it form one Character.
        ("https://example.org/a\u{0600} b", .invalidValue),
        ("1https://example.org", .invalidValue),
        ("+https://example.org", .invalidValue),
        ("ht_tp://example.org", .invalidValue),
        ("h\u{00E9}://example.org", .invalidValue),
        ("", .invalidValue),
        ("https://example.org/\t", .invalidText),
        ("https://example.org/\n", .invalidText),
        ("https://" + String(repeating: "a", count: 505), .fieldTooLong),
    ]

    @Test("anything else is refused", arguments: badLinks)
    func badLink(link: String, code: ProtocolError.Code) {
        expectProtocolError(code, link) { try ProfileLink.validate(link) }
    }

    @Test("a link is at most 512 bytes")
    func linkLimit() throws {
        try ProfileLink.validate("https://" + String(repeating: "a", count: 504))
        expectProtocolError(.fieldTooLong) { try ProfileLink.validate("https://" + String(repeating: "a", count: 505)) }
    }

    @Test("a profile has at most 10 links and 8 endpoints")
    func counts() throws {
        let links = (1...11).map { "https://example.org/\($0)" }
        try Profile(version: 1, links: Array(links.prefix(10))).validate()
        expectProtocolError(.invalidValue) { try Profile(version: 1, links: links).validate() }
        let endpoints = try (1...9).map { try Endpoint(parsing: "node\($0).example:7400") }
        try Profile(version: 1, endpoints: Array(endpoints.prefix(8))).validate()
        expectProtocolError(.invalidValue) { try Profile(version: 1, endpoints: endpoints).validate() }
        expectProtocolError(.invalidValue) { try Profile(version: 1, links: ["not a link"]).validate() }
        expectProtocolError(.fieldTooLong) {
            try Profile(version: 1, fields: [.name: .init(value: String(repeating: "a", count: 129), audience: .everyone)]).validate()
        }
    }

    // MARK: Views

    static func sampleProfile() throws -> Profile {
        Profile(
            version: 7, updatedAt: 1_700_000_000,
            fields: [
                .name: .init(value: "Ada Lovelace", audience: .everyone),
                .headline: .init(value: "Analyst of engines", audience: .everyone),
                .organization: .init(value: "Analytical Society", audience: .connections),
                .location: .init(value: "London", audience: .connections),
                .summary: .init(value: "Notes on the engine.\nFirst program.", audience: .everyone),
            ],
            links: ["https://example.org/ada", "mailto:ada@example.org"],
            linksAudience: .connections,
            endpoints: [try Endpoint(parsing: "ada.example.org:7400"), try Endpoint(parsing: "[2001:db8::7]:7400")]
        )
    }

    @Test("the view for everyone leaves out connections-only fields and links")
    func everyoneView() throws {
        let profile = try Self.sampleProfile()
        let view = profile.document(for: .everyone)
        #expect(view.audience == .everyone)
        #expect(view.fields == [.name: "Ada Lovelace", .headline: "Analyst of engines", .summary: "Notes on the engine.\nFirst program."])
        #expect(view.links.isEmpty)
        #expect(view.endpoints == profile.endpoints)
        #expect(view.version == 7)
        #expect(view.updatedAt == 1_700_000_000)
    }

    @Test("the view for connections includes every field and the links")
    func connectionsView() throws {
        let profile = try Self.sampleProfile()
        let view = profile.document(for: .connections)
        #expect(view.audience == .connections)
        #expect(view.fields == profile.fields.mapValues(\.value))
        #expect(view.links == profile.links)
        #expect(view.endpoints == profile.endpoints)
    }

    @Test("links for everyone appear in both views")
    func publicLinks() throws {
        var profile = try Self.sampleProfile()
        profile.linksAudience = .everyone
        #expect(profile.document(for: .everyone).links == profile.links)
        #expect(profile.document(for: .connections).links == profile.links)
    }

    @Test("audience order: connections is narrower than everyone")
    func audienceOrder() {
        #expect(Audience.everyone < Audience.connections)
        #expect(Audience.everyone.isVisible(to: .everyone))
        #expect(Audience.everyone.isVisible(to: .connections))
        #expect(!Audience.connections.isVisible(to: .everyone))
        #expect(Audience.connections.isVisible(to: .connections))
    }

    // MARK: Payload

    @Test("a payload round-trips, alone and inside a signed envelope", arguments: [Audience.everyone, .connections])
    func payloadRoundTrip(audience: Audience) throws {
        let document = try Self.sampleProfile().document(for: audience)
        let bytes = document.payload.encoded
        #expect(try ProfileDocument(payload: bytes) == document)
        let envelope = try document.signed(with: FixedKeys.key1)
        #expect(envelope.type == "vouch.profile")
        #expect(envelope.formatVersion == 1)
        let verified = try SignedEnvelope(verifying: envelope.encoded)
        #expect(try ProfileDocument(envelope: verified) == document)
    }

    @Test("a minimal payload: no fields, links or endpoints")
    func minimalPayload() throws {
        let document = ProfileDocument(version: 1, updatedAt: 0, audience: .everyone, fields: [:], links: [], endpoints: [])
        #expect(Hex.encode(document.payload.encoded)
                == "a6656c696e6b7380666669656c6473a06775706461746564006776657273696f6e016861756469656e63656865766572796f6e6569656e64706f696e747380")
        #expect(try ProfileDocument(payload: document.payload.encoded) == document)
    }

    /// The sample connections view as a CBOR map, to take apart in the tests below.
    static func samplePayload() throws -> [String: CBORValue] {
        guard case .map(let entries) = try sampleProfile().document(for: .connections).payload else { preconditionFailure() }
        return entries
    }

    static func changed(_ edit: (inout [String: CBORValue]) -> Void) throws -> [UInt8] {
        var entries = try samplePayload()
        edit(&entries)
        return CBORValue.map(entries).encoded
    }

    static func changedFields(_ edit: (inout [String: CBORValue]) -> Void) throws -> [UInt8] {
        try changed { entries in
            guard case .map(var fields) = entries["fields"]! else { preconditionFailure() }
            edit(&fields)
            entries["fields"] = .map(fields)
        }
    }

    @Test("an unknown top-level field or field name is refused")
    func unknownFields() throws {
        expectProtocolError(.unknownField) { try ProfileDocument(payload: try Self.changed { $0["nickname"] = .text("Ada") }) }
        expectProtocolError(.unknownField) { try ProfileDocument(payload: try Self.changed { $0["Version"] = .unsigned(1) }) }
        expectProtocolError(.unknownField) { try ProfileDocument(payload: try Self.changedFields { $0["nickname"] = .text("Ada") }) }
        expectProtocolError(.unknownField) { try ProfileDocument(payload: try Self.changedFields { $0["Name"] = .text("Ada") }) }
    }

    @Test("a missing field is refused", arguments: ["version", "updated", "audience", "fields", "links", "endpoints"])
    func missingField(name: String) throws {
        let error = expectProtocolError(.missingField) { try ProfileDocument(payload: try Self.changed { $0[name] = nil }) }
        #expect(error?.message.contains("\"\(name)\"") == true)
    }

    static let wrongTypes: [(String, CBORValue)] = [
        ("version", .text("7")), ("version", .bool(true)), ("updated", .bytes([1])), ("audience", .unsigned(0)),
        ("fields", .array([])), ("links", .map([:])), ("links", .text("https://example.org")),
        ("endpoints", .text("ada.example.org:7400")), ("links", .array([.unsigned(1)])),
        ("endpoints", .array([.bytes([1])])),
    ]

    @Test("a field of the wrong type is refused", arguments: wrongTypes)
    func wrongType(name: String, value: CBORValue) throws {
        expectProtocolError(.wrongType) { try ProfileDocument(payload: try Self.changed { $0[name] = value }) }
    }

    @Test("a profile field value that is not text is refused")
    func fieldValueType() throws {
        expectProtocolError(.wrongType) { try ProfileDocument(payload: try Self.changedFields { $0["name"] = .unsigned(1) }) }
        expectProtocolError(.wrongType) { try ProfileDocument(payload: try Self.changedFields { $0["name"] = .bytes(Array("Ada".utf8)) }) }
        expectProtocolError(.wrongType) { try ProfileDocument(payload: CBORValue.array([]).encoded) }
    }

    @Test("every field rule applies to a received payload")
    func valueRules() throws {
        expectProtocolError(.invalidValue) { try ProfileDocument(payload: try Self.changed { $0["version"] = .unsigned(0) }) }
        expectProtocolError(.invalidValue) { try ProfileDocument(payload: try Self.changed { $0["audience"] = .text("friends") }) }
        expectProtocolError(.invalidValue) { try ProfileDocument(payload: try Self.changed { $0["audience"] = .text("Everyone") }) }
        expectProtocolError(.invalidValue) { try ProfileDocument(payload: try Self.changedFields { $0["name"] = .text("") }) }
        expectProtocolError(.fieldTooLong) {
            try ProfileDocument(payload: try Self.changedFields { $0["role"] = .text(String(repeating: "r", count: 129)) })
        }
        expectProtocolError(.invalidText) { try ProfileDocument(payload: try Self.changedFields { $0["name"] = .text("Ada\nLovelace") }) }
        expectProtocolError(.invalidValue) {
            try ProfileDocument(payload: try Self.changed { $0["links"] = .array((0...10).map { .text("https://example.org/\($0)") }) })
        }
        expectProtocolError(.invalidValue) { try ProfileDocument(payload: try Self.changed { $0["links"] = .array([.text("example.org")]) }) }
        expectProtocolError(.invalidValue) {
            try ProfileDocument(payload: try Self.changed { $0["endpoints"] = .array((1...9).map { .text("n\($0).example:1") }) })
        }
        expectProtocolError(.invalidValue) { try ProfileDocument(payload: try Self.changed { $0["endpoints"] = .array([.text("ada.example.org")]) }) }
        expectProtocolError(.invalidValue) { try ProfileDocument(payload: try Self.changed { $0["endpoints"] = .array([.text("ada.example.org:07400")]) }) }
        // The largest protocol integer is fine; one more is out of range (Protocol/encoding.md §Integer ranges).
        let top = ProtocolInteger.maximum
        #expect(try ProfileDocument(payload: try Self.changed { $0["version"] = .unsigned(top); $0["updated"] = .unsigned(top) }).version == top)
    }

    @Test("a version or time past 2^53 - 1 is out of range", arguments: [
        ("version", UInt64(1) << 53), ("version", UInt64(1) << 63), ("version", UInt64.max),
        ("updated", UInt64(1) << 53), ("updated", UInt64.max),
    ])
    func outOfRange(field: String, value: UInt64) throws {
        expectProtocolError(.outOfRange) { try ProfileDocument(payload: try Self.changed { $0[field] = .unsigned(value) }) }
    }

    @Test("a profile past the integer range cannot be saved or signed as valid")
    func writerRange() {
        expectProtocolError(.outOfRange) { try Profile(version: 1 << 53).validate() }
        expectProtocolError(.outOfRange) { try Profile(version: 1, updatedAt: .max).validate() }
    }

    @Test("invalid UTF-8 inside a text is refused as invalid text")
    func invalidUTF8() throws {
        var bytes = try Self.changedFields { $0["name"] = .text("QQQQ") }
        let index = bytes.indices.first { Array(bytes[$0..<min($0 + 4, bytes.count)]) == Array("QQQQ".utf8) }!
        bytes.replaceSubrange(index..<index + 4, with: [0x41, 0xED, 0xA0, 0x80])  // "A" then a surrogate
        expectProtocolError(.invalidText) { try ProfileDocument(payload: bytes) }
    }

    @Test("a payload that is not canonical CBOR is refused")
    func nonCanonicalPayload() throws {
        let bytes = ProfileDocument(version: 1, updatedAt: 0, audience: .everyone, fields: [:], links: [], endpoints: []).payload.encoded
        // The version 1 written as 0x18 0x01.
        let index = bytes.indices.first { Array(bytes[$0..<min($0 + 8, bytes.count)]) == Array("version".utf8) + [1] }! + 7
        var long = bytes
        long.replaceSubrange(index...index, with: [0x18, 0x01])
        expectProtocolError(.nonCanonical) { try ProfileDocument(payload: long) }
    }

    @Test("a profile view from an envelope of another type or version is refused")
    func envelopeType() throws {
        let payload = try Self.sampleProfile().document(for: .everyone).payload.encoded
        let other = try SignedEnvelope(signing: payload, type: DocumentType(name: "vouch.other", versions: 1...1), formatVersion: 1, with: FixedKeys.key1)
        expectProtocolError(.unknownDocumentType) { try ProfileDocument(envelope: other) }
        let v2 = try SignedEnvelope(signing: payload, type: .profile, formatVersion: 2, with: FixedKeys.key1)
        expectProtocolError(.unsupportedVersion) { try ProfileDocument(envelope: v2) }
    }

    // MARK: Version rule

    static func envelope(version: UInt64, name: String) -> SignedEnvelope {
        let document = ProfileDocument(version: version, updatedAt: 1_700_000_000 + version, audience: .everyone,
                                       fields: [.name: name], links: [], endpoints: [])
        do { return try document.signed(with: FixedKeys.key1) } catch { preconditionFailure("\(error)") }
    }

    static let versionTable: [(current: (UInt64, String)?, incoming: (UInt64, String), decision: ProfileVersionRule.Decision)] = [
        (nil, (1, "Ada"), .accept),
        (nil, (9, "Ada"), .accept),
        ((1, "Ada"), (2, "Ada L."), .accept),
        ((1, "Ada"), (1000, "Ada"), .accept),
        ((2, "Ada L."), (1, "Ada"), .ignoreOlder),
        ((5, "Ada"), (4, "Ada"), .ignoreOlder),
        ((3, "Ada"), (3, "Ada"), .ignoreDuplicate),
        ((3, "Ada"), (3, "Eve"), .conflict),
    ]

    @Test("the version rule decides what to keep", arguments: 0..<versionTable.count)
    func versionRule(row: Int) {
        let (current, incoming, decision) = Self.versionTable[row]
        let currentEnvelope = current.map { Self.envelope(version: $0.0, name: $0.1) }
        let incomingEnvelope = Self.envelope(version: incoming.0, name: incoming.1)
        #expect(ProfileVersionRule.decide(current: currentEnvelope, currentVersion: current?.0,
                                          incoming: incomingEnvelope, incomingVersion: incoming.0) == decision)
    }
}
