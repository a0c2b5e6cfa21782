import Logging
import VouchAdmin
import VouchProtocol
import VouchStore

/// Profile cards other nodes share with this one (Protocol/transport.md §5, `card`): verifies
/// the signed document, stores it under its signer by the profile version rule, at most once per
/// message, and tells the admin event stream.
struct CardService: Sendable {
    let database: NodeDatabase
    let logger: Logger
    let publish: @Sendable (String, [String: JSONValue]) -> Void

    /// Throws `ProtocolError` for a card that must be refused (`invalid-body` on the wire).
    func receive(_ body: CardBody, in message: WireMessage, from peer: NodeID) async throws {
        let envelope = try SignedEnvelope(verifying: body.document)
        let profile = try ProfileDocument(envelope: envelope)
        let (outcome, result) = try await database.receiveCard(envelope, document: profile, from: peer, message: message,
                                                               nowMilliseconds: Clock.nowMilliseconds())
        guard outcome == .processed else {
            logger.debug("duplicate delivery acknowledged again", metadata: ["message": .string(message.id.description)])
            return
        }
        let stored = result == .stored
        logger.info("card received", metadata: ["signer": .string(envelope.signer.shortForm), "version": .stringConvertible(profile.version),
                                                "stored": .stringConvertible(stored)])
        publish("card.received", ["signer": .string(envelope.signer.description), "from": .string(peer.description),
                                  "version": .uint(profile.version), "stored": .bool(stored)])
    }
}
