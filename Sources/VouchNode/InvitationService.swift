import Logging
import VouchAdmin
import VouchCrypto
import VouchProtocol
import VouchStore

/// The invitation flow on this node (Protocol/invitations.md): the owner's commands and the
/// peers' messages, each run through the pure lifecycle machine of its side
/// (`InvitationSenderMachine`, `InvitationRecipientMachine`) inside ONE store transaction that
/// also holds the connection record and the outbox rows of what the machine sends. After the
/// commit, the worker is woken and the events are published (`InvitationEffects`).
struct InvitationService: Sendable {
    /// Withdrawals and acceptances live 30 days: they settle whether a connection exists and must
    /// reach a node that was offline at expiry (§5).
    static let settlingLifetime: UInt64 = 30 * 24 * 3_600_000

    let identityKey: Ed25519PrivateKey
    let database: NodeDatabase
    /// For the endpoint to suggest when the profile names none.
    let config: NodeConfig
    let outbox: Outbox
    let logger: Logger
    let publish: @Sendable (NodeEventType, [String: JSONValue]) -> Void

    var identity: NodeID { NodeID(publicKey: identityKey.publicKey) }

    // MARK: The owner's commands

    /// `invitation.send`: signs the terms over the note and queues the invitation.
    func send(_ request: InvitationSendRequest) async throws -> InvitationSendResponse {
        let address = try NodeRuntime.address(request.address)
        guard address.id != identity else {
            throw AdminError(.ownAddress, "\(address.id.shortForm) is this node's own ID: you cannot invite yourself")
        }
        let visibility = try Self.visibility(request.visibility)
        let (body, machine) = try makeInvitation(to: address.id, introducer: nil, relationship: request.relationship,
                                                 context: request.context, note: request.note)
        let now = machine.invitation.terms.created
        let entry = outbox.entry(.invitation(body), to: address.id, now: now, expiresAt: machine.invitation.terms.expires)
        let note = request.note
        let handle = try await database.invitationTransaction { ledger -> Int64 in
            if try ledger.isConnected(to: address.id) {
                throw AdminError(.alreadyConnected, "you are already connected with \(address.id.shortForm)")
            }
            if let theirs = try ledger.pendingReceived(from: address.id, now: now),
               InvitationCrossing.beforeInviting(theirsPending: true) == .acceptTheirsInstead {
                throw AdminError(.invitationPending, "\(address.id.shortForm) already invited you: `vouch accept \(theirs.handle)` makes the connection")
            }
            if let ours = try ledger.pendingSent(to: address.id, now: now) {
                throw AdminError(.alreadyInvited, "your invitation \(ours.handle) to \(address.id.shortForm) is still pending")
            }
            try ledger.rememberPeer(address, now: now)
            let handle = try ledger.insertSent(machine, note: note, visibility: visibility, now: now)
            try ledger.enqueue(entry)
            return handle
        }
        outbox.queued([entry])
        publish(.invitationSent, Self.eventData(handle: handle, id: machine.invitation.terms.id, peer: address.id, side: "sent"))
        return InvitationSendResponse(handle: handle, invitation: machine.invitation.terms.id.description, invitee: address.id.description,
                                      relationship: machine.invitation.terms.relationship.rawValue, context: request.context,
                                      expiresAt: NodeRuntime.isoTime(machine.invitation.terms.expires), message: entry.messageID.description)
    }

    /// Signs an invitation to `invitee` (naming `introducer` for an introduction request) over
    /// the owner's everyone card, after the checks every invitation needs: a valid relationship,
    /// note and context, and a profile that says who asks and where to answer.
    func makeInvitation(to invitee: NodeID, introducer: NodeID?, relationship name: String, context: String?,
                        note: String) throws -> (InvitationBody, InvitationSenderMachine) {
        let relationship: Relationship
        do {
            relationship = try Relationship(name: name)
            try InvitationText.validateNote(note)
            if let context { try InvitationText.validateContext(context) }
        } catch {
            throw AdminError(.invalidParams, error.message)
        }
        let profile = try database.profile()
        guard profile.version > 0 else {
            throw AdminError(.emptyProfile, "the profile is empty: set it first with `vouch profile set`, the invitee sees your card")
        }
        guard !profile.endpoints.isEmpty else {
            let suggested = (try? NodeRuntime.shareableAddress(id: identity, config: config).endpoint.description) ?? "HOST:PORT"
            throw AdminError(.noEndpoint, "your profile names no endpoint, so the invitee's node could not answer: add the address others reach you at, for example `vouch profile set --endpoint \(suggested)`")
        }
        let card = try profile.document(for: .everyone).signed(with: identityKey)
        let body: InvitationBody
        do {
            body = try Invitation.make(inviter: identityKey, invitee: invitee, relationship: relationship, context: context,
                                       introducer: introducer, note: note, card: card, created: Clock.nowMilliseconds())
        } catch let error as ProtocolError {
            throw AdminError(.invalidParams, error.message)
        }
        return (body, InvitationSenderMachine(sent: try SignedInvitation(verifying: body.document)))
    }

