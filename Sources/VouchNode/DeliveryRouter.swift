import Logging
import Synchronization
package import VouchProtocol
import VouchStore
import VouchCrypto

/// Hands each delivery (a message that is acked: `WireMessageType.Kind.delivery`) to the service
/// that owns its type, and turns the outcome into the reply: `ack` once the effect is committed
/// (or was before), `error` when it is refused. The switch is exhaustive with no `default:`, so a
/// new delivery type does not compile until it is routed here.
package struct DeliveryRouter: Sendable {
    let cards: CardService
    let invitations: InvitationService
    let introductions: IntroductionService
    let disclosure: DisclosureService
    let connections: ConnectionService
    let database: NodeDatabase
    let logger: Logger
    /// Invitations per sender and per source address (`InvitationRateLimit`).
    let invitationRate = InvitationRateGate()

    /// `source` is the peer's IP address (nil if unknown): what the per-address rate limit counts.
    package func handle(_ delivery: Delivery, in message: WireMessage, from peer: NodeID, source: String?) async -> MessageBody {
        // Before any other check, and the same for every sender (blocked or not).
        if delivery.opensAThread, !invitationRate.admit(sender: peer, source: source) {
            logger.info("invitation rate limit reached", metadata: ["peer": .string(peer.shortForm)])
            return .error(WireErrorBody(code: .busy, message: "too many invitations from this node or address; try again later"))
        }
        do {
            // A blocked node's cards, invitations, questions and replies are acked and dropped:
            // the same answer as for anyone, so it cannot tell it is blocked. What settles
            // state the owner started (an acceptance, a withdrawal, a removal) still counts.
            switch delivery {
            case .card, .invitation, .invitationQuestion, .invitationReply, .introductionRequest, .introductionOffer,
                 .introductionQuestion, .introductionReply:
                if try database.isBlocked(peer) {
                    logger.info("dropped a message from a blocked node", metadata: ["peer": .string(peer.shortForm), "type": .string(delivery.type.rawValue)])
                    return .ack
                }
            case .invitationWithdrawal, .acceptance, .connectionRemoval, .introductionForwarded, .introductionNotForwarded,
                 .introductionWithdrawal, .introductionOutcome, .visibility:
                break
            }
            switch delivery {
            case .card(let body): try await cards.receive(body, in: message, from: peer)
            case .invitation(let body): try await invitations.receive(body, in: message, from: peer)
            case .invitationQuestion(let body): try await invitations.receiveQuestion(body, in: message, from: peer)
            case .invitationReply(let body): try await invitations.receiveReply(body, in: message, from: peer)
            case .invitationWithdrawal(let body): try await invitations.receiveWithdrawal(body, in: message, from: peer)
            case .acceptance(let body): try await invitations.receiveAcceptance(body, in: message, from: peer)
            case .connectionRemoval(let body): try await connections.receiveRemoval(body, in: message, from: peer)
            case .introductionRequest(let body): try await introductions.receiveRequest(body, in: message, from: peer)
            case .introductionForwarded(let body):
                try await introductions.receiveAnswer(forwarded: true, body.reference, note: nil, in: message, from: peer)
            case .introductionNotForwarded(let body):
                try await introductions.receiveAnswer(forwarded: false, body.reference, note: body.note, in: message, from: peer)
            case .introductionOffer(let body): try await introductions.receiveOffer(body, in: message, from: peer)
            case .introductionQuestion(let body): try await introductions.receiveQuestion(body, in: message, from: peer)
            case .introductionReply(let body): try await introductions.receiveReply(body, in: message, from: peer)
            case .introductionWithdrawal(let body): try await introductions.receiveWithdrawal(body, in: message, from: peer)
            case .introductionOutcome(let body): try await introductions.receiveOutcome(body, in: message, from: peer)
            case .visibility(let body): try await disclosure.receive(body, in: message, from: peer)
            }
            return .ack
        } catch let error as ProtocolError {
            logger.notice("refused a delivery", metadata: ["peer": .string(peer.shortForm), "type": .string(delivery.type.rawValue),
                                                           "error": .string(UntrustedText.escaped(error.message))])
            return .error(WireErrorBody(code: .invalidBody, message: "\(error.code): \(error.message)"))
        } catch let error as StoreError where error.code == .busy {
            // Too many deliveries wait for the database (`GroupCommit`): nothing was stored, the
            // peer's outbox tries again later.
            logger.notice("delivery refused: the database is busy", metadata: ["peer": .string(peer.shortForm), "type": .string(delivery.type.rawValue)])
            return .error(WireErrorBody(code: .busy, message: "the receiving node is busy; try again later"))
        } catch {
            logger.error("failed to store a delivery", metadata: ["peer": .string(peer.shortForm), "type": .string(delivery.type.rawValue),
                                                                  "error": .string(UntrustedText.escaped("\(error)"))])
            return .error(WireErrorBody(code: .internal, message: "the receiving node failed to store the message"))
        }
    }
}

extension Delivery {
    /// The deliveries that put something new in an owner's inbox: the invitation rate limits
    /// (Protocol/invitations.md §6) count them, whoever sends them.
    fileprivate var opensAThread: Bool {
        switch self {
        case .invitation, .introductionRequest, .introductionOffer: true
        case .card, .invitationQuestion, .invitationReply, .invitationWithdrawal, .acceptance, .connectionRemoval,
             .introductionForwarded, .introductionNotForwarded, .introductionQuestion, .introductionReply, .introductionWithdrawal,
             .introductionOutcome, .visibility: false
        }
    }
}

/// The node's one `InvitationRateLimit`, shared by every session.
final class InvitationRateGate: Sendable {
    private let limit = PThreadLocked(InvitationRateLimit())

    func admit(sender: NodeID, source: String?) -> Bool {
        let now = ContinuousClock.now - ContinuousClock.Instant.zeroReference
        return limit.withLock { $0.admit(sender: sender, source: source, now: now) }
    }
}

extension ContinuousClock.Instant {
    /// A fixed instant to measure monotonic time from.
    fileprivate static let zeroReference = ContinuousClock.now
}
