public import VouchProtocol

/// Validly encoded wire messages from a peer, for the structure-aware node target: mostly fresh,
/// addressed to the node and of a known type, so that they pass the receipt checks; the header
/// numbers come from the edges often enough to test the checks themselves; a card carries a
/// generated, validly signed profile (`SignedDocumentGenerator`).
public enum InboundMessageGenerator {
    public static func frame(_ input: inout FuzzInput, recipient: NodeID, nowMilliseconds now: UInt64) -> [UInt8] {
        let type = input.chance(90) ? input.pick(WireMessageType.allCases).rawValue : input.text(limit: 32)
        let sentAt = input.chance(85) ? now - UInt64(input.index(below: 1000)) : input.uint64()
        let expiresAt = input.chance(85) ? sentAt &+ 1 &+ UInt64(input.index(below: 65_536)) * 16 : input.uint64()
        var members: [String: CBORValue] = [
            "version": .unsigned(input.chance(95) ? WireMessage.protocolVersion : input.uint64()),
            "id": .bytes(messageID(&input)),
            "type": .text(type),
            "sent_at": .unsigned(sentAt),
            "expires_at": .unsigned(expiresAt),
            "to": .bytes(input.chance(95) ? recipient.rawRepresentation : input.rawBytes(maximum: 33)),
            "body": body(&input, type: type),
        ]
        if input.chance(30) { members["reply_to"] = .bytes(messageID(&input)) }
        if input.chance(3) { members.removeValue(forKey: input.pick(Array(members.keys).sorted())) }
        if input.chance(3) { members[input.text(limit: 12)] = CBORValueGenerator.value(&input) }
        return CBORValue.map(members).encoded
    }

    /// 16 bytes, from a small set most of the time so that duplicates (already processed) occur.
    static func messageID(_ input: inout FuzzInput) -> [UInt8] {
        if input.chance(97) { return [UInt8](repeating: input.byte() & 0x0F, count: MessageID.byteCount) }
        return input.rawBytes(maximum: 17)
    }

    static func body(_ input: inout FuzzInput, type: String) -> CBORValue {
        switch type {
        case WireMessageType.card.rawValue where input.chance(90):
            var body: [String: CBORValue] = ["document": .bytes(SignedDocumentGenerator.profileEnvelope(&input))]
            if input.chance(3) { body[input.text(limit: 12)] = CBORValueGenerator.value(&input) }
            return .map(body)
        case WireMessageType.error.rawValue where input.chance(80):
            return .map(["code": .text(input.text(limit: 32)), "message": .text(input.text(limit: 256))])
        default:
            return input.chance(80) ? .map([:]) : CBORValueGenerator.value(&input)
        }
    }
}
