import Logging
import VouchAdmin
import VouchCrypto
import VouchProtocol
import VouchStore

/// The introduction flow on this node (Protocol/introductions.md), in each of the three roles:
/// the requester's request (its side is an `InvitationSenderMachine` over an invitation naming
/// the introducer), the introducer's answers and relays (`IntroducerMachine`), and the target's
/// offer (an `InvitationRecipientMachine` with the introducer's note). As for invitations, each
/// message's effect, the machine's new state and the outbox rows of what it sends commit in one
/// transaction before the `ack`; the target's answers go through `InvitationService.answer`.
struct IntroductionService: Sendable {
    let identityKey: Ed25519PrivateKey
    let database: NodeDatabase
    let invitations: InvitationService
    let outbox: Outbox
    let logger: Logger
    let publish: @Sendable (NodeEventType, [String: JSONValue]) -> Void

    var identity: NodeID { NodeID(publicKey: identityKey.publicKey) }

    // MARK: The requester

    /// `introduction.request`: signs an invitation for the target naming the introducer, and
    /// queues it to the introducer with the note for it.
    func request(_ request: IntroductionRequestRequest) async throws -> IntroductionRequestResponse {
        let introducer = try ConnectionService.connectionPeer(request.via, in: database)
        let target: NodeID
        do {
            target = try NodeID(parsing: request.to)
        } catch {
            throw AdminError(.invalidParams, "--to takes the full node ID of the person to be introduced to: \(error)")
        }
        guard target != identity else { throw AdminError(.ownAddress, "\(target.shortForm) is this node's own ID") }
        guard target != introducer else {
            throw AdminError(.invalidParams, "you are already connected with \(target.shortForm): no introduction is needed")
        }
        do {
            try InvitationText.validateNote(request.noteToIntroducer, label: "note to the introducer")
        } catch {
            throw AdminError(.invalidParams, error.message)
        }
        let (body, machine) = try invitations.makeInvitation(to: target, introducer: introducer, relationship: request.relationship,
                                                             context: request.context, note: request.noteToTarget)
        let requestBody = IntroductionRequestBody(invitation: body, note: request.noteToIntroducer)
        let now = machine.invitation.terms.created
        let entry = outbox.entry(.introductionRequest(requestBody), to: introducer, now: now, expiresAt: machine.invitation.terms.expires)
        let note = request.noteToTarget
        let handle = try await database.invitationTransaction { ledger -> Int64 in
            guard try ledger.isConnected(to: introducer) else {
                throw AdminError(.notFound, "\(introducer.shortForm) is not one of your connections: only a connection can introduce you")
            }
            if try ledger.isConnected(to: target) {
                throw AdminError(.alreadyConnected, "you are already connected with \(target.shortForm)")
            }
            if let ours = try ledger.pendingSent(to: target, now: now) {
                throw AdminError(.alreadyInvited, "your invitation or request \(ours.handle) to \(target.shortForm) is still pending")
            }
            let handle = try ledger.insertSent(machine, note: note, now: now)
            try ledger.enqueue(entry)
            return handle
        }
        outbox.queued([entry])
        publish(.introductionRequested, InvitationService.eventData(handle: handle, id: machine.invitation.terms.id, peer: target, side: "sent")
                    .merging(["introducer": .string(introducer.description)]) { a, _ in a })
        return IntroductionRequestResponse(handle: handle, invitation: machine.invitation.terms.id.description,
                                           introducer: introducer.description, target: target.description,
                                           expiresAt: NodeRuntime.isoTime(machine.invitation.terms.expires),
                                           message: entry.messageID.description)
    }

    /// `introduction-forwarded` and `introduction-not-forwarded`: the introducer's answer to one of our requests.
    func receiveAnswer(forwarded: Bool, _ reference: IntroductionReference, note: String?, in message: WireMessage,
                       from peer: NodeID) async throws {
        guard reference.requester == identity else {
            throw ProtocolError(.wrongRecipient, "the request \(reference) is not this node's")
        }
        try await invitations.onSent(reference.request, message: message, from: peer) { machine, now in
            forwarded ? machine.forwardedReceived(from: peer, now: now) : machine.notForwardedReceived(note: note, from: peer, now: now)
        }
    }

