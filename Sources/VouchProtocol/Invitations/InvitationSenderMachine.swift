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
public struct InvitationSenderMachine: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case pending, connected, withdrawn, expired
    }

    public enum Action: Sendable, Equatable {
        /// Queue this delivery to the invitee through the outbox.
        case send(Delivery)
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

    public var invitee: NodeID { invitation.terms.invitee }

    /// A freshly sent invitation: pending.
    public init(sent invitation: SignedInvitation) {
        self.init(invitation: invitation, state: .pending, thread: InvitationThread(), connection: nil)
    }

    /// Restores a machine the node stored.
    public init(invitation: SignedInvitation, state: State, thread: InvitationThread, connection: Connection?) {
        self.invitation = invitation
        self.state = state
        self.thread = thread
        self.connection = connection
    }

    // MARK: The owner's commands

    // A command changes nothing when it throws: expiry is `tick`'s to record (with its event),
    // a command at or after `expires` is refused as `invitation-expired`.

    public mutating func withdraw(now: UInt64) throws(InvitationFlowError) -> [Action] {
        try requirePending(now: now)
        state = .withdrawn
        return [.send(withdrawal), .event(.withdrawn)]
    }

    /// Answers the invitee's open question with `note` (the note rule applies).
    public mutating func reply(_ note: String, now: UInt64) throws -> [Action] {
        try requirePending(now: now)
        if let refusal = thread.replyRefusal { throw refusal }
        try InvitationText.validateNote(note)
        thread.append(.reply(note, at: now))
        return [.send(.invitationReply(InvitationNoteBody(invitation: invitation.terms.id, note: note))), .event(.replied)]
    }

    // MARK: Messages from peers

    /// An `invitation-question` naming this invitation arrived from `peer` (its note already
    /// passed the note rule when the body was read).
    public mutating func questionReceived(_ body: InvitationNoteBody, from peer: NodeID, now: UInt64) -> [Action] {
        guard peer == invitee else { return [.refuse(notParty(peer))] }
        var actions = expireIfDue(now: now)
        guard state == .pending else { return actions + [.ignore("a question on an invitation that is \(state.rawValue)")] }
        if let refusal = thread.questionRefusal { return actions + [.ignore(refusal.message)] }
        thread.append(.question(body.note, at: now))
        actions.append(.event(.questionReceived))
        return actions
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
        case .pending, .expired:
            // Expired too: `Connection` guarantees it was accepted before `expires`; only its
            // delivery was late (the inviter was offline), and the invitee already holds it.
            state = .connected
            connection = accepted
            actions += [.recordConnection(accepted), .event(.connected)]
        case .withdrawn:
            // The invitee accepted before our withdrawal reached it. The withdrawal wins; sending
            // it again makes sure the invitee drops the connection it recorded.
            actions += [.send(withdrawal), .ignore("an acceptance of a withdrawn invitation")]
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

    private var withdrawal: Delivery { .invitationWithdrawal(InvitationWithdrawalBody(invitation: invitation.terms.id)) }

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
        }
    }

    private func notParty(_ peer: NodeID) -> ProtocolError {
        ProtocolError(.wrongRecipient, "the invitation \(invitation.terms.id) is not addressed to \(peer.shortForm)")
    }
}
