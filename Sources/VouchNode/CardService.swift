import Logging
import VouchAdmin
import VouchCrypto
import VouchProtocol
import VouchStore

/// Profile cards (Protocol/transport.md §5, `card`): this node's card sent to others through the
/// outbox, and the cards others share with it: verified, stored under their signer by the profile
/// version rule at most once per message, listed for the owner.
struct CardService: Sendable {
    /// A card lives 7 days in the outbox (transport.md §5).
    static let lifetime: UInt64 = 7 * 24 * 3600 * 1000

    let identityKey: Ed25519PrivateKey
    let database: NodeDatabase
    let outbox: Outbox
    let logger: Logger
    let publish: @Sendable (NodeEventType, [String: JSONValue]) -> Void

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
        publish(.cardReceived, ["signer": .string(envelope.signer.description), "from": .string(peer.description),
                                  "version": .uint(profile.version), "stored": .bool(stored)])
    }

    /// Queues this node's card for everyone to `address`.
    func send(to address: NodeAddress) throws -> CardSendResponse {
        guard address.id.publicKey != identityKey.publicKey else {
            throw AdminError(.ownAddress, "\(address.id.shortForm) is this node's own ID: a node does not send its card to itself")
        }
        let profile = try database.profile()
        guard profile.version > 0 else {
            throw AdminError(.emptyProfile, "the profile is empty: set it first with `vouch profile set`")
        }
        let envelope = try profile.document(for: .everyone).signed(with: identityKey)
        let entry = try outbox.queue(.card(CardBody(document: envelope.encoded)), to: address, lifetime: Self.lifetime)
        return CardSendResponse(message: entry.messageID.description, peer: address.id.description, version: profile.version,
                                expiresAt: NodeRuntime.isoTime(entry.expiresAt))
    }

    /// The cards received, newest first, each re-verified for display.
    func list() throws -> CardListResponse {
        let cards = try database.receivedCards().map { card in
            let document = (try? SignedEnvelope(verifying: card.document)).flatMap { try? ProfileDocument(envelope: $0) }
            return ReceivedCardInfo(
                signer: card.signer.description, shortID: card.signer.shortForm, audience: card.audience.rawValue,
                version: card.version, receivedAt: NodeRuntime.isoTime(card.receivedAt), from: card.sender.description,
                fields: document.map { Dictionary(uniqueKeysWithValues: $0.fields.map { ($0.key.rawValue, $0.value) }) },
                endpoints: document.map { $0.endpoints.map(\.description) })
        }
        return CardListResponse(cards: cards)
    }
}