    // MARK: The introducer

    /// `introduction-request`: verified (the invitation as Protocol/invitations.md §3.4 steps
    /// 1–7, signed by the sender, naming this node as introducer, not expired), then shown, or
    /// dropped when the requester is not a connection. Either way the answer is the same `ack`.
    func receiveRequest(_ body: IntroductionRequestBody, in message: WireMessage, from peer: NodeID) async throws {
        let now = Clock.nowMilliseconds()
        let request = try Invitation(verifying: body.invitation)
        guard request.inviter == peer else {
            throw ProtocolError(.signerMismatch, "the request is signed by \(request.inviter.shortForm), delivered by \(peer.shortForm)")
        }
        guard request.terms.introducer == identity else {
            throw ProtocolError(.wrongRecipient, "the request names another introducer")
        }
        guard request.terms.invitee != identity else {
            throw ProtocolError(.invalidValue, "a request to be introduced to its own introducer")
        }
        try request.checkTimes(now: now)
        let (_, effects) = try await database.receiveInvitationMessage(from: peer, message: message, nowMilliseconds: now) { ledger in
            var effects = InvitationEffects()
            let machine = IntroducerMachine(received: request, body: body.invitation, note: body.note)
            if let known = try ledger.introductionRequest(machine.reference) {
                effects.log(known.machine.requestReceivedAgain(body), logger: logger)
                return effects
            }
            if try ledger.wasWithdrawnEarly(inviter: peer, id: request.terms.id, now: now) {
                logger.info("an introduction request arrived after its withdrawal; not shown", metadata: ["peer": .string(peer.shortForm)])
                return effects
            }
            guard try ledger.isConnected(to: peer) else {
                // Acked like a shown one: only connections may ask for an introduction (§4).
                logger.info("introduction request dropped: the requester is not a connection", metadata: ["peer": .string(peer.shortForm)])
                return effects
            }
            let handle = try ledger.insertIntroductionRequest(machine, body: body, now: now)
            effects.events.append((.introductionReceived, Self.eventData(handle: handle, machine)))
            return effects
        }
        effects?.publish(outbox: outbox, publish: publish)
    }

    /// `introduction.answer`: forward (signing the introducer's note) or decline.
    func answer(_ request: IntroductionAnswerRequest) async throws -> IntroductionAnswerResponse {
        let now = Clock.nowMilliseconds(), key = identityKey, outbox = self.outbox
        let (response, effects) = try await database.invitationTransaction { ledger -> (IntroductionAnswerResponse, InvitationEffects) in
            guard var stored = try ledger.introductionRequest(handle: request.handle) else {
                throw AdminError(.notFound, "no introduction request \(request.handle): see `vouch inbox`")
            }
            let connected = try ledger.isConnected(to: stored.machine.target)
            let actions = try InvitationService.owner {
                switch request.command {
                case .forward:
                    guard let note = request.note else { throw AdminError(.invalidParams, "forwarding takes your note to the person asked for (--note)") }
                    return try stored.machine.forward(note: note, now: now, key: key, connectedToTarget: connected)
                case .decline:
                    return try stored.machine.decline(note: request.note, now: now)
                }
            }
            try ledger.save(stored)
            var effects = InvitationEffects()
            try effects.apply(actions, introduction: stored, ledger: ledger, outbox: outbox, now: now)
            let m = stored.machine
            return (IntroductionAnswerResponse(handle: stored.handle, requester: m.requester.description, target: m.target.description,
                                               state: m.state.rawValue), effects)
        }
        effects.publish(outbox: outbox, publish: publish)
        return response
    }