    /// `invitation.answer`: one owner command, run by the machine of the invitation's side.
    func answer(_ request: InvitationAnswerRequest) async throws -> InvitationAnswerResponse {
        let now = Clock.nowMilliseconds()
        let key = identityKey, outbox = self.outbox
        let card = request.command == .accept ? try connectionCard() : nil
        let visibility = try Self.visibility(request.visibility)
        let (response, effects) = try await database.invitationTransaction { ledger -> (InvitationAnswerResponse, InvitationEffects) in
            var effects = InvitationEffects(connectionCard: card)
            switch request.command {
            case .accept, .decline, .reportSpam, .askContext:
                guard var stored = try ledger.received(handle: request.handle) else {
                    throw AdminError(.notFound, "no received invitation \(request.handle): see `vouch inbox`")
                }
                let actions = try Self.owner {
                    switch request.command {
                    case .accept: try stored.machine.accept(now: now, key: key, tellIntroducer: request.tellIntroducer ?? false)
                    case .decline: try stored.machine.decline(now: now)
                    case .reportSpam: try stored.machine.reportSpam(now: now)
                    default: try stored.machine.askContext(try Self.note(request.note), now: now)
                    }
                }
                if request.command != .askContext { stored.answeredAt = now }
                if request.command == .accept, let visibility { stored.visibility = visibility }
                if actions.contains(where: { if case .send = $0 { true } else { false } }), try !ledger.knowsPeer(stored.machine.inviter) {
                    throw AdminError(.unreachable, "the inviter's card names no endpoint: its node cannot be answered")
                }
                try ledger.save(stored)
                try effects.apply(actions, received: stored, ledger: ledger, outbox: outbox, now: now)
                return (Self.answerResponse(stored), effects)
            case .withdraw, .reply:
                guard var stored = try ledger.sent(handle: request.handle) else {
                    throw AdminError(.notFound, "no sent invitation \(request.handle): see `vouch invitations --sent`")
                }
                let actions = try Self.owner {
                    request.command == .withdraw ? try stored.machine.withdraw(now: now)
                        : try stored.machine.reply(try Self.note(request.note), now: now)
                }
                try ledger.save(stored)
                try effects.apply(actions, sent: stored, ledger: ledger, outbox: outbox, now: now)
                return (Self.answerResponse(stored), effects)
            }
        }
        effects.publish(outbox: outbox, publish: publish)
        return response
    }

    /// The invitations received: pending and not due, or all.
    func inbox(all: Bool) throws -> InboxResponse {
        let now = Clock.nowMilliseconds()
        let cards = try database.receivedCards()
        let invitations = try database.readInvitations { try $0.receivedInvitations() }
            .filter { all || ($0.machine.state == .pending && now < $0.machine.invitation.terms.expires) }
            .map { Self.info($0, now: now, cards: cards) }
        return InboxResponse(invitations: invitations)
    }

    /// The invitations sent; a pending one that is due reads `expired`.
    func sent() throws -> SentInvitationsResponse {
        let now = Clock.nowMilliseconds()
        let invitations = try database.readInvitations { try $0.sentInvitations() }.map { stored in
            let m = stored.machine, terms = m.invitation.terms
            return SentInvitationInfo(handle: stored.handle, invitation: terms.id.description, invitee: m.invitee.description,
                                      shortID: m.invitee.shortForm, state: Self.shownState(m.shownState, due: now >= terms.expires),
                                      note: stored.note, relationship: terms.relationship.rawValue, context: terms.context,
                                      createdAt: NodeRuntime.isoTime(stored.createdAt), expiresAt: NodeRuntime.isoTime(terms.expires),
                                      thread: Self.thread(m.thread), connection: m.connection.map { Hex.encode($0.id) },
                                      introducer: m.introducer?.description, introducerNote: m.introducerNote)
        }
        return SentInvitationsResponse(invitations: invitations)
    }

