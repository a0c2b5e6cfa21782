import Testing
import VouchCrypto
@testable import VouchProtocol

/// Fixed parties and documents for the invitation tests and vectors: the inviter is RFC 8032
/// test key 1, the invitee key 2, a third node key 3; every id, salt and time is fixed.
enum InvitationFixtures {
    static let inviterKey = FixedKeys.key1
    static let inviteeKey = FixedKeys.key2
    static let thirdKey = FixedKeys.key3
    static let inviter = NodeID(publicKey: FixedKeys.key1.publicKey)
    static let invitee = NodeID(publicKey: FixedKeys.key2.publicKey)
    static let third = NodeID(publicKey: FixedKeys.key3.publicKey)

    static let created: UInt64 = 1_700_000_000_000
    static let lifetime = InvitationLimits.defaultLifetime
    static var expires: UInt64 { created + lifetime }
    static let id = try! InvitationID(bytes: [UInt8](repeating: 0x11, count: 16))
    static let salt = [UInt8](repeating: 0x5A, count: 16)
    static let note = "Hi Ada, we met at the Analytical Engines meetup in London last week; I'd like to stay in touch."
    static let context = "we both spoke at the London Analytical Engines meetup, 2024"

    /// The inviter's signed view for everyone (the sample profile of the profile tests).
    static var inviterCard: SignedEnvelope {
        try! ProfileTests.sampleProfile().document(for: .everyone).signed(with: inviterKey)
    }

    static func body(id: InvitationID = id, invitee: NodeID = invitee, relationship: Relationship = .metAtEvent,
                     context: String? = context, note: String = note, created: UInt64 = created, lifetime: UInt64 = lifetime,
                     key: Ed25519PrivateKey = inviterKey, card: SignedEnvelope? = nil) -> InvitationBody {
        do {
            return try Invitation.make(inviter: key, id: id, invitee: invitee, relationship: relationship, context: context, note: note,
                                       card: card ?? inviterCard, created: created, lifetime: lifetime, salt: salt)
        } catch { preconditionFailure("fixture invitation refused: \(error)") }
    }

    static var invitation: Invitation { try! Invitation(verifying: body()) }

    /// Terms signed as given, without the checks `InvitationTerms.signed` applies (for documents
    /// that must be refused).
    static func signRaw(_ payload: CBORValue, type: DocumentType = .invitation, key: Ed25519PrivateKey = inviterKey) -> [UInt8] {
        try! SignedEnvelope(signing: payload.encoded, type: type, formatVersion: 1, with: key).encoded
    }

    /// The fixture terms as a map, to break one field at a time.
    static var termsFields: [String: CBORValue] {
        let envelope = try! SignedEnvelope(verifying: body().document)
        guard case .map(let entries) = try! CBORValue(canonical: envelope.payload) else { preconditionFailure() }
        return entries
    }

    /// An invitation body whose terms are `edit`ed and re-signed by `key`, with the fixture note, salt and card.
    static func edited(key: Ed25519PrivateKey = inviterKey, _ edit: (inout [String: CBORValue]) -> Void) -> InvitationBody {
        var fields = termsFields
        edit(&fields)
        let good = body()
        return InvitationBody(document: signRaw(.map(fields), key: key), note: good.note, salt: good.salt, card: good.card)
    }

    /// The invitee's acceptance of the fixture invitation at `accepted`.
    static func connection(accepted: UInt64 = created + 60_000) -> Connection {
        try! Connection.accept(invitation.signed, accepted: accepted, with: inviteeKey)
    }
}