    /// The requests to introduce, for the inbox: pending ones, or all.
    func requests(all: Bool) throws -> [IntroductionRequestInfo] {
        let now = Clock.nowMilliseconds()
        return try database.readInvitations { ledger in
            try ledger.introductionRequests()
                .filter { all || ($0.machine.state == .pending && now < $0.machine.request.terms.expires) }
                .map { stored in
                    let m = stored.machine, terms = m.request.terms
                    let due = now >= terms.expires && (m.state == .pending || m.state == .forwarded)
                    return IntroductionRequestInfo(
                        handle: stored.handle, invitation: terms.id.description, requester: m.requester.description,
                        requesterShortID: m.requester.shortForm, target: m.target.description, targetShortID: m.target.shortForm,
                        connectedToTarget: try ledger.isConnected(to: m.target), state: due ? "expired" : m.state.rawValue,
                        noteToIntroducer: m.requesterNote, noteToTarget: m.request.note, relationship: terms.relationship.rawValue,
                        context: terms.context,
                        card: Dictionary(uniqueKeysWithValues: m.request.profile.fields.map { ($0.key.rawValue, $0.value) }),
                        receivedAt: NodeRuntime.isoTime(stored.receivedAt), expiresAt: NodeRuntime.isoTime(terms.expires),
                        yourNote: m.introduction?.note ?? m.declineNote, accepted: m.accepted)
                }
        }
    }

    /// `introduction-withdrawal`, `introduction-question`, `introduction-reply` and
    /// `introduction-outcome` that reach this node as the introducer: run on the request's machine.
    /// A `withdrawal` of a request not received yet is remembered, as for invitations.
    func onRequest(_ reference: IntroductionReference, message: WireMessage, from peer: NodeID, withdrawal: Bool = false,
                   _ event: @escaping @Sendable (inout IntroducerMachine, UInt64) -> [IntroducerMachine.Action]) async throws {
        let now = Clock.nowMilliseconds(), outbox = self.outbox
        let (_, effects) = try await database.receiveInvitationMessage(from: peer, message: message, nowMilliseconds: now) { ledger in
            var effects = InvitationEffects()
            guard var stored = try ledger.introductionRequest(reference) else {
                if withdrawal {
                    try ledger.rememberEarlyWithdrawal(inviter: reference.requester, id: reference.request, expires: message.expiresAt, now: now)
                }
                return effects
            }
            let actions = event(&stored.machine, now)
            try effects.apply(actions, introduction: stored, ledger: ledger, outbox: outbox, now: now)
            try ledger.save(stored)
            return effects
        }
        effects?.publish(outbox: outbox, publish: publish)
    }

    // MARK: The target

    /// `introduction-offer`: the invitation verified in full (§3.4, for this node, in time), the
    /// offer sent by the introducer it names, the introducer's note verified over it; then shown,
    /// or dropped (not a connection's offer, or the owner's policy), with the same `ack` either way.
    func receiveOffer(_ body: IntroductionOfferBody, in message: WireMessage, from peer: NodeID) async throws {
        let now = Clock.nowMilliseconds()
        let invitation = try Invitation(verifying: body.invitation, receiver: identity, now: now)
        guard let introducer = invitation.terms.introducer else {
            throw ProtocolError(.invalidValue, "an introduction offer carries an invitation that names its introducer (format 2)")
        }
        guard introducer == peer else {
            throw ProtocolError(.signerMismatch, "the invitation names \(introducer.shortForm) as introducer, the offer comes from \(peer.shortForm)")
        }
        let introduction = try SignedIntroduction(verifying: body.introduction, for: invitation.signed)
        let inviter = invitation.inviter, logger = self.logger
        let (_, effects) = try await database.receiveInvitationMessage(from: peer, message: message, nowMilliseconds: now) { ledger in
            var effects = InvitationEffects()
            if let known = try ledger.received(inviter: inviter, id: invitation.terms.id) {
                effects.log(known.machine.invitationReceivedAgain(body.invitation), logger: logger)
                return effects
            }
            if try ledger.wasWithdrawnEarly(inviter: inviter, id: invitation.terms.id, now: now) {
                logger.info("an introduction arrived after its withdrawal; not shown", metadata: ["peer": .string(peer.shortForm)])
                return effects
            }
            guard try ledger.isConnected(to: peer) else {
                logger.info("introduction offer dropped: the introducer is not a connection", metadata: ["peer": .string(peer.shortForm)])
                return effects
            }
            let situation = try ledger.situation(for: inviter, now: now, introduced: true)
            if case .drop(let reason) = try ledger.policy().decide(note: invitation.note, situation: situation, now: now) {
                logger.info("introduction offer dropped by the policy", metadata: ["inviter": .string(inviter.shortForm), "reason": .string(reason.rawValue)])
                return effects
            }
            try ledger.learnPeer(inviter, cardEndpoints: invitation.profile.endpoints, now: now)
            let handle = try ledger.insertReceived(invitation, body: body.invitation, introduction: introduction, crossing: false, now: now)
            effects.events.append((.invitationReceived, InvitationService.eventData(handle: handle, id: invitation.terms.id, peer: inviter, side: "received")
                                    .merging(["introducer": .string(introducer.description)]) { a, _ in a }))
            return effects
        }
        effects?.publish(outbox: outbox, publish: publish)
    }

