import VouchFuzzSupport
import VouchProtocol

/// Raw bytes into every decoder of the invitation flow (Protocol/invitations.md): the signed
/// invitation, the connection record (acceptance), the removal, and each flow message's body read
/// for its type, an invitation body then verified as its receiver would. Oracle: a document that
/// verifies encodes back to its input; nothing traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInvitation(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = FuzzReplay.bytes(data, count)
    if let invitation = try? SignedInvitation(verifying: bytes) {
        precondition(invitation.bytes == bytes && invitation.envelope.encoded == bytes, "a verified invitation does not encode back")
    }
    if let connection = try? Connection(verifying: bytes) {
        precondition(connection.record.encoded == bytes, "a verified connection record does not encode back")
        _ = connection.id
    }
    if let removal = try? ConnectionRemoval(verifying: bytes) {
        precondition(removal.envelope.encoded == bytes, "a verified removal does not encode back")
    }
    guard let value = try? CBORValue(canonical: bytes) else { return 0 }
    for type in WireMessageType.allCases where type.isDelivery {
        guard case .delivery(let delivery)? = try? MessageBody(type: type, body: value) else { continue }
        precondition(delivery.value.encoded == bytes, "a \(type.rawValue) body does not encode back")
        if case .invitation(let body) = delivery {
            _ = try? Invitation(verifying: body, receiver: FuzzKeys.vectorRecipient, now: 1_700_000_000_000)
        }
    }
    return 0
}

#if !VOUCH_LIBFUZZER
@main enum Replay { static func main() { FuzzReplay.run(fuzzInvitation) } }
#endif
