public import VouchCrypto

/// The invitee's side of one invitation (Protocol/invitations.md §Lifecycle, the invitee), as a
/// value that takes events and returns the actions to run: no I/O, every transition tested.
///
///     pending ──accept──▶ accepted ──withdrawal (crossed our acceptance)──▶ withdrawn (connection dropped)
///      │  │ ╲──ask-context / reply──╮
///      │  │  ◀──────────────────────╯
///      │  ├──decline──▶ declined ──accept (changed mind, before expires)──▶ accepted
///      │  │               └──report-spam──▶ reported-spam (sender blocked)
///      │  ├──report-spam──▶ reported-spam
///      │  ├──withdrawal──▶ withdrawn
///      │  └──expires──▶ expired
///
/// Declining and reporting send nothing: the inviter cannot tell them from no answer.
///
/// The same machine is the target's side of an introduction (Protocol/introductions.md §The
/// target), for an invitation that arrived in an `introduction-offer` with the introducer's signed
/// note: questions then go to the introducer, who relays them, replies and withdrawals come from
/// it, and the acceptance (format 2, carrying the introducer's note) goes straight to the
/// requester. The introducer learns of an acceptance only if the owner says so.
public struct InvitationRecipientMachine: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case pending, accepted, declined
        case reportedSpam = "reported-spam"
        case withdrawn, expired
    }

    public enum Action: Sendable, Equatable {
        /// Queue this delivery to this node through the outbox.
        case send(Delivery, to: NodeID)
        /// Store the connection record.
        case recordConnection(Connection)
        /// Delete the connection recorded for this invitation: the inviter's withdrawal crossed our acceptance.
        case dropConnection(Connection)
        /// Block the inviter (privately: its messages are then acked and dropped).
        case block(NodeID)
        /// Tell the owner's scripts.
        case event(InvitationEvent)
        /// Answer `ack` and change nothing (the reason is for the log). Whatever the state, the
        /// inviter gets the same `ack`, so it cannot learn that the invitation was declined.
        case ignore(String)
        /// Answer `error invalid-body` with this error.
        case refuse(ProtocolError)
    }

    public let invitation: Invitation
    public private(set) var state: State
    public private(set) var thread: InvitationThread
    public private(set) var connection: Connection?
    /// The introducer's signed note, for an invitation that came as an introduction.
    public let introduction: SignedIntroduction?

    public var inviter: NodeID { invitation.inviter }
    /// Who questions go to and replies and withdrawals come from: the introducer, or the inviter.
    public var counterpart: NodeID { introduction?.introducer ?? inviter }
    /// How the requester and the introducer name this introduction.
    public var reference: IntroductionReference { IntroductionReference(requester: inviter, request: invitation.terms.id) }

    /// An invitation that passed every check and the owner's policy: pending, shown in the inbox.
    /// `introduction` is the introducer's verified note when it came in an `introduction-offer`.
    public init(received invitation: Invitation, introduction: SignedIntroduction? = nil) {
        self.init(invitation: invitation, state: .pending, thread: InvitationThread(), connection: nil, introduction: introduction)
    }

    /// Restores a machine the node stored.
    public init(invitation: Invitation, state: State, thread: InvitationThread, connection: Connection?,
                introduction: SignedIntroduction? = nil) {
        self.invitation = invitation
        self.state = state
        self.thread = thread
        self.connection = connection
        self.introduction = introduction
    }

    // MARK: The owner's commands

    // A command changes nothing when it throws: expiry is `tick`'s to record (with its event),
    // a command at or after `expires` is refused as `invitation-expired`.

    /// Signs the acceptance at `now` with the invitee's `key`. Allowed after a decline too (a decline
    /// was never sent, so changing one's mind before the invitation expires is invisible).
    /// The node commits the new state, the record and the outbox row in one transaction, so
    /// exactly one acceptance is ever signed for an invitation.
    ///
    /// For an introduction, `tellIntroducer` also sends the introducer an `introduction-outcome`;
    /// without it the introducer learns nothing of the answer.
    public mutating func accept(now: UInt64, key: Ed25519PrivateKey, tellIntroducer: Bool = false) throws -> [Action] {
        try require([.pending, .declined], now: now)
        let made = try Connection.accept(invitation.signed, introduction: introduction, accepted: now, with: key)
        state = .accepted
        connection = made
        var actions: [Action] = [.recordConnection(made), .send(.acceptance(SignedDocumentBody(document: made.record.encoded)), to: inviter)]
        if tellIntroducer, let introducer = introduction?.introducer {
            actions.append(.send(.introductionOutcome(IntroductionReferenceBody(reference)), to: introducer))
        }
        actions.append(.event(.accepted))
        return actions
    }

    /// Declines silently: nothing is sent.
    public mutating func decline(now: UInt64) throws(InvitationFlowError) -> [Action] {
        try require([.pending], now: now)
        state = .declined
        return [.event(.declined)]
    }

    /// Declines and blocks the inviter: nothing is sent. Allowed after a decline and after expiry
    /// too: blocking a spammer does not depend on the invitation still being valid.
    public mutating func reportSpam(now: UInt64) throws(InvitationFlowError) -> [Action] {
        guard [.pending, .declined, .expired].contains(state) else { try refuseCommand() }
        state = .reportedSpam
        return [.block(inviter), .event(.reportedSpam)]
    }

    /// Asks the inviter for context with `note` (the note rule applies).
    public mutating func askContext(_ note: String, now: UInt64) throws -> [Action] {
        try require([.pending], now: now)
        if let refusal = thread.questionRefusal { throw refusal }
        try InvitationText.validateNote(note)
        thread.append(.question(note, at: now))
        let question: Delivery = introduction == nil ? .invitationQuestion(InvitationNoteBody(invitation: invitation.terms.id, note: note))
            : .introductionQuestion(IntroductionNoteBody(reference, note: note))
        return [.send(question, to: counterpart), .event(.questionAsked)]
    }

    // MARK: Messages from peers

    /// An `invitation` with this invitation's id arrived again from its inviter (a retry after a
    /// lost ack, or a replay): never processed twice, whatever the state, and the same `ack`.
    public func invitationReceivedAgain(_ body: InvitationBody) -> [Action] {
        [.ignore(body.document == invitation.signed.bytes ? "the same invitation again (\(state.rawValue))" :
                    "another invitation under an id already used (\(state.rawValue)): the first one stands")]
    }

    /// An `invitation-reply` naming this invitation arrived from `peer`.
    public mutating func replyReceived(_ body: InvitationNoteBody, from peer: NodeID, now: UInt64) -> [Action] {
        replyReceived(note: body.note, from: peer, now: now)
    }

    /// A reply on this invitation arrived from `peer`: from the inviter, or relayed by the introducer.
    public mutating func replyReceived(note: String, from peer: NodeID, now: UInt64) -> [Action] {
        guard peer == counterpart else { return [.refuse(notParty(peer))] }
        var actions = expireIfDue(now: now)
        guard state == .pending else { return actions + [.ignore("a reply on an invitation that is \(state.rawValue)")] }
        if let refusal = thread.replyRefusal { return actions + [.ignore(refusal.message)] }
        thread.append(.reply(note, at: now))
        actions.append(.event(.replyReceived))
        return actions
    }

    /// An `invitation-withdrawal` naming this invitation arrived from `peer`.
    public mutating func withdrawalReceived(from peer: NodeID, now: UInt64) -> [Action] {
        guard peer == counterpart else { return [.refuse(notParty(peer))] }
        var actions = expireIfDue(now: now)
        switch state {
        case .pending, .declined:
            state = .withdrawn
            actions.append(.event(.withdrawn))
        case .accepted:
            // The inviter withdrew before our acceptance reached it, and ignores the acceptance:
            // the withdrawal wins, so that neither side keeps a connection the other does not have.
            state = .withdrawn
            if let connection { actions.append(.dropConnection(connection)) }
            connection = nil
            actions.append(.event(.withdrawn))
        case .reportedSpam, .withdrawn, .expired:
            actions.append(.ignore("a withdrawal of an invitation that is \(state.rawValue)"))
        }
        return actions
    }

    /// Time passed: a pending or declined invitation expires at `expires`.
    public mutating func tick(now: UInt64) -> [Action] {
        expireIfDue(now: now)
    }

    // MARK: Helpers

    private mutating func expireIfDue(now: UInt64) -> [Action] {
        guard state == .pending || state == .declined, now >= invitation.terms.expires else { return [] }
        let wasPending = state == .pending
        state = .expired
        return wasPending ? [.event(.expired)] : []
    }

    private func require(_ allowed: [State], now: UInt64) throws(InvitationFlowError) {
        guard allowed.contains(state) else { try refuseCommand() }
        guard now < invitation.terms.expires else { throw InvitationFlowError(.invitationExpired, "the invitation has expired") }
    }

    private func refuseCommand() throws(InvitationFlowError) -> Never {
        switch state {
        case .expired: throw InvitationFlowError(.invitationExpired, "the invitation has expired")
        case .withdrawn: throw InvitationFlowError(.invitationWithdrawn, "the inviter withdrew the invitation")
        case .accepted: throw InvitationFlowError(.alreadyConnected, "the invitation was accepted")
        case .declined, .reportedSpam, .pending: throw InvitationFlowError(.alreadyAnswered, "the invitation was already answered (\(state.rawValue))")
        }
    }

    private func notParty(_ peer: NodeID) -> ProtocolError {
        ProtocolError(.wrongRecipient, "the invitation \(invitation.terms.id) is not from \(peer.shortForm)")
    }
}
