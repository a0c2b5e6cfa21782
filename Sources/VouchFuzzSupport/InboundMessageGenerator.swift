public import VouchProtocol

/// Validly encoded wire messages from a peer, for the structure-aware node target: mostly fresh,
/// addressed to the node and of a known type, so that they pass the receipt checks; the header
/// numbers come from the edges often enough to test the checks themselves; a card carries a
/// generated, validly signed profile (`SignedDocumentGenerator`).
public enum InboundMessageGenerator {
    /// `freshID` is the message ID unless the input asks for one from a small set: a node
    /// processes a message ID once, so repeated IDs would only ever reach the duplicate check.
    public static func frame(_ input: inout FuzzInput, recipient: NodeID, freshID: [UInt8], nowMilliseconds now: UInt64) -> [UInt8] {
        let type = input.chance(10) ? input.text(limit: 32)
            : input.chance(40) ? input.pick(WireMessageType.allCases).rawValue : WireMessageType.card.rawValue
        return frame(&input, type: type, recipient: recipient, freshID: freshID, nowMilliseconds: now, headerEdges: .often) {
            body(&$0, type: type)
        }
    }

    /// How often the header's numbers and members leave the valid: `often` to test the receipt
    /// checks, `rarely` when the body is what is tested and most messages should reach it.
    public enum HeaderEdges: Sendable {
        case often, rarely

        func percent(_ often: Int) -> Int { self == .often ? often : max(1, often / 5) }
    }

    /// A message of `type` whose body `body` draws (after the header's choices).
    public static func frame(_ input: inout FuzzInput, type: String, recipient: NodeID, freshID: [UInt8], nowMilliseconds now: UInt64,
                             headerEdges edges: HeaderEdges, body: (inout FuzzInput) -> CBORValue) -> [UInt8] {
        let sentAt = input.chance(edges.percent(15)) ? input.uint64() : now - UInt64(input.index(below: 1000))
        // `often`: the zero choice expires 1 ms after it was sent (refused as expired unless the
        // clock reads the same millisecond); `rarely`: it lives an hour, so it is read.
        let lifetime: UInt64 = edges == .often ? 1 : 3_600_000
        let expiresAt = input.chance(edges.percent(15)) ? input.uint64() : sentAt &+ lifetime &+ UInt64(input.index(below: 65_536)) * 16
        var members: [String: CBORValue] = [
            "version": .unsigned(input.chance(edges.percent(5)) ? input.uint64() : WireMessage.protocolVersion),
            "id": .bytes(input.chance(edges.percent(5)) ? messageID(&input) : freshID),
            "type": .text(type),
            "sent_at": .unsigned(sentAt),
            "expires_at": .unsigned(expiresAt),
            "to": .bytes(input.chance(edges.percent(5)) ? input.rawBytes(maximum: 33) : recipient.rawRepresentation),
            "body": body(&input),
        ]
        if input.chance(edges.percent(30)) { members["reply_to"] = .bytes(messageID(&input)) }
        if input.chance(edges.percent(3)) { members.removeValue(forKey: input.pick(Array(members.keys).sorted())) }
        if input.chance(edges.percent(3)) { members[input.text(limit: 12)] = CBORValueGenerator.value(&input) }
        return CBORValue.map(members).encoded
    }

    /// 16 bytes from a small set, so that duplicates (already processed) occur, or any length.
    static func messageID(_ input: inout FuzzInput) -> [UInt8] {
        if input.chance(10) { return input.rawBytes(maximum: 17) }
        return [UInt8](repeating: input.byte() & 0x0F, count: MessageID.byteCount)
    }

    static func body(_ input: inout FuzzInput, type: String) -> CBORValue {
        switch type {
        case WireMessageType.card.rawValue where !input.chance(10):
            var body: [String: CBORValue] = ["document": .bytes(SignedDocumentGenerator.profileEnvelope(&input))]
            if input.chance(3) { body[input.text(limit: 12)] = CBORValueGenerator.value(&input) }
            return .map(body)
        case WireMessageType.error.rawValue where !input.chance(20):
            return .map(["code": .text(input.text(limit: 32)), "message": .text(input.text(limit: 256))])
        default:
            return input.chance(20) ? CBORValueGenerator.value(&input) : .map([:])
        }
    }
}
