import Testing
import VouchCrypto
@testable import VouchProtocol

/// Fixed parties and documents for the introduction tests and vectors (Protocol/introductions.md).
/// The requester (Carol) is RFC 8032 test key 1 and the target (Alice) key 2, as the inviter and
/// invitee of `InvitationFixtures`, so the request is the fixture invitation plus an introducer;
/// the introducer (Bob) is key 3, and a stranger is the key of RFC 8032's "TEST 1024".
enum IntroductionFixtures {
    static let requesterKey = FixedKeys.key1
    static let targetKey = FixedKeys.key2
    static let introducerKey = FixedKeys.key3
    /// RFC 8032 §7.1 "TEST 1024": a fourth party, in no role.
    static let strangerSeed = hex("f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5")
    static let strangerPublic = hex("278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e")
    static var strangerKey: Ed25519PrivateKey { FixedKeys.key(strangerSeed) }

    static let requester = NodeID(publicKey: requesterKey.publicKey)
    static let target = NodeID(publicKey: targetKey.publicKey)
    static let introducer = NodeID(publicKey: introducerKey.publicKey)
    static let stranger = NodeID(publicKey: strangerKey.publicKey)

    static let created = InvitationFixtures.created
    static var expires: UInt64 { created + InvitationFixtures.lifetime }
    static let id = InvitationFixtures.id
    static let salt = InvitationFixtures.salt
    /// The requester's note to the target, committed in the invitation.
    static let noteToTarget = "Dear Alice, Bob tells me you run the loom archive; I am writing a history of punched cards and would value your advice."
    /// The requester's note to the introducer, in the request only.
    static let noteToIntroducer = "Bob, could you introduce me to Alice? I'd like her advice on the punched-card chapter."
    /// The introducer's signed note to the target.
    static let introducerNote = "Alice, Carol worked with me at the Analytical Society for three years; I vouch for her. You two should talk about looms."
    /// When the introducer forwards: a minute after the request was made.
    static var forwardedAt: UInt64 { created + 60_000 }

    static var requesterCard: SignedEnvelope { InvitationFixtures.inviterCard }

    /// The requester's invitation for the target naming `introducer` (format 2), as it travels
    /// in `introduction-request` and `introduction-offer`.
    static func body(id: InvitationID = id, invitee: NodeID = target, introducer: NodeID = introducer, relationship: Relationship = .colleague,
                     context: String? = "we both study the Jacquard loom", note: String = noteToTarget, created: UInt64 = created,
                     key: Ed25519PrivateKey = requesterKey) -> InvitationBody {
        do {
            return try Invitation.make(inviter: key, id: id, invitee: invitee, relationship: relationship, context: context,
                                       introducer: introducer, note: note, card: requesterCard, created: created,
                                       lifetime: InvitationFixtures.lifetime, salt: salt)
        } catch { preconditionFailure("fixture request refused: \(error)") }
    }

    static var request: Invitation { try! Invitation(verifying: body()) }

    static var requestBody: IntroductionRequestBody { IntroductionRequestBody(invitation: body(), note: noteToIntroducer) }

    /// The introducer's signed note over the fixture request.
    static func introduction(created: UInt64 = forwardedAt, note: String = introducerNote,
                             for invitation: SignedInvitation = request.signed) -> SignedIntroduction {
        try! SignedIntroduction.make(for: invitation, note: note, created: created, with: introducerKey)
    }

    static var offer: IntroductionOfferBody {
        IntroductionOfferBody(invitation: body(), introduction: introduction().envelope.encoded)
    }

    /// The target's acceptance (format 2) of the fixture request at `accepted`.
    static func connection(accepted: UInt64 = created + 120_000) -> Connection {
        try! Connection.accept(request.signed, introduction: introduction(), accepted: accepted, with: targetKey)
    }

    static var reference: IntroductionReference { IntroductionReference(requester: requester, request: id) }

    /// `payload` signed as given, as a `type` document of `format`, without any check.
    static func signRaw(_ payload: CBORValue, type: DocumentType, format: UInt64, key: Ed25519PrivateKey) -> [UInt8] {
        try! SignedEnvelope(signing: payload.encoded, type: type, formatVersion: format, with: key).encoded
    }

    /// The fixture request's terms as a map, to break one field at a time.
    static var termsFields: [String: CBORValue] {
        let envelope = try! SignedEnvelope(verifying: body().document)
        guard case .map(let entries) = try! CBORValue(canonical: envelope.payload) else { preconditionFailure() }
        return entries
    }

    /// A request body whose terms are `edit`ed and re-signed as `format` by `key`, with the fixture note, salt and card.
    static func edited(format: UInt64 = 2, key: Ed25519PrivateKey = requesterKey, _ edit: (inout [String: CBORValue]) -> Void) -> InvitationBody {
        var fields = termsFields
        edit(&fields)
        let good = body()
        return InvitationBody(document: signRaw(.map(fields), type: .invitation, format: format, key: key), note: good.note,
                              salt: good.salt, card: good.card)
    }

    /// Who a node is in the introduction, for vector action names and test messages.
    static func role(_ node: NodeID) -> String {
        switch node {
        case requester: "requester"
        case target: "target"
        case introducer: "introducer"
        default: "stranger"
        }
    }
}
