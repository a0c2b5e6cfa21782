import Logging
import VouchAdmin
import VouchCrypto
import VouchProtocol
import VouchStore

/// Carries out a lifecycle machine's actions: the durable ones (outbox rows, the connection
/// record, a block) inside the transaction that saves the machine's new state, and the rest
/// (waking the outbox worker, events for scripts) collected here to run after the commit, so
/// nothing is announced that a crash could undo.
struct InvitationEffects: Sendable {
    /// This node's card for connections, sent to the other side when a connection is recorded
    /// (Protocol/invitations.md §4.1: profiles travel as ordinary `card` deliveries, not in the record).
    var connectionCard: (delivery: Delivery, version: UInt64)?
    var queued: [OutboxEntry] = []
    var events: [(NodeEventType, [String: JSONValue])] = []

    init(connectionCard: (delivery: Delivery, version: UInt64)? = nil) { self.connectionCard = connectionCard }

    mutating func apply(_ actions: [InvitationRecipientMachine.Action], received stored: StoredReceivedInvitation,
                        ledger: InvitationLedger, outbox: Outbox, now: UInt64) throws {
        let m = stored.machine, peer = m.inviter
        let data = InvitationService.eventData(handle: stored.handle, id: m.invitation.terms.id, peer: peer, side: "received")
        for action in actions {
            switch action {
            case .send(let delivery, let receiver):
                try send(delivery, to: receiver, invitationExpires: m.invitation.terms.expires, ledger: ledger, outbox: outbox, now: now)
            case .recordConnection(let connection):
                try recordAndSendCard(connection, peer: peer, visibility: stored.visibility, ledger: ledger, outbox: outbox, now: now)
            case .dropConnection(let connection): try drop(connection, peer: peer, ledger: ledger)
            case .block(let node):
                try ledger.block(node, now: now)
                events.append((.nodeBlocked, ["node": .string(node.description)]))
            case .event(let event): Self.eventType(event).map { events.append(($0, data)) }
            case .ignore: break
            case .refuse(let error): throw error
            }
        }
    }

    mutating func apply(_ actions: [InvitationSenderMachine.Action], sent stored: StoredSentInvitation,
                        ledger: InvitationLedger, outbox: Outbox, now: UInt64) throws {
        let m = stored.machine, peer = m.invitee
        let data = InvitationService.eventData(handle: stored.handle, id: m.invitation.terms.id, peer: peer, side: "sent")
        for action in actions {
            switch action {
            case .send(let delivery, let receiver):
                try send(delivery, to: receiver, invitationExpires: m.invitation.terms.expires, ledger: ledger, outbox: outbox, now: now)
            case .recordConnection(let connection):
                try recordAndSendCard(connection, peer: peer, visibility: stored.visibility, ledger: ledger, outbox: outbox, now: now)
            case .event(let event): Self.eventType(event).map { events.append(($0, data)) }
            case .ignore: break
            case .refuse(let error): throw error
            }
        }
    }

    mutating func apply(_ actions: [IntroducerMachine.Action], introduction stored: StoredIntroductionRequest,
                        ledger: InvitationLedger, outbox: Outbox, now: UInt64) throws {
        let m = stored.machine, data = IntroductionService.eventData(handle: stored.handle, m)
        for action in actions {
            switch action {
            case .send(let delivery, let receiver):
                try send(delivery, to: receiver, invitationExpires: m.request.terms.expires, ledger: ledger, outbox: outbox, now: now)
            case .event(let event): events.append((Self.eventType(event), data))
            case .ignore: break
            case .refuse(let error): throw error
            }
        }
    }

