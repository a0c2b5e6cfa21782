/// Message types of protocol version 1 (Protocol/transport.md §5).
///
/// A closed set on purpose: every switch over it (the body decoder, the session's routing, the
/// node's effects) is exhaustive and has no `default:`, so adding a type makes the compiler name
/// every place that must learn about it.
public enum WireMessageType: String, Sendable, CaseIterable {
    /// A liveness and latency probe; answered by `pong`. Body: empty map.
    case ping
    /// The answer to `ping`. Body: empty map.
    case pong
    /// A failure answer to the message named in `reply_to`. Body: {code, message}.
    case error
    /// Receipt of the message named in `reply_to`: it was stored and will not be processed
    /// again. The sender's outbox deletes it. Body: empty map.
    case ack
    /// A signed profile card shared with the recipient. Body: {document: bytes}. Answered by `ack`.
    case card
    /// An invitation to connect: the inviter's signed terms, note and card
    /// (Protocol/invitations.md). Body: {document, note, salt, card}. Answered by `ack`.
    case invitation
    /// The invitee asks the inviter for context. Body: {invitation, note}. Answered by `ack`.
    case invitationQuestion = "invitation-question"
    /// The inviter answers a question. Body: {invitation, note}. Answered by `ack`.
    case invitationReply = "invitation-reply"
    /// The inviter takes an invitation back. Body: {invitation}. Answered by `ack`.
    case invitationWithdrawal = "invitation-withdrawal"
    /// The invitee's signed acceptance, the connection record. Body: {document}. Answered by `ack`.
    case acceptance
    /// A signed removal of a connection, by either side. Body: {document}. Answered by `ack`.
    case connectionRemoval = "connection-removal"
    /// A requester asks a connection to introduce them to someone (Protocol/introductions.md).
    /// Body: {invitation, note}. Answered by `ack`.
    case introductionRequest = "introduction-request"
    /// The introducer passed the request on. Body: {requester, request}. Answered by `ack`.
    case introductionForwarded = "introduction-forwarded"
    /// The introducer did not pass the request on. Body: {requester, request, ? note}. Answered by `ack`.
    case introductionNotForwarded = "introduction-not-forwarded"
    /// The introducer offers the introduction to its target. Body: {invitation, introduction}. Answered by `ack`.
    case introductionOffer = "introduction-offer"
    /// The target asks for context, through the introducer. Body: {requester, request, note}. Answered by `ack`.
    case introductionQuestion = "introduction-question"
    /// The requester answers, through the introducer. Body: {requester, request, note}. Answered by `ack`.
    case introductionReply = "introduction-reply"
    /// The requester takes the request back, through the introducer. Body: {requester, request}. Answered by `ack`.
    case introductionWithdrawal = "introduction-withdrawal"
    /// The target tells the introducer it accepted, if it chose to. Body: {requester, request}. Answered by `ack`.
    case introductionOutcome = "introduction-outcome"
    /// One side's signed visibility of a connection, and its mutual token (Protocol/disclosure.md).
    /// Body: {document, token}. Answered by `ack`.
    case visibility
    /// "Which of your connections may I know of?" Body: {after}. Answered by `connections-answer`.
    case connectionsQuery = "connections-query"
    /// Body: {records, more}.
    case connectionsAnswer = "connections-answer"
    /// "Are you connected to this node, and may I know it?" Body: {target}. Answered by `introducer-answer`.
    case introducerQuery = "introducer-query"
    /// Body: {? record}.
    case introducerAnswer = "introducer-answer"
    /// One page of a private set intersection. Body: {query, page, elements}. Answered by `mutual-answer`.
    case mutualQuery = "mutual-query"
    /// Body: {elements, set, more}.
    case mutualAnswer = "mutual-answer"

    /// How a session treats a message of this type (Protocol/transport.md §5).
    public enum Kind: Sendable, Equatable {
        /// Answered at once by the session itself (`ping` → `pong`); never stored.
        case request
        /// Answered by the node with one reply (a disclosure query: Protocol/disclosure.md); never stored.
        case query
        /// Names the message it answers in `reply_to`; completes a waiting request and is never answered.
        case reply
        /// Travels through the sender's outbox, is processed at most once by the receiver's node, and
        /// is answered by `ack` once its effect is committed (or by `error`).
        case delivery
    }

    public var kind: Kind {
        switch self {
        case .ping: .request
        case .pong, .error, .ack, .connectionsAnswer, .introducerAnswer, .mutualAnswer: .reply
        case .connectionsQuery, .introducerQuery, .mutualQuery: .query
        case .card, .invitation, .invitationQuestion, .invitationReply, .invitationWithdrawal, .acceptance, .connectionRemoval,
             .introductionRequest, .introductionForwarded, .introductionNotForwarded, .introductionOffer, .introductionQuestion,
             .introductionReply, .introductionWithdrawal, .introductionOutcome, .visibility:
            .delivery
        }
    }

    /// Types a node must answer with `ack` (or `error`): the ones that travel through the outbox.
    public var isDelivery: Bool { kind == .delivery }
}
