public import VouchCrypto

/// The introducer's side of one introduction request (Protocol/introductions.md §The
/// introducer), as a value that takes events and returns the actions to run: no I/O, every
/// transition tested.
///
///     pending ──forward──▶ forwarded ──outcome (the target chose to tell)──▶ forwarded, accepted
///        │                    │  ╲── question from the target / reply from the requester: relayed ──╮
///        │                    │   ◀─────────────────────────────────────────────────────────────────╯
///        │                    └──withdrawal──▶ withdrawn (relayed to the target)
///        ├──decline──▶ not-forwarded
///        ├──withdrawal──▶ withdrawn
///        └──due──▶ expired (from forwarded too)
///
/// Nothing moves without the introducer's act: the request reaches the target only through
/// `forward`, which signs the introducer's own note. Until then the requester learns nothing of
/// the target from this node, and a request for someone the introducer is not connected to can
/// only be declined, which the requester cannot tell from any other decline.
public struct IntroducerMachine: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case pending, forwarded
        case notForwarded = "not-forwarded"
        case withdrawn, expired
    }

    public enum Action: Sendable, Equatable {
        /// Queue this delivery to this node through the outbox.
        case send(Delivery, to: NodeID)
        /// Tell the owner's scripts.
        case event(IntroductionEvent)
        /// Answer `ack` and change nothing (the reason is for the log).
        case ignore(String)
        /// Answer `error invalid-body` with this error.
        case refuse(ProtocolError)
    }

    /// The requester's invitation for the target, verified (Protocol/invitations.md §3.4 steps 1–7).
    public let request: Invitation
    /// The body it came in: what `forward` passes on, byte for byte.
    public let requestBody: InvitationBody
    /// The requester's note to the introducer.
    public let requesterNote: String
    public private(set) var state: State
    /// The introducer's signed note, once forwarded.
    public private(set) var introduction: SignedIntroduction?
    /// The introducer's private note to the requester when it declined.
    public private(set) var declineNote: String?
    /// Questions and replies relayed, together: at most `InvitationLimits.maximumThreadEntries`.
    public private(set) var relayed: Int
    /// The target told the introducer that it accepted.
    public private(set) var accepted: Bool

    public var requester: NodeID { request.inviter }
    public var target: NodeID { request.terms.invitee }
    public var reference: IntroductionReference { IntroductionReference(requester: requester, request: request.terms.id) }

    /// A request that passed every check: pending, shown in the introducer's inbox.
    public init(received request: Invitation, body: InvitationBody, note: String) {
        self.init(request: request, body: body, note: note, state: .pending, introduction: nil, declineNote: nil, relayed: 0, accepted: false)
    }

    /// Restores a machine the node stored.
    public init(request: Invitation, body: InvitationBody, note: String, state: State, introduction: SignedIntroduction?,
                declineNote: String?, relayed: Int, accepted: Bool) {
        self.request = request
        self.requestBody = body
        self.requesterNote = note
        self.state = state
        self.introduction = introduction
        self.declineNote = declineNote
        self.relayed = relayed
        self.accepted = accepted
    }

    // MARK: The owner's commands

    /// Passes the request on to the target with the introducer's own `note`, signed at `now`.
    /// `connectedToTarget` is whether the introducer holds a connection with the target: a request
    /// for anyone else can only be declined.
    public mutating func forward(note: String, now: UInt64, key: Ed25519PrivateKey, connectedToTarget: Bool) throws -> [Action] {
        try requirePending(now: now)
        guard connectedToTarget else {
            throw InvitationFlowError(.notConnectedToTarget,
                                      "you are not connected to \(target.shortForm): decline instead, the requester cannot tell why")
        }
        let made = try SignedIntroduction.make(for: request.signed, note: note, created: now, with: key)
        state = .forwarded
        introduction = made
        return [.send(.introductionOffer(IntroductionOfferBody(invitation: requestBody, introduction: made.envelope.encoded)), to: target),
                .send(.introductionForwarded(IntroductionReferenceBody(reference)), to: requester),
                .event(.forwarded)]
    }

    /// Does not pass the request on; the requester learns that, with `note` if given, and nothing else.
    public mutating func decline(note: String?, now: UInt64) throws -> [Action] {
        try requirePending(now: now)
        if let note { try InvitationText.validateNote(note) }
        state = .notForwarded
        declineNote = note
        return [.send(.introductionNotForwarded(IntroductionNoteBody(reference, note: note)), to: requester), .event(.notForwarded)]
    }

    // MARK: Messages from peers

    /// The same request arrived again (a retry after a lost ack, or a replay): never processed twice.
    public func requestReceivedAgain(_ body: IntroductionRequestBody) -> [Action] {
        [.ignore(body.invitation.document == requestBody.document ? "the same introduction request again (\(state.rawValue))" :
                    "another request under an id already used (\(state.rawValue)): the first one stands")]
    }

    /// The requester takes the request back; relayed to the target when it was forwarded.
    public mutating func withdrawalReceived(from peer: NodeID, now: UInt64) -> [Action] {
        guard peer == requester else { return [.refuse(notParty(peer))] }
        var actions = expireIfDue(now: now)
        switch state {
        case .pending:
            state = .withdrawn
            actions.append(.event(.withdrawn))
        case .forwarded, .expired where introduction != nil:
            // Expired too: the target may have accepted in time, and the requester's withdrawal must
            // still reach it so that neither keeps a connection the other does not have.
            state = .withdrawn
            actions += [relay(.introductionWithdrawal(IntroductionReferenceBody(reference)), to: target), .event(.withdrawn)]
        case .withdrawn where introduction != nil:
            // Again: the requester re-sends it when an acceptance crossed its withdrawal.
            actions.append(relay(.introductionWithdrawal(IntroductionReferenceBody(reference)), to: target))
        case .expired, .notForwarded, .withdrawn:
            actions.append(.ignore("a withdrawal of a request that is \(state.rawValue)"))
        }
        return actions
    }

    /// The target asks for context: relayed to the requester.
    public mutating func questionReceived(note: String, from peer: NodeID, now: UInt64) -> [Action] {
        relayNote(.introductionQuestion(IntroductionNoteBody(reference, note: note)), from: peer, expected: target, to: requester, now: now)
    }

    /// The requester answers: relayed to the target.
    public mutating func replyReceived(note: String, from peer: NodeID, now: UInt64) -> [Action] {
        relayNote(.introductionReply(IntroductionNoteBody(reference, note: note)), from: peer, expected: requester, to: target, now: now)
    }

    /// The target chose to tell the introducer that it accepted.
    public mutating func outcomeReceived(from peer: NodeID, now: UInt64) -> [Action] {
        guard peer == target, introduction != nil else { return [.refuse(notParty(peer))] }
        var actions = expireIfDue(now: now)
        guard !accepted, state != .withdrawn else { return actions + [.ignore("an outcome for a request that is \(state.rawValue)")] }
        accepted = true
        actions.append(.event(.accepted))
        return actions
    }

    /// Time passed: a pending or forwarded request expires with the requester's invitation.
    public mutating func tick(now: UInt64) -> [Action] {
        expireIfDue(now: now)
    }

    // MARK: Helpers

    private mutating func relayNote(_ delivery: Delivery, from peer: NodeID, expected: NodeID, to receiver: NodeID, now: UInt64) -> [Action] {
        guard peer == expected else { return [.refuse(notParty(peer))] }
        var actions = expireIfDue(now: now)
        guard state == .forwarded else { return actions + [.ignore("a \(delivery.type.rawValue) on a request that is \(state.rawValue)")] }
        guard relayed < InvitationLimits.maximumThreadEntries else {
            return actions + [.ignore("the thread has its \(InvitationLimits.maximumThreadEntries) messages")]
        }
        relayed += 1
        actions += [relay(delivery, to: receiver), .event(.relayed)]
        return actions
    }

    private func relay(_ delivery: Delivery, to receiver: NodeID) -> Action { .send(delivery, to: receiver) }

    private mutating func expireIfDue(now: UInt64) -> [Action] {
        guard state == .pending || state == .forwarded, now >= request.terms.expires else { return [] }
        state = .expired
        return [.event(.expired)]
    }

    private func requirePending(now: UInt64) throws(InvitationFlowError) {
        switch state {
        case .pending:
            guard now < request.terms.expires else { throw InvitationFlowError(.invitationExpired, "the request has expired") }
        case .forwarded, .notForwarded: throw InvitationFlowError(.alreadyForwarded, "the request was already answered (\(state.rawValue))")
        case .withdrawn: throw InvitationFlowError(.invitationWithdrawn, "the requester withdrew the request")
        case .expired: throw InvitationFlowError(.invitationExpired, "the request has expired")
        }
    }

    private func notParty(_ peer: NodeID) -> ProtocolError {
        ProtocolError(.wrongRecipient, "the introduction \(reference) does not take this message from \(peer.shortForm)")
    }
}

/// What the node tells scripts (`vouch events`) happened to an introduction request it was asked to make.
public enum IntroductionEvent: String, Sendable, Equatable, CaseIterable {
    case received, forwarded, notForwarded = "not-forwarded", withdrawn, expired, relayed, accepted
}