    /// Records the connection and queues this node's card for connections to the peer. A peer
    /// whose address is not known yet (the requester of an introduction learns the target's from
    /// its first card) gets the card from the next `shareProfile` once it is known.
    /// `visibility` is who the owner lets learn of it (nil: the default); `DisclosureService`
    /// signs and sends the statement.
    private mutating func recordAndSendCard(_ connection: Connection, peer: NodeID, visibility: Visibility?, ledger: InvitationLedger,
                                            outbox: Outbox, now: UInt64) throws {
        let card = try ledger.learnPeerFromCard(peer, now: now) ? connectionCard : nil
        try ledger.record(connection, peer: peer, cardVersion: card?.version ?? 0, now: now)
        try ledger.chooseVisibility(visibility ?? .default, connection: connection.id)
        events.append((.connectionMade, Self.connectionData(connection, peer: peer)))
        if let card { try send(card.delivery, to: peer, invitationExpires: now, ledger: ledger, outbox: outbox, now: now) }
    }

    /// Logs why a message changed nothing (`ignore`): the peer gets the same `ack` either way.
    func log(_ actions: [InvitationRecipientMachine.Action], logger: Logger) {
        for case .ignore(let why) in actions { logger.debug("invitation message ignored", metadata: ["reason": .string(why)]) }
    }

    func log(_ actions: [IntroducerMachine.Action], logger: Logger) {
        for case .ignore(let why) in actions { logger.debug("introduction message ignored", metadata: ["reason": .string(why)]) }
    }

    /// After the commit.
    func publish(outbox: Outbox, publish: @Sendable (NodeEventType, [String: JSONValue]) -> Void) {
        outbox.queued(queued)
        for (type, data) in events { publish(type, data) }
    }

    private mutating func send(_ delivery: Delivery, to peer: NodeID, invitationExpires: UInt64, ledger: InvitationLedger,
                               outbox: Outbox, now: UInt64) throws {
        // A question or a reply means nothing after the invitation expires; the rest settle
        // whether a connection exists and live 30 days (Protocol/invitations.md §5).
        let expiresAt: UInt64 = switch delivery {
        case .invitationQuestion, .invitationReply, .invitation, .introductionRequest, .introductionOffer, .introductionQuestion,
             .introductionReply, .introductionForwarded, .introductionNotForwarded:
            max(invitationExpires, now + 1)
        case .invitationWithdrawal, .acceptance, .connectionRemoval, .introductionWithdrawal, .introductionOutcome, .visibility:
            now + InvitationService.settlingLifetime
        case .card: now + CardService.lifetime
        }
        let entry = outbox.entry(delivery, to: peer, now: now, expiresAt: expiresAt)
        try ledger.enqueue(entry)
        queued.append(entry)
    }

    private mutating func drop(_ connection: Connection, peer: NodeID, ledger: InvitationLedger) throws {
        if try ledger.dropConnection(id: connection.id) {
            events.append((.connectionRemoved, Self.connectionData(connection, peer: peer)))
        }
    }

    static func connectionData(_ connection: Connection, peer: NodeID) -> [String: JSONValue] {
        ["connection": .string(Hex.encode(connection.id)), "peer": .string(peer.description)]
    }

    static func eventType(_ event: IntroductionEvent) -> NodeEventType {
        switch event {
        case .received: .introductionReceived
        case .forwarded: .introductionForwarded
        case .notForwarded: .introductionNotForwarded
        case .withdrawn: .introductionWithdrawn
        case .expired: .introductionExpired
        case .relayed: .introductionRelayed
        case .accepted: .introductionAccepted
        }
    }

    /// `connected` is told by `connection.made`, which the record itself publishes.
    static func eventType(_ event: InvitationEvent) -> NodeEventType? {
        switch event {
        case .received: .invitationReceived
        case .questionAsked: .invitationQuestionAsked
        case .questionReceived: .invitationQuestionReceived
        case .replied: .invitationReplied
        case .replyReceived: .invitationReplyReceived
        case .accepted: .invitationAccepted
        case .declined: .invitationDeclined
        case .reportedSpam: .invitationReportedSpam
        case .withdrawn: .invitationWithdrawn
        case .expired: .invitationExpired
        case .connected: nil
        case .forwarded: .introductionForwarded
        case .notForwarded: .introductionNotForwarded
        }
    }
}