    // MARK: Time

    /// Records the expiry of every pending (or declined) invitation that is due, with its
    /// `invitation.expired` event (§7: a due invitation expires at the next tick or message), and
    /// of every introduction request this node was asked to make (`introduction.expired`).
    func expireDue() async throws {
        let now = Clock.nowMilliseconds(), outbox = self.outbox
        let effects = try await database.invitationTransaction { ledger -> InvitationEffects in
            var effects = InvitationEffects()
            for var stored in try ledger.dueSent(now: now) {
                let actions = stored.machine.tick(now: now)
                try ledger.save(stored)
                try effects.apply(actions, sent: stored, ledger: ledger, outbox: outbox, now: now)
            }
            for var stored in try ledger.dueReceived(now: now) {
                let actions = stored.machine.tick(now: now)
                try ledger.save(stored)
                try effects.apply(actions, received: stored, ledger: ledger, outbox: outbox, now: now)
            }
            for var stored in try ledger.dueIntroductionRequests(now: now) {
                let actions = stored.machine.tick(now: now)
                try ledger.save(stored)
                try effects.apply(actions, introduction: stored, ledger: ledger, outbox: outbox, now: now)
            }
            return effects
        }
        effects.publish(outbox: outbox, publish: publish)
    }

    // MARK: Messages from peers

    /// `invitation`: verified in full (§3.4), sent by its inviter, then the crossing rule and the
    /// owner's policy. Shown or dropped, the answer is the same `ack`.
    func receive(_ body: InvitationBody, in message: WireMessage, from peer: NodeID) async throws {
        let now = Clock.nowMilliseconds()
        let invitation = try Invitation(verifying: body, receiver: identity, now: now)
        guard invitation.terms.introducer == nil else {
            throw ProtocolError(.invalidValue, "an invitation naming an introducer comes from the introducer, in an introduction-offer")
        }
        guard invitation.inviter == peer else {
            throw ProtocolError(.signerMismatch, "the invitation is signed by \(invitation.inviter.shortForm), delivered by \(peer.shortForm)")
        }
        let local = identity, outbox = self.outbox, logger = self.logger
        let (_, effects) = try await database.receiveInvitationMessage(from: peer, message: message, nowMilliseconds: now) { ledger in
            var effects = InvitationEffects()
            if let known = try ledger.received(inviter: peer, id: invitation.terms.id) {
                effects.log(known.machine.invitationReceivedAgain(body), logger: logger)
                return effects
            }
            if try ledger.wasWithdrawnEarly(inviter: peer, id: invitation.terms.id, now: now) {
                logger.info("an invitation arrived after its withdrawal; not shown", metadata: ["peer": .string(peer.shortForm)])
                return effects
            }
            var crossing = false
            let ours = try ledger.pendingSent(to: peer, now: now)
            switch InvitationCrossing.decide(local: local, peer: peer, oursPending: ours != nil) {
            case .noCrossing:
                break
            case .oursStands:
                logger.info("an invitation crossed ours and yields to it", metadata: ["peer": .string(peer.shortForm)])
                return effects
            case .theirsStands:
                guard var ours else { break }
                let actions = try ours.machine.withdraw(now: now)
                try ledger.save(ours)
                try effects.apply(actions, sent: ours, ledger: ledger, outbox: outbox, now: now)
                crossing = true
            }
            let decision = try ledger.policy().decide(note: invitation.note, situation: try ledger.situation(for: peer, now: now), now: now)
            if case .drop(let reason) = decision {
                // Acked like a shown one: the inviter must not learn why (§6). The owner's log says.
                logger.info("invitation dropped by the policy", metadata: ["peer": .string(peer.shortForm), "reason": .string(reason.rawValue)])
                return effects
            }
            try ledger.learnPeer(peer, cardEndpoints: invitation.profile.endpoints, now: now)
            let handle = try ledger.insertReceived(invitation, body: body, crossing: crossing, now: now)
            effects.events.append((.invitationReceived, Self.eventData(handle: handle, id: invitation.terms.id, peer: peer, side: "received")))
            return effects
        }
        effects?.publish(outbox: outbox, publish: publish)
    }

