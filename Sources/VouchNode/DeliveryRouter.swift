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
