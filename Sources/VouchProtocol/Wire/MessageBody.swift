/// A message's body, read and checked for its type (Protocol/transport.md §5): the one place that
/// knows each type's body shape. The session decodes every accepted message through it before
/// anything else looks at the body, so no later step sees an unchecked body.
public enum MessageBody: Sendable, Equatable {
    case ping
    case pong
    case ack
    case error(WireErrorBody)
    case delivery(Delivery)
    /// A disclosure query the node answers (`WireMessageType.Kind.query`).
    case query(Query)
    /// The answer to one.
    case answer(Answer)

    /// Reads `body` as the body of a `type` message; `invalid-body` when it is not that shape.
    public init(type: WireMessageType, body: CBORValue) throws(ProtocolError) {
        do {
            switch type {
            case .ping: try Self.requireEmpty(body, type); self = .ping
            case .pong: try Self.requireEmpty(body, type); self = .pong
            case .ack: try Self.requireEmpty(body, type); self = .ack
            case .error: self = .error(try WireErrorBody(body))
            case .card: self = .delivery(.card(try CardBody(body)))
            case .invitation: self = .delivery(.invitation(try InvitationBody(body)))
            case .invitationQuestion: self = .delivery(.invitationQuestion(try InvitationNoteBody(body)))
            case .invitationReply: self = .delivery(.invitationReply(try InvitationNoteBody(body)))
            case .invitationWithdrawal: self = .delivery(.invitationWithdrawal(try InvitationWithdrawalBody(body)))
            case .acceptance: self = .delivery(.acceptance(try SignedDocumentBody(body, context: "acceptance")))
            case .connectionRemoval: self = .delivery(.connectionRemoval(try SignedDocumentBody(body, context: "connection-removal")))
            case .introductionRequest: self = .delivery(.introductionRequest(try IntroductionRequestBody(body)))
            case .introductionForwarded:
                self = .delivery(.introductionForwarded(try IntroductionReferenceBody(body, context: type.rawValue)))
            case .introductionNotForwarded:
                self = .delivery(.introductionNotForwarded(try IntroductionNoteBody(body, context: type.rawValue, noteRequired: false)))
            case .introductionOffer: self = .delivery(.introductionOffer(try IntroductionOfferBody(body)))
            case .introductionQuestion:
                self = .delivery(.introductionQuestion(try IntroductionNoteBody(body, context: type.rawValue, noteRequired: true)))
            case .introductionReply:
                self = .delivery(.introductionReply(try IntroductionNoteBody(body, context: type.rawValue, noteRequired: true)))
            case .introductionWithdrawal:
                self = .delivery(.introductionWithdrawal(try IntroductionReferenceBody(body, context: type.rawValue)))
            case .introductionOutcome:
                self = .delivery(.introductionOutcome(try IntroductionReferenceBody(body, context: type.rawValue)))
            case .visibility: self = .delivery(.visibility(try VisibilityBody(body)))
            case .connectionsQuery: self = .query(.connections(try ConnectionsQueryBody(body)))
            case .connectionsAnswer: self = .answer(.connections(try ConnectionsAnswerBody(body)))
            case .introducerQuery: self = .query(.introducer(try IntroducerQueryBody(body)))
            case .introducerAnswer: self = .answer(.introducer(try IntroducerAnswerBody(body)))
            case .mutualQuery: self = .query(.mutual(try MutualQueryBody(body)))
            case .mutualAnswer: self = .answer(.mutual(try MutualAnswerBody(body)))
            }
        } catch let error as ProtocolError {
            throw error
        } catch {
            throw ProtocolError(.malformed, "\(type.rawValue) body: \(error)")
        }
    }

    public var type: WireMessageType {
        switch self {
        case .ping: .ping
        case .pong: .pong
        case .ack: .ack
        case .error: .error
        case .delivery(let delivery): delivery.type
        case .query(let query): query.type
        case .answer(let answer): answer.type
        }
    }

    /// The body as it goes on the wire.
    public var value: CBORValue {
        switch self {
        case .ping, .pong, .ack: .map([:])
        case .error(let body): body.value
        case .delivery(let delivery): delivery.value
        case .query(let query): query.value
        case .answer(let answer): answer.value
        }
    }

