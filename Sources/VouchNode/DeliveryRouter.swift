import Logging
import VouchProtocol
import VouchStore

/// Hands each delivery (a message that is acked: `WireMessageType.Kind.delivery`) to the service
/// that owns its type, and turns the outcome into the reply: `ack` once the effect is committed
/// (or was before), `error` when it is refused. The switch is exhaustive with no `default:`, so a
/// new delivery type does not compile until it is routed here.
struct DeliveryRouter: Sendable {
    let cards: CardService
    let logger: Logger

    func handle(_ delivery: Delivery, in message: WireMessage, from peer: NodeID) async -> MessageBody {
        do {
            switch delivery {
            case .card(let body): try await cards.receive(body, in: message, from: peer)
            // The invitation flow (Protocol/invitations.md) is specified and read by VouchProtocol,
            // but this version of the node has no service for it yet (issue 11): it answers as a
            // node that does not know these types does, so a sender's outbox drops them at once
            // instead of retrying for weeks. Each case moves to its service when that lands.
            case .invitation, .invitationQuestion, .invitationReply, .invitationWithdrawal, .acceptance, .connectionRemoval:
                return .error(WireErrorBody(code: .unknownType, message: "\(delivery.type.rawValue) is not handled by this node yet"))
            }
            return .ack
        } catch let error as ProtocolError {
            logger.notice("refused a delivery", metadata: ["peer": .string(peer.shortForm), "type": .string(delivery.type.rawValue),
                                                           "error": .string(UntrustedText.escaped(error.message))])
            return .error(WireErrorBody(code: .invalidBody, message: "\(error.code): \(error.message)"))
        } catch {
            logger.error("failed to store a delivery", metadata: ["peer": .string(peer.shortForm), "type": .string(delivery.type.rawValue),
                                                                  "error": .string(UntrustedText.escaped("\(error)"))])
            return .error(WireErrorBody(code: .internal, message: "the receiving node failed to store the message"))
        }
    }
}
