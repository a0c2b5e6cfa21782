import Testing
@testable import VouchProtocol

@Suite("Wire messages")
struct WireMessageTests {
    static let recipient = WireKeys.node(1)
    static let id = wireMessageID(0x11)

    static func message(replyTo: MessageID? = nil, body: CBORValue = .map([:])) -> WireMessage {
        WireMessage(id: id, type: .ping, replyTo: replyTo, sentAt: 1_700_000_000_000, expiresAt: 1_700_000_060_000,
                    recipient: recipient, body: body)
    }

    /// A valid header as a map, to break one field at a time.
    static var fields: [String: CBORValue] {
        ["body": .map([:]), "expires_at": .unsigned(2_000), "id": .bytes(id.bytes), "reply_to": .bytes(wireMessageID(0x22).bytes),
         "sent_at": .unsigned(1_000), "to": .bytes(recipient.rawRepresentation), "type": .text("ping"), "version": .unsigned(1)]
    }

    static func decode(_ bytes: [UInt8]) -> Result<WireMessage, WireMessage.DecodingFailure> {
        do throws(WireMessage.DecodingFailure) { return .success(try WireMessage(decoding: bytes)) } catch { return .failure(error) }
    }

    static func expectFailure(_ bytes: [UInt8], _ code: WireErrorCode, messageID: MessageID?, _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        switch decode(bytes) {
        case .success(let message):
            Issue.record("\(what): decoded as \(message)", sourceLocation: sourceLocation)
        case .failure(let failure):
            #expect(failure.code == code, "\(what): \(failure.message)", sourceLocation: sourceLocation)
            #expect(failure.messageID == messageID, "\(what): the failure names message \(String(describing: failure.messageID))",
                    sourceLocation: sourceLocation)
            #expect(!failure.message.isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test("encoding then decoding gives the message back", arguments: [
        message(),
        message(replyTo: wireMessageID(0x22)),
        message(body: .map(["document": .bytes([1, 2, 3])])),
        message(body: .array([.unsigned(1), .text("x"), .bool(false)])),
        message(body: .unsigned(0)),
        WireMessage(id: wireMessageID(0), rawType: "some-future-type", replyTo: nil, sentAt: 0, expiresAt: ProtocolInteger.maximum,
                    recipient: recipient.rawRepresentation, body: .text("")),
    ])
    func roundTrip(message: WireMessage) throws {
        let decoded = try WireMessage(decoding: message.encoded)
        #expect(decoded == message)
        #expect(decoded.encoded == message.encoded)
    }

    @Test func typedInitializerStoresTheTypeAndRecipient() {
        let message = Self.message()
        #expect(message.type == "ping" && message.knownType == .ping)
        #expect(message.recipient == Self.recipient.rawRepresentation)
    }

    @Test("a missing header field is malformed; the ID is named when it was readable", arguments: [
        "version", "id", "type", "sent_at", "expires_at", "to", "body",
    ])
    func missingField(field: String) {
        var map = Self.fields
        map[field] = nil
        Self.expectFailure(CBORValue.map(map).encoded, .malformed, messageID: field == "id" ? nil : Self.id, "without \(field)")
    }

    @Test func replyToIsOptional() throws {
        var map = Self.fields
        map["reply_to"] = nil
        #expect(try WireMessage(decoding: CBORValue.map(map).encoded).replyTo == nil)
    }

    @Test("a header field of the wrong type or size is malformed", arguments: [
        ("version", CBORValue.text("1"), true),
        ("id", .text("0011"), false),
        ("id", .bytes([UInt8](repeating: 1, count: 15)), false),
        ("id", .bytes([UInt8](repeating: 1, count: 17)), false),
        ("type", .bytes(Array("ping".utf8)), true),
        ("type", .unsigned(1), true),
        ("reply_to", .text("x"), true),
        ("reply_to", .bytes([1, 2, 3]), true),
        ("sent_at", .text("1000"), true),
        ("sent_at", .bool(true), true),
        ("sent_at", .unsigned(1 << 53), true),
        ("expires_at", .unsigned(.max), true),
        ("expires_at", .bytes([7]), true),
        ("to", .bytes([UInt8](repeating: 2, count: 31)), true),
        ("to", .bytes([UInt8](repeating: 2, count: 33)), true),
        ("to", .text("someone"), true),
    ] as [(String, CBORValue, Bool)])
    func wrongType(field: String, value: CBORValue, idReadable: Bool) {
        var map = Self.fields
        map[field] = value
        Self.expectFailure(CBORValue.map(map).encoded, .malformed, messageID: idReadable ? Self.id : nil, "\(field) = \(value)")
    }

    @Test("only version 1 is spoken", arguments: [0, 2, 255, UInt64(1) << 53, .max] as [UInt64])
    func unsupportedVersion(version: UInt64) {
        var map = Self.fields
        map["version"] = .unsigned(version)
        Self.expectFailure(CBORValue.map(map).encoded, .unsupportedVersion, messageID: Self.id, "version \(version)")
    }

    @Test func versionIsCheckedBeforeTheOtherFields() {
        // A later version may change every other field: the version decides which error applies.
        Self.expectFailure(CBORValue.map(["version": .unsigned(2), "id": .bytes(Self.id.bytes), "future": .bool(true)]).encoded,
                           .unsupportedVersion, messageID: Self.id, "version 2 with other fields")
    }

    @Test func anUnknownFieldIsMalformed() {
        var map = Self.fields
        map["priority"] = .unsigned(1)
        Self.expectFailure(CBORValue.map(map).encoded, .malformed, messageID: Self.id, "extra field")
    }

    @Test func nonCanonicalCBORIsMalformed() {
        let canonical = Self.message().encoded
        #expect(canonical.first == 0xA7, "a message without reply_to is a map of 7 entries")
        // The same map with its length in the long (1-byte argument) form.
        let longForm = [0xB8, 0x07] + canonical.dropFirst()
        Self.expectFailure(Array(longForm), .malformed, messageID: nil, "long-form map head")
        // An indefinite-length map.
        let indefinite = [0xBF] + canonical.dropFirst() + [0xFF]
        Self.expectFailure(Array(indefinite), .malformed, messageID: nil, "indefinite-length map")
    }

    @Test("bytes that are no message are malformed", arguments: [
        [],
        [0xFF],
        [0x00],
        CBORValue.array([.unsigned(1)]).encoded,
        CBORValue.text("ping").encoded,
        message().encoded + [0x00],
        Array(message().encoded.dropLast()),
    ] as [[UInt8]])
    func notAMessage(bytes: [UInt8]) {
        Self.expectFailure(bytes, .malformed, messageID: nil, "\(bytes.prefix(8))")
    }

    @Test func deepNestingIsRefused() {
        var body = CBORValue.map([:])
        for _ in 0..<40 { body = .array([body]) }
        Self.expectFailure(Self.message(body: body).encoded, .malformed, messageID: nil, "40 levels of nesting")
    }

    // MARK: Error bodies

    @Test func errorBodyRoundTrip() throws {
        let body = WireErrorBody(code: .invalidBody, message: "the card does not verify")
        #expect(try WireErrorBody(body.value) == body)
        #expect(body.value == .map(["code": .text("invalid-body"), "message": .text("the card does not verify")]))
    }

    @Test func anUnknownErrorCodeIsKeptAsIs() throws {
        let body = try WireErrorBody(.map(["code": .text("new-code"), "message": .text("")]))
        #expect(body.code.rawValue == "new-code")
    }

    @Test("malformed error bodies are refused", arguments: [
        CBORValue.map(["code": .text("busy")]),
        .map(["message": .text("x")]),
        .map(["code": .unsigned(1), "message": .text("x")]),
        .map(["code": .text("busy"), "message": .text("x"), "retry_after": .unsigned(5)]),
        .text("busy"),
    ])
    func badErrorBodies(value: CBORValue) {
        #expect(throws: ProtocolError.self) { try WireErrorBody(value) }
    }

    @Test func errorCodesAreTheSpecStrings() {
        let codes: [WireErrorCode] = [.malformed, .tooLarge, .unknownType, .unsupportedVersion, .wrongRecipient, .expired,
                                      .clockSkew, .invalidBody, .busy, .internal]
        #expect(codes.map(\.rawValue) == ["malformed", "too-large", "unknown-type", "unsupported-version", "wrong-recipient",
                                          "expired", "clock-skew", "invalid-body", "busy", "internal"])
    }

    @Test func messageIDsAreSixteenBytes() {
        #expect(throws: ProtocolError.self) { try MessageID(bytes: [1, 2, 3]) }
        #expect(MessageID.random().bytes.count == 16)
        #expect(MessageID.random() != MessageID.random())
    }
}
