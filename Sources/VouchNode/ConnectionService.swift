import Logging
import VouchAdmin
import VouchCrypto
import VouchProtocol
import VouchStore

/// The connections this node holds (Protocol/invitations.md §4): listed and shown only to the
/// owner (no node reveals a connection to anyone else until the disclosure issue), exported as
/// the co-signed record, and ended by either side with a signed removal.
struct ConnectionService: Sendable {
    let identityKey: Ed25519PrivateKey
    let database: NodeDatabase
    let outbox: Outbox
    let logger: Logger
    let publish: @Sendable (NodeEventType, [String: JSONValue]) -> Void

    var identity: NodeID { NodeID(publicKey: identityKey.publicKey) }

    /// Newest first.
    func list() throws -> ConnectionListResponse {
        let names = try names()
        let all = try database.readInvitations { try $0.connectionVisibilities() }.sorted { $0.stored.connection.since > $1.stored.connection.since }
        return ConnectionListResponse(connections: all.map { info($0, names: names) })
    }

    func show(_ prefix: String) throws -> ConnectionShowResponse {
        let all = try database.readInvitations { try $0.connectionVisibilities() }
        let stored = try Self.find(prefix, in: all.map(\.stored))
        guard let c = all.first(where: { $0.stored.connection.id == stored.connection.id }) else { throw AdminError(.notFound, "no connection \(prefix)") }
        return ConnectionShowResponse(connection: info(c, names: try names()), record: DocumentArmor.armor(stored.connection.record.encoded))
    }

    /// The peer of the one connection `text` names: a node ID, or a prefix (at least 4
    /// characters) of its node ID or of the connection's id.
    static func connectionPeer(_ text: String, in database: NodeDatabase) throws -> NodeID {
        let wanted = text.lowercased()
        guard wanted.count >= 4 else {
            throw AdminError(.invalidParams, "name a connection by its node ID or a prefix of at least 4 characters (see `vouch connections`)")
        }
        let peers = Set(try database.readInvitations { try $0.connections() }.filter {
            $0.peer.description.lowercased().hasPrefix(wanted) || Hex.encode($0.connection.id).hasPrefix(wanted)
        }.map(\.peer))
        guard let first = peers.first else {
            throw AdminError(.notFound, "\(text) is not one of your connections (see `vouch connections`)")
        }
        guard peers.count == 1 else { throw AdminError(.ambiguous, "\(text) names \(peers.count) connections: type more of the ID") }
        return first
    }

    /// `connection.remove`: signs the removal, queues it, and drops the record, in one transaction.
    func remove(_ prefix: String) async throws -> ConnectionRemoveResponse {
        let now = Clock.nowMilliseconds()
        let key = identityKey, outbox = self.outbox
        let (stored, entry) = try await database.invitationTransaction { ledger -> (StoredConnection, OutboxEntry) in
            let stored = try Self.find(prefix, in: try ledger.connections())
            let removal = try ConnectionRemoval.sign(removing: stored.connection, at: now, with: key)
            let entry = outbox.entry(.connectionRemoval(SignedDocumentBody(document: removal.envelope.encoded)), to: stored.peer, now: now,
                                     expiresAt: now + InvitationService.settlingLifetime)
            try ledger.dropConnection(id: stored.connection.id)
            try ledger.enqueue(entry)
            return (stored, entry)
        }
        outbox.queued([entry])
        publish(.connectionRemoved, InvitationEffects.connectionData(stored.connection, peer: stored.peer))
        return ConnectionRemoveResponse(id: Hex.encode(stored.connection.id), peer: stored.peer.description, message: entry.messageID.description)
    }

    /// Queues this node's card for connections to every connection that has not had the current
    /// profile version yet: a profile change (made with `vouch profile set`, running node or not)
    /// reaches every connection through the outbox.
    func shareProfile() async throws {
        let profile = try database.profile()
        guard profile.version > 0 else { return }
        let version = profile.version, now = Clock.nowMilliseconds(), outbox = self.outbox
        let card = Delivery.card(CardBody(document: try profile.document(for: .connections).signed(with: identityKey).encoded))
        let entries = try await database.invitationTransaction { ledger -> [OutboxEntry] in
            try ledger.connectionsBehind(version: version).map { stored in
                let entry = outbox.entry(card, to: stored.peer, now: now, expiresAt: now + CardService.lifetime)
                try ledger.enqueue(entry)
                try ledger.markCardQueued(connection: stored.connection.id, version: version)
                return entry
            }
        }
        outbox.queued(entries)
    }

    /// `connection-removal`: verified (§4.5), signed by the peer that delivers it, of a connection
    /// with it; one this node does not hold is acked and nothing happens.
    func receiveRemoval(_ body: SignedDocumentBody, in message: WireMessage, from peer: NodeID) async throws {
        let removal = try ConnectionRemoval(verifying: body.document)
        guard removal.signer == peer else {
            throw ProtocolError(.signerMismatch, "the removal is signed by \(removal.signer.shortForm), delivered by \(peer.shortForm)")
        }
        let now = Clock.nowMilliseconds()
        let (_, removed) = try await database.receiveInvitationMessage(from: peer, message: message, nowMilliseconds: now) { ledger -> StoredConnection? in
            guard let stored = try ledger.connection(id: removal.connection) else { return nil }
            try removal.check(against: stored.connection)
            try ledger.dropConnection(id: stored.connection.id)
            return stored
        }
        if let removed = removed.flatMap({ $0 }) {
            logger.info("connection removed by the peer", metadata: ["peer": .string(peer.shortForm)])
            publish(.connectionRemoved, InvitationEffects.connectionData(removed.connection, peer: removed.peer))
        }
    }

    // MARK: Helpers

    /// The connection whose id starts with `prefix` (hex, at least 4 characters).
    static func find(_ prefix: String, in connections: [StoredConnection]) throws -> StoredConnection {
        let wanted = prefix.lowercased()
        guard wanted.count >= 4, wanted.allSatisfy(\.isHexDigit) else {
            throw AdminError(.invalidParams, "a connection is named by its id or a prefix of at least 4 hex characters (see `vouch connections`)")
        }
        let matches = connections.filter { Hex.encode($0.connection.id).hasPrefix(wanted) }
        guard let first = matches.first else { throw AdminError(.notFound, "no connection \(prefix): see `vouch connections`") }
        guard matches.count == 1 else { throw AdminError(.ambiguous, "\(prefix) names \(matches.count) connections: type more of the id") }
        return first
    }

    private func names() throws -> [NodeID: String] { try Self.names(in: database) }

    /// Names from the newest card held of each peer.
    static func names(in database: NodeDatabase) throws -> [NodeID: String] {
        var names: [NodeID: String] = [:]
        for card in try database.receivedCards() where names[card.signer] == nil {
            if let document = try? ProfileDocument(envelope: try SignedEnvelope(verifying: card.document)), let name = document.fields[.name] {
                names[card.signer] = name
            }
        }
        return names
    }

    private func info(_ v: ConnectionVisibility, names: [NodeID: String]) -> ConnectionInfo {
        let stored = v.stored, c = stored.connection
        return ConnectionInfo(id: Hex.encode(c.id), peer: stored.peer.description, shortID: stored.peer.shortForm, name: names[stored.peer],
                              relationship: (c.relationship(seenBy: identity) ?? c.relationship).rawValue, context: c.context,
                              since: NodeRuntime.isoTime(c.since), inviter: c.inviter.description, invitee: c.invitee.description,
                              introducedBy: c.introducedBy?.description, visibility: v.chosen.rawValue,
                              peerVisibility: v.peer?.level.rawValue, audience: v.audience.rawValue)
    }
}
