import VouchCrypto
import VouchFuzzSupport
import VouchProtocol

/// Raw bytes into every decoder added by introductions and disclosure (Protocol/introductions.md,
/// Protocol/disclosure.md): the introducer's note (checked against one fixed introduced
/// invitation), the visibility statement, the bodies of the queries and their answers, and every
/// 32-byte chunk as a point to blind. Oracle: what verifies encodes back to its input; nothing traps.
private let invitation: SignedInvitation = {
    let card = try! ProfileDocument(version: 1, updatedAt: 1_700_000_000, audience: .everyone, fields: [.name: "Fuzz"], links: [],
                                    endpoints: []).signed(with: FuzzKeys.sender)
    let body = try! Invitation.make(inviter: FuzzKeys.sender, id: try! InvitationID(bytes: [UInt8](repeating: 1, count: 16)),
                                    invitee: FuzzKeys.vectorRecipient, relationship: .colleague, context: nil,
                                    introducer: NodeID(publicKey: FuzzKeys.signers[1].publicKey), note: "A note long enough to say something.",
                                    card: card, created: 1_700_000_000_000, salt: [UInt8](repeating: 2, count: 16))
    return try! SignedInvitation(verifying: body.document)
}()
private let blindingKey = try! X25519PrivateKey(rawRepresentation: [UInt8](repeating: 3, count: 32))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDisclosure(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, count)
    if let note = try? SignedIntroduction(verifying: bytes, for: invitation) {
        precondition(note.envelope.encoded == bytes, "a verified introducer note does not encode back")
    }
    if let statement = try? VisibilityStatement(verifying: bytes) {
        precondition(statement.envelope.encoded == bytes, "a verified visibility statement does not encode back")
    }
    for start in stride(from: 0, to: min(bytes.count, 256) - 31, by: 32) {
        _ = try? MutualSet.blind(Array(bytes[start..<(start + 32)]), with: blindingKey)
    }
    guard let value = try? CBORValue(canonical: bytes) else { return 0 }
    for type in WireMessageType.allCases {
        guard let body = try? MessageBody(type: type, body: value) else { continue }
        switch body {
        case .query, .answer, .delivery: precondition(body.value.encoded == bytes, "a \(type.rawValue) body does not encode back")
        case .ping, .pong, .ack, .error: break
        }
    }
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzDisclosure) } }
#endif