    /// Bodies of `ping`, `pong` and `ack` are the empty map: anything else is refused, so a
    /// later version that gives them content cannot be misread by this one.
    private static func requireEmpty(_ body: CBORValue, _ type: WireMessageType) throws(ProtocolError) {
        guard case .map(let entries) = body, entries.isEmpty else {
            throw ProtocolError(.invalidValue, "the body of \(type.rawValue) must be an empty map")
        }
    }
}

/// The body of a message that travels through the outbox and is acked (`WireMessageType.Kind.delivery`).
public enum Delivery: Sendable, Equatable {
    case card(CardBody)
    /// The inviter's signed terms, note and card (Protocol/invitations.md).
    case invitation(InvitationBody)
    /// The invitee asks the inviter for context.
    case invitationQuestion(InvitationNoteBody)
    /// The inviter answers a question.
    case invitationReply(InvitationNoteBody)
    /// The inviter takes an invitation back.
    case invitationWithdrawal(InvitationWithdrawalBody)
    /// The invitee's signed acceptance: the connection record.
    case acceptance(SignedDocumentBody)
    /// Either side's signed end of a connection.
    case connectionRemoval(SignedDocumentBody)
    /// Requester → introducer: the invitation for the target and a note to the introducer.
    case introductionRequest(IntroductionRequestBody)
    /// Introducer → requester: passed on.
    case introductionForwarded(IntroductionReferenceBody)
    /// Introducer → requester: not passed on, with the introducer's private note if any.
    case introductionNotForwarded(IntroductionNoteBody)
    /// Introducer → target: the requester's invitation and the introducer's signed note.
    case introductionOffer(IntroductionOfferBody)
    /// Target → introducer → requester: a context question.
    case introductionQuestion(IntroductionNoteBody)
    /// Requester → introducer → target: the answer.
    case introductionReply(IntroductionNoteBody)
    /// Requester → introducer → target: the request is taken back.
    case introductionWithdrawal(IntroductionReferenceBody)
    /// Target → introducer: accepted (only when the target chose to say so).
    case introductionOutcome(IntroductionReferenceBody)
    /// One side's signed visibility statement for a connection, with its mutual token.
    case visibility(VisibilityBody)

    public var type: WireMessageType {
        switch self {
        case .card: .card
        case .invitation: .invitation
        case .invitationQuestion: .invitationQuestion
        case .invitationReply: .invitationReply
        case .invitationWithdrawal: .invitationWithdrawal
        case .acceptance: .acceptance
        case .connectionRemoval: .connectionRemoval
        case .introductionRequest: .introductionRequest
        case .introductionForwarded: .introductionForwarded
        case .introductionNotForwarded: .introductionNotForwarded
        case .introductionOffer: .introductionOffer
        case .introductionQuestion: .introductionQuestion
        case .introductionReply: .introductionReply
        case .introductionWithdrawal: .introductionWithdrawal
        case .introductionOutcome: .introductionOutcome
        case .visibility: .visibility
        }
    }

    public var value: CBORValue {
        switch self {
        case .card(let body): body.value
        case .invitation(let body): body.value
        case .invitationQuestion(let body), .invitationReply(let body): body.value
        case .invitationWithdrawal(let body): body.value
        case .acceptance(let body), .connectionRemoval(let body): body.value
        case .introductionRequest(let body): body.value
        case .introductionOffer(let body): body.value
        case .introductionForwarded(let body), .introductionWithdrawal(let body), .introductionOutcome(let body): body.value
        case .introductionNotForwarded(let body), .introductionQuestion(let body), .introductionReply(let body): body.value
        case .visibility(let body): body.value
        }
    }
}

/// The body of a `card`: `{document: bytes}`, a signed `vouch.profile` document of either
/// audience, signed by anyone (a card may be passed on; its signature, not its sender, says whose it is).
public struct CardBody: Sendable, Equatable {
    public var document: [UInt8]

    public init(document: [UInt8]) { self.document = document }

    public init(_ value: CBORValue) throws {
        var fields = try CBORFields(value, context: "card")
        document = try fields.bytes("document")
        try fields.finish()
    }

    public var value: CBORValue { .map(["document": .bytes(document)]) }
}
