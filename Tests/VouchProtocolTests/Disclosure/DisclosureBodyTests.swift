import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Disclosure message bodies")
struct DisclosureBodyTests {
    typealias D = DisclosureFixtures

    static func roundTrip(_ body: MessageBody) throws {
        let read = try MessageBody(type: body.type, body: try CBORValue(canonical: body.value.encoded))
        #expect(read == body, "\(body.type)")
    }

    @Test("every body reads back what was written, as its kind")
    func roundTrips() throws {
        let points = [D.filled(9), D.filled(4)]
        let query = [UInt8](repeating: 0x51, count: 16)
        try Self.roundTrip(.delivery(.visibility(VisibilityBody(document: D.signed(D.goodPayload), token: D.filled(0x70)))))
        try Self.roundTrip(.query(.connections(ConnectionsQueryBody())))
        try Self.roundTrip(.query(.connections(ConnectionsQueryBody(after: D.connection.id))))
        try Self.roundTrip(.answer(.connections(ConnectionsAnswerBody(records: [D.connection.record.encoded], more: true))))
        try Self.roundTrip(.query(.introducer(IntroducerQueryBody(target: D.b))))
        try Self.roundTrip(.answer(.introducer(IntroducerAnswerBody(record: D.connection.record.encoded))))
        try Self.roundTrip(.answer(.introducer(IntroducerAnswerBody(record: nil))))
        try Self.roundTrip(.query(.mutual(MutualQueryBody(query: query, page: 15, elements: points))))
        try Self.roundTrip(.answer(.mutual(MutualAnswerBody(elements: points, set: [], more: false))))
        for type in [WireMessageType.connectionsQuery, .introducerQuery, .mutualQuery] { #expect(type.kind == .query) }
        for type in [WireMessageType.connectionsAnswer, .introducerAnswer, .mutualAnswer] { #expect(type.kind == .reply) }
        #expect(WireMessageType.visibility.kind == .delivery)
    }

    @Test("the answer with nothing in it is the same bytes whatever the reason")
    func emptyAnswers() {
        #expect(IntroducerAnswerBody(record: nil).value.encoded == hex("a0"))
        #expect(ConnectionsAnswerBody(records: [], more: false).value.encoded == CBORValue.map(["records": .array([]), "more": .bool(false)]).encoded)
    }

    @Test("page limits: 256 records, 4000 elements, pages 0 to 15, whole 32-byte elements")
    func limits() throws {
        let record = CBORValue.bytes([1])
        _ = try ConnectionsAnswerBody(.map(["records": .array(Array(repeating: record, count: 256)), "more": .bool(true)]))
        expectProtocolError(.invalidValue) { try ConnectionsAnswerBody(.map(["records": .array(Array(repeating: record, count: 257)), "more": .bool(true)])) }
        let query = CBORValue.bytes([UInt8](repeating: 1, count: 16))
        func mutual(_ count: Int, page: UInt64 = 0, extra: Int = 0) -> CBORValue {
            .map(["query": query, "page": .unsigned(page), "elements": .bytes([UInt8](repeating: 9, count: 32 * count + extra))])
        }
        #expect(try MutualQueryBody(mutual(4000)).elements.count == 4000)
        expectProtocolError(.invalidValue) { try MutualQueryBody(mutual(4001)) }
        expectProtocolError(.invalidValue) { try MutualQueryBody(mutual(1, extra: 1)) }
        #expect(try MutualQueryBody(mutual(0, page: 15)).page == 15)
        expectProtocolError(.outOfRange) { try MutualQueryBody(mutual(0, page: 16)) }
        let answer = CBORValue.map(["elements": .bytes([]), "set": .bytes([UInt8](repeating: 9, count: 32 * 4001)), "more": .bool(false)])
        expectProtocolError(.invalidValue) { try MutualAnswerBody(answer) }
    }

    @Test("bodies are exact: extra keys, missing keys and wrong types are refused")
    func exact() {
        let cases: [(WireMessageType, CBORValue)] = [
            (.visibility, .map(["document": .bytes([1])])),
            (.visibility, .map(["document": .bytes([1]), "token": .bytes(D.filled(1)), "level": .text("everyone")])),
            (.connectionsQuery, .map([:])),
            (.connectionsQuery, .map(["after": .bytes(D.filled(0)), "limit": .unsigned(1)])),
            (.connectionsAnswer, .map(["records": .array([]), "more": .bool(false), "count": .unsigned(3)])),
            (.connectionsAnswer, .map(["records": .array([.text("x")]), "more": .bool(false)])),
            (.introducerQuery, .map(["target": .bytes(FixedKeys.identityPoint)])),
            (.introducerAnswer, .map(["record": .bool(false)])),
            (.mutualQuery, .map(["query": .bytes(D.filled(1)), "page": .unsigned(0), "elements": .bytes([])])),
            (.mutualAnswer, .map(["elements": .bytes([]), "set": .bytes([])])),
        ]
        for (type, body) in cases {
            // Any refusal of a body is answered `error invalid-body` by the session.
            #expect(throws: ProtocolError.self, "\(type) \(body)") { try MessageBody(type: type, body: body) }
        }
    }
}