    /// `invitation-question`: names one of our invitations.
    func receiveQuestion(_ body: InvitationNoteBody, in message: WireMessage, from peer: NodeID) async throws {
        try await onSent(body.invitation, message: message, from: peer) { machine, now in
            machine.questionReceived(body, from: peer, now: now)
        }
    }

    /// `acceptance`: verified (§4.2), signed by the peer that delivers it, of one of our invitations.
    func receiveAcceptance(_ body: SignedDocumentBody, in message: WireMessage, from peer: NodeID) async throws {
        let accepted = try Connection(verifying: body.document)
        guard accepted.invitee == peer else {
            throw ProtocolError(.signerMismatch, "the acceptance is signed by \(accepted.invitee.shortForm), delivered by \(peer.shortForm)")
        }
        guard accepted.inviter == identity else {
            throw ProtocolError(.wrongRecipient, "the acceptance is of an invitation by \(accepted.inviter.shortForm), not by this node")
        }
        try await onSent(accepted.invitation.terms.id, message: message, from: peer, card: try connectionCard()) { machine, now in
            machine.acceptanceReceived(accepted, from: peer, now: now)
        }
    }

    /// `invitation-reply`: names an invitation `peer` sent us.
    func receiveReply(_ body: InvitationNoteBody, in message: WireMessage, from peer: NodeID) async throws {
        try await onReceived(body.invitation, message: message, from: peer) { machine, now in
            machine.replyReceived(body, from: peer, now: now)
        }
    }

    /// `invitation-withdrawal`: names an invitation `peer` sent us.
    func receiveWithdrawal(_ body: InvitationWithdrawalBody, in message: WireMessage, from peer: NodeID) async throws {
        try await onReceived(body.invitation, message: message, from: peer, withdrawal: true) { machine, now in
            machine.withdrawalReceived(from: peer, now: now)
        }
    }

    /// Runs `event` on our invitation `id` at most once per message; an unknown id is acked and
    /// nothing happens (§5: it may be a copy of something finished, and it teaches a stranger nothing).
    func onSent(_ id: InvitationID, message: WireMessage, from peer: NodeID, card: (delivery: Delivery, version: UInt64)? = nil,
                        _ event: @escaping @Sendable (inout InvitationSenderMachine, UInt64) -> [InvitationSenderMachine.Action]) async throws {
        let now = Clock.nowMilliseconds(), outbox = self.outbox
        let (_, effects) = try await database.receiveInvitationMessage(from: peer, message: message, nowMilliseconds: now) { ledger in
            var effects = InvitationEffects(connectionCard: card)
            guard var stored = try ledger.sent(id: id) else { return effects }
            let actions = event(&stored.machine, now)
            try effects.apply(actions, sent: stored, ledger: ledger, outbox: outbox, now: now)
            try ledger.save(stored)
            return effects
        }
        effects?.publish(outbox: outbox, publish: publish)
    }

    /// `inviter`: the invitation's inviter when the message is relayed by an introducer (default: the
    /// sender). A `withdrawal` of an invitation not received yet is remembered until the message
    /// could no longer arrive: deliveries are not ordered, and the invitation may come after it.
    func onReceived(_ id: InvitationID, inviter: NodeID? = nil, message: WireMessage, from peer: NodeID, withdrawal: Bool = false,
                    _ event: @escaping @Sendable (inout InvitationRecipientMachine, UInt64) -> [InvitationRecipientMachine.Action]) async throws {
        let now = Clock.nowMilliseconds(), outbox = self.outbox
        let (_, effects) = try await database.receiveInvitationMessage(from: peer, message: message, nowMilliseconds: now) { ledger in
            var effects = InvitationEffects()
            guard var stored = try ledger.received(inviter: inviter ?? peer, id: id) else {
                if withdrawal { try ledger.rememberEarlyWithdrawal(inviter: inviter ?? peer, id: id, expires: message.expiresAt, now: now) }
                return effects
            }
            let actions = event(&stored.machine, now)
            try effects.apply(actions, received: stored, ledger: ledger, outbox: outbox, now: now)
            try ledger.save(stored)
            return effects
        }
        effects?.publish(outbox: outbox, publish: publish)
    }

