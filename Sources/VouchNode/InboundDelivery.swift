import Logging
package import VouchProtocol
import VouchAdmin
import VouchStore

extension NodeRuntime {
    /// Processes a delivery (a message that is acked) at most once and returns the reply: `ack`
    /// when it is stored (or was before), `error` when it is refused. The ack is sent only after
    /// the database commit, so an acked message is never lost.
    package func deliver(_ message: WireMessage, from peer: NodeID) async -> WireMessage {
        do {
            switch message.knownType {
            case .card?:
                return try receiveCard(message, from: peer)
            default:
                return errorReply(to: message, from: peer, .unknownType, "\(message.type) is not a delivery")
            }
        } catch let error as ProtocolError {
            logger.notice("refused a delivery", metadata: ["peer": .string(peer.shortForm), "error": .string(error.message)])
            return errorReply(to: message, from: peer, .invalidBody, error.message)
        } catch {
            logger.error("failed to store a delivery", metadata: ["peer": .string(peer.shortForm), "error": .string("\(error)")])
            return errorReply(to: message, from: peer, .internal, "the receiving node failed to store the message")
        }
    }

    private func receiveCard(_ message: WireMessage, from peer: NodeID) throws -> WireMessage {
        var body = try CBORFields(message.body, context: "card")
        let document = try body.bytes("document")
        try body.finish()
        let envelope = try SignedEnvelope(verifying: document)
        let profile = try ProfileDocument(envelope: envelope)
        let (outcome, result) = try database.receiveCard(envelope, document: profile, from: peer, message: message,
                                                         nowMilliseconds: Clock.nowMilliseconds())
        if outcome == .processed {
            let stored = result == .stored
            logger.info("card received", metadata: ["signer": .string(envelope.signer.shortForm), "version": .stringConvertible(profile.version),
                                                    "stored": .stringConvertible(stored)])
            publish("card.received", ["signer": .string(envelope.signer.description), "from": .string(peer.description),
                                      "version": .int(Int64(profile.version)), "stored": .bool(stored)])
        } else {
            logger.debug("duplicate delivery acknowledged again", metadata: ["message": .string(message.id.description)])
        }
        return makeMessage(type: .ack, to: peer, replyTo: message.id)
    }

    func errorReply(to message: WireMessage, from peer: NodeID, _ code: WireErrorCode, _ text: String) -> WireMessage {
        makeMessage(type: .error, to: peer, replyTo: message.id, body: WireErrorBody(code: code, message: text).value)
    }
}