    // MARK: Routing of the relayed messages

    /// `introduction-question`: from the target to this node as introducer, or relayed by the
    /// introducer to this node as requester.
    func receiveQuestion(_ body: IntroductionNoteBody, in message: WireMessage, from peer: NodeID) async throws {
        let note = try Self.note(body)
        if body.reference.requester == identity {
            try await invitations.onSent(body.reference.request, message: message, from: peer) { machine, now in
                machine.questionReceived(note: note, from: peer, now: now)
            }
        } else {
            try await onRequest(body.reference, message: message, from: peer) { machine, now in machine.questionReceived(note: note, from: peer, now: now) }
        }
    }

    /// `introduction-reply`: from the requester to this node as introducer, or relayed to this node as target.
    func receiveReply(_ body: IntroductionNoteBody, in message: WireMessage, from peer: NodeID) async throws {
        let note = try Self.note(body)
        if body.reference.requester == peer {
            try await onRequest(body.reference, message: message, from: peer) { machine, now in machine.replyReceived(note: note, from: peer, now: now) }
        } else {
            try await invitations.onReceived(body.reference.request, inviter: body.reference.requester, message: message, from: peer) { machine, now in
                machine.replyReceived(note: note, from: peer, now: now)
            }
        }
    }

    /// `introduction-withdrawal`: from the requester to this node as introducer, or relayed to this node as target.
    func receiveWithdrawal(_ body: IntroductionReferenceBody, in message: WireMessage, from peer: NodeID) async throws {
        let reference = body.reference
        if reference.requester == peer {
            try await onRequest(reference, message: message, from: peer, withdrawal: true) { machine, now in
                machine.withdrawalReceived(from: peer, now: now)
            }
        } else {
            try await invitations.onReceived(reference.request, inviter: reference.requester, message: message, from: peer,
                                             withdrawal: true) { machine, now in
                machine.withdrawalReceived(from: peer, now: now)
            }
        }
    }

    /// `introduction-outcome`: the target tells this node, the introducer, that it accepted.
    func receiveOutcome(_ body: IntroductionReferenceBody, in message: WireMessage, from peer: NodeID) async throws {
        try await onRequest(body.reference, message: message, from: peer) { machine, now in machine.outcomeReceived(from: peer, now: now) }
    }

    // MARK: Helpers

    private static func note(_ body: IntroductionNoteBody) throws -> String {
        guard let note = body.note else { throw ProtocolError(.missingField, "the body has no note") }
        return note
    }

    static func eventData(handle: Int64, _ machine: IntroducerMachine) -> [String: JSONValue] {
        ["handle": .int(handle), "invitation": .string(machine.request.terms.id.description), "requester": .string(machine.requester.description),
         "target": .string(machine.target.description), "side": .string("introducer")]
    }
}