    // MARK: Helpers

    /// This node's signed card for connections with its profile version, or nil while the profile is empty.
    private func connectionCard() throws -> (delivery: Delivery, version: UInt64)? {
        let profile = try database.profile()
        guard profile.version > 0 else { return nil }
        return (.card(CardBody(document: try profile.document(for: .connections).signed(with: identityKey).encoded)), profile.version)
    }

    /// Runs an owner command of a machine, turning its refusals into admin errors with the same code.
    static func owner<A>(_ command: () throws -> [A]) throws -> [A] {
        do {
            return try command()
        } catch let error as InvitationFlowError {
            guard let reason = AdminError.Reason(rawValue: error.codeString) else { throw AdminError(.internal, error.message) }
            throw AdminError(reason, error.message)
        } catch let error as ProtocolError {
            throw AdminError(.invalidParams, error.message)
        }
    }

    /// A visibility level named in a request; nil when none is.
    static func visibility(_ name: String?) throws -> Visibility? {
        guard let name else { return nil }
        do {
            return try Visibility(name: name)
        } catch {
            throw AdminError(.invalidParams, error.message)
        }
    }

    private static func note(_ note: String?) throws -> String {
        guard let note else { throw AdminError(.invalidParams, "a note is required") }
        return note
    }

    static func eventData(handle: Int64, id: InvitationID, peer: NodeID, side: String) -> [String: JSONValue] {
        ["handle": .int(handle), "invitation": .string(id.description), "peer": .string(peer.description), "side": .string(side)]
    }

    /// A pending (or declined) invitation past its expiry reads `expired` before the next event
    /// records it; so does an introduction request still `requested` or `forwarded`.
    static func shownState(_ state: String, due: Bool) -> String {
        due && ["pending", "declined", "requested", "forwarded"].contains(state) ? "expired" : state
    }

    static func thread(_ thread: InvitationThread) -> [ThreadEntryInfo] {
        thread.entries.map { entry in
            switch entry {
            case .question(let note, let at): ThreadEntryInfo(kind: "question", note: note, at: NodeRuntime.isoTime(at))
            case .reply(let note, let at): ThreadEntryInfo(kind: "reply", note: note, at: NodeRuntime.isoTime(at))
            }
        }
    }

    static func info(_ stored: StoredReceivedInvitation, now: UInt64, cards: [ReceivedCard]) -> ReceivedInvitationInfo {
        let m = stored.machine, terms = m.invitation.terms
        return ReceivedInvitationInfo(
            handle: stored.handle, invitation: terms.id.description, inviter: m.inviter.description, shortID: m.inviter.shortForm,
            state: shownState(m.state.rawValue, due: now >= terms.expires), note: m.invitation.note,
            relationship: terms.relationship.rawValue, yourRelationship: terms.relationship.inverse.rawValue, context: terms.context,
            receivedAt: NodeRuntime.isoTime(stored.receivedAt), expiresAt: NodeRuntime.isoTime(terms.expires),
            card: Dictionary(uniqueKeysWithValues: m.invitation.profile.fields.map { ($0.key.rawValue, $0.value) }),
            endpoints: m.invitation.profile.endpoints.map(\.description), thread: thread(m.thread), crossing: stored.crossing,
            connection: m.connection.map { Hex.encode($0.id) }, introducer: m.introduction?.introducer.description,
            introducerNote: m.introduction?.note)
    }

    static func answerResponse(_ stored: StoredReceivedInvitation) -> InvitationAnswerResponse {
        InvitationAnswerResponse(handle: stored.handle, invitation: stored.machine.invitation.terms.id.description,
                                 peer: stored.machine.inviter.description, state: stored.machine.state.rawValue,
                                 connection: stored.machine.connection.map { Hex.encode($0.id) })
    }

    static func answerResponse(_ stored: StoredSentInvitation) -> InvitationAnswerResponse {
        InvitationAnswerResponse(handle: stored.handle, invitation: stored.machine.invitation.terms.id.description,
                                 peer: stored.machine.invitee.description, state: stored.machine.state.rawValue,
                                 connection: stored.machine.connection.map { Hex.encode($0.id) })
    }
}
