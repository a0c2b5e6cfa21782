/// The inviter's side of one invitation (Protocol/invitations.md §Lifecycle, the inviter), as a
/// value that takes events and returns the actions to run: no I/O, every transition tested.
///
///     pending ──withdraw──────────────▶ withdrawn
///        │  ╲──question / reply──╮          ▲ (an acceptance arriving here: send the withdrawal again)
///        │   ◀───────────────────╯          │
///        ├──acceptance (in time)──▶ connected
///        └──expires──▶ expired ──acceptance made before expires, arriving late──▶ connected
///
/// A decline is never sent, so a declined invitation stays `pending` here until it expires.
///
/// The same machine is the requester's side of an introduction (Protocol/introductions.md §The
/// requester), for an invitation of format 2 naming an introducer: withdrawals and replies then
/// go to the introducer, who relays them, questions come from it, and the introducer's
/// `introduction-forwarded` or `introduction-not-forwarded` moves it. The acceptance still comes
/// straight from the invitee, the only node that can sign it.
///
///     pending (requested) ──forwarded──▶ pending (forwarded)
///        └──not-forwarded──▶ not-forwarded ──acceptance (the introducer forwarded after all)──▶ connected
public struct InvitationSenderMachine: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case pending, connected, withdrawn, expired
        /// An introduction request its introducer did not pass on.
        case notForwarded = "not-forwarded"
    }

    public enum Action: Sendable, Equatable {
        /// Queue this delivery to this node through the outbox.
        case send(Delivery, to: NodeID)
        /// Store the connection record (the acceptance), then answer the message with `ack`.
        case recordConnection(Connection)
        /// Tell the owner's scripts.
        case event(InvitationEvent)
        /// Answer `ack` and change nothing: the message makes no sense now (the reason is for the log).
        case ignore(String)
        /// Answer `error invalid-body` with this error: the message is not one this invitation can take from this peer.
        case refuse(ProtocolError)
    }

    public let invitation: SignedInvitation
    public private(set) var state: State
    public private(set) var thread: InvitationThread
    public private(set) var connection: Connection?
    /// An introduction request the introducer passed on to the invitee.
    public private(set) var forwarded: Bool
    /// The introducer's private note when it did not pass the request on.
    public private(set) var introducerNote: String?

    public var invitee: NodeID { invitation.terms.invitee }
    /// The introducer of an introduction request; nil for a direct invitation.
    public var introducer: NodeID? { invitation.terms.introducer }
    /// Who withdrawals and replies go to and questions come from: the introducer, or the invitee.
    public var counterpart: NodeID { introducer ?? invitee }
    /// How the introducer and the invitee name this request.
    public var reference: IntroductionReference { IntroductionReference(requester: invitation.inviter, request: invitation.terms.id) }

    /// A freshly sent invitation (or introduction request): pending.
    public init(sent invitation: SignedInvitation) {
        self.init(invitation: invitation, state: .pending, thread: InvitationThread(), connection: nil)
    }

    /// Restores a machine the node stored.
    public init(invitation: SignedInvitation, state: State, thread: InvitationThread, connection: Connection?,
                forwarded: Bool = false, introducerNote: String? = nil) {
        self.invitation = invitation
        self.state = state
        self.thread = thread
        self.connection = connection
        self.forwarded = forwarded
        self.introducerNote = introducerNote
    }

    // MARK: The owner's commands

    // A command changes nothing when it throws: expiry is `tick`'s to record (with its event),
    // a command at or after `expires` is refused as `invitation-expired`.

    public mutating func withdraw(now: UInt64) throws(InvitationFlowError) -> [Action] {
        try requirePending(now: now)
        state = .withdrawn
        return [withdrawal, .event(.withdrawn)]
    }

    /// Answers the invitee's open question with `note` (the note rule applies).
    public mutating func reply(_ note: String, now: UInt64) throws -> [Action] {
        try requirePending(now: now)
        if let refusal = thread.replyRefusal { throw refusal }
        try InvitationText.validateNote(note)
        thread.append(.reply(note, at: now))
        let reply: Delivery = introducer == nil ? .invitationReply(InvitationNoteBody(invitation: invitation.terms.id, note: note))
            : .introductionReply(IntroductionNoteBody(reference, note: note))
        return [.send(reply, to: counterpart), .event(.replied)]
    }

    // MARK: Messages from peers

    /// An `invitation-question` naming this invitation arrived from `peer` (its note already
    /// passed the note rule when the body was read).
    public mutating func questionReceived(_ body: InvitationNoteBody, from peer: NodeID, now: UInt64) -> [Action] {
        questionReceived(note: body.note, from: peer, now: now)
    }

    /// A question on this invitation arrived from `peer`: from the invitee, or relayed by the introducer.
    public mutating func questionReceived(note: String, from peer: NodeID, now: UInt64) -> [Action] {
        guard peer == counterpart else { return [.refuse(notParty(peer))] }
        var actions = expireIfDue(now: now)
        guard state == .pending else { return actions + [.ignore("a question on an invitation that is \(state.rawValue)")] }
        if let refusal = thread.questionRefusal { return actions + [.ignore(refusal.message)] }
        thread.append(.question(note, at: now))
        actions.append(.event(.questionReceived))
        return actions
    }

    /// The introducer passed this introduction request on to the invitee.
    public mutating func forwardedReceived(from peer: NodeID, now: UInt64) -> [Action] {
        guard let introducer, peer == introducer else { return [.refuse(notParty(peer))] }
        var actions = expireIfDue(now: now)
        guard state == .pending, !forwarded else { return actions + [.ignore("forwarded, for a request that is \(shownState)")] }
        forwarded = true
        actions.append(.event(.forwarded))
        return actions
    }

    /// The introducer did not pass this introduction request on, with its private `note` if any.
    public mutating func notForwardedReceived(note: String?, from peer: NodeID, now: UInt64) -> [Action] {
        guard let introducer, peer == introducer else { return [.refuse(notParty(peer))] }
        var actions = expireIfDue(now: now)
        guard state == .pending, !forwarded else { return actions + [.ignore("not forwarded, for a request that is \(shownState)")] }
        state = .notForwarded
        introducerNote = note
        actions.append(.event(.notForwarded))
        return actions
    }

    /// The state as the owner reads it: an introduction request is `requested` until its
    /// introducer passes it on, then `forwarded`.
    public var shownState: String {
        guard state == .pending, introducer != nil else { return state.rawValue }
        return forwarded ? "forwarded" : "requested"
    }

    /// A verified acceptance (`Connection(verifying:)`) of an invitation with this id arrived from `peer`.
    public mutating func acceptanceReceived(_ accepted: Connection, from peer: NodeID, now: UInt64) -> [Action] {
        guard peer == invitee else { return [.refuse(notParty(peer))] }
        guard accepted.invitation.bytes == invitation.bytes else {
            return [.refuse(ProtocolError(.invalidValue, "the acceptance is for other terms than the invitation sent"))]
        }
        guard accepted.since <= now + InvitationLimits.maximumClockSkew else {
            return [.refuse(ProtocolError(.clockSkew, "the acceptance is dated \(accepted.since - now) ms ahead of this node's clock"))]
        }
        var actions = expireIfDue(now: now)
        switch state {
        case .pending, .expired, .notForwarded:
            // Expired too: `Connection` guarantees it was accepted before `expires`; only its
            // delivery was late (the inviter was offline), and the invitee already holds it.
            // Not forwarded too: only an introducer that passed the request on could have made
            // the invitee's acceptance possible, and the invitee holds the record.
            state = .connected
            connection = accepted
            actions += [.recordConnection(accepted), .event(.connected)]
        case .withdrawn:
            // The invitee accepted before our withdrawal reached it. The withdrawal wins; sending
            // it again makes sure the invitee drops the connection it recorded.
            actions += [withdrawal, .ignore("an acceptance of a withdrawn invitation")]
        case .connected:
            actions.append(.ignore(connection?.record == accepted.record ? "the same acceptance again" :
                                    "a second, different acceptance: the first one is the record"))
        }
        return actions
    }

    /// Time passed: a pending invitation expires at `expires`.
    public mutating func tick(now: UInt64) -> [Action] {
        expireIfDue(now: now)
    }

    // MARK: Helpers

    private var withdrawal: Action {
        let delivery: Delivery = introducer == nil ? .invitationWithdrawal(InvitationWithdrawalBody(invitation: invitation.terms.id))
            : .introductionWithdrawal(IntroductionReferenceBody(reference))
        return .send(delivery, to: counterpart)
    }

    private mutating func expireIfDue(now: UInt64) -> [Action] {
        guard state == .pending, now >= invitation.terms.expires else { return [] }
        state = .expired
        return [.event(.expired)]
    }

    private func requirePending(now: UInt64) throws(InvitationFlowError) {
        switch state {
        case .pending:
            guard now < invitation.terms.expires else { throw InvitationFlowError(.invitationExpired, "the invitation has expired") }
        case .connected: throw InvitationFlowError(.alreadyConnected, "the invitation was accepted: disconnect instead")
        case .withdrawn: throw InvitationFlowError(.invitationWithdrawn, "the invitation was withdrawn")
        case .expired: throw InvitationFlowError(.invitationExpired, "the invitation has expired")
        case .notForwarded: throw InvitationFlowError(.notForwarded, "the introducer did not pass the request on")
        }
    }

    private func notParty(_ peer: NodeID) -> ProtocolError {
        ProtocolError(.wrongRecipient, "the invitation \(invitation.terms.id) is not addressed to \(peer.shortForm)")
    }
}
