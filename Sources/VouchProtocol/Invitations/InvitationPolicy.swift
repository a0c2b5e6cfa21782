/// The invitee's rules for which verified invitations reach the inbox (Protocol/invitations.md
/// §Recipient policy). A pure value: the node gathers the `Situation` from its store and runs
/// the decision.
///
/// Every `drop` is answered exactly like `show`: the node records the message as processed and
/// sends `ack`. A refusal the inviter could see would tell it something (that it is blocked, that
/// it was declined before, that the inbox is full), so there is none; the invitation reads as
/// pending on the inviter's side until it expires, exactly like a declined one.
public struct InvitationPolicy: Sendable, Equatable, Codable {
    public enum WhoMayInvite: String, Sendable, CaseIterable, Codable {
        /// Anyone with the node's address.
        case open
        /// Only someone introduced by a connection of the owner's: an invitation that arrives in an
        /// `introduction-offer` from that connection (Protocol/introductions.md); direct ones are dropped.
        case introduced
        case nobody
    }

    public var whoMayInvite: WhoMayInvite
    /// The least number of non-white-space characters (Unicode scalars) a note must have.
    /// Scalars, not bytes, so the rule is as strict in every script; white space does not count,
    /// so padding cannot meet it.
    public var minimumNoteLength: Int
    /// The most invitations pending in the inbox at once.
    public var maximumPending: Int
    /// After the owner declines an invitation from someone, how long (ms) new invitations from
    /// them are dropped.
    public var declineCooldown: UInt64

    public static let `default` = InvitationPolicy(whoMayInvite: .open, minimumNoteLength: 20, maximumPending: 200,
                                                   declineCooldown: 30 * 24 * 3_600_000)

    public init(whoMayInvite: WhoMayInvite, minimumNoteLength: Int, maximumPending: Int, declineCooldown: UInt64) {
        self.whoMayInvite = whoMayInvite
        self.minimumNoteLength = minimumNoteLength
        self.maximumPending = maximumPending
        self.declineCooldown = declineCooldown
    }

    /// What the node knows about the inviter and the inbox when a new invitation arrives.
    public struct Situation: Sendable, Equatable {
        public var inviterBlocked: Bool
        public var alreadyConnected: Bool
        /// The inviter has another invitation pending in the inbox.
        public var inviterHasPending: Bool
        /// When the owner last declined an invitation from this inviter (Unix ms).
        public var lastDeclined: UInt64?
        /// Invitations pending in the inbox now.
        public var pendingCount: Int
        /// The invitation came through an introduction (Protocol/introductions.md §5.4).
        public var introduced: Bool

        public init(inviterBlocked: Bool = false, alreadyConnected: Bool = false, inviterHasPending: Bool = false,
                    lastDeclined: UInt64? = nil, pendingCount: Int = 0, introduced: Bool = false) {
            self.inviterBlocked = inviterBlocked
            self.alreadyConnected = alreadyConnected
            self.inviterHasPending = inviterHasPending
            self.lastDeclined = lastDeclined
            self.pendingCount = pendingCount
            self.introduced = introduced
        }
    }

    public enum Decision: Sendable, Equatable {
        case show
        /// Acked and dropped; the reason is for the owner's log only.
        case drop(DropReason)
    }

    /// In the order they are checked.
    public enum DropReason: String, Sendable, Equatable, CaseIterable {
        case blocked
        case alreadyConnected = "already-connected"
        case notAccepting = "not-accepting"
        case cooldown
        case noteTooShort = "note-too-short"
        case inviterHasPending = "inviter-has-pending"
        case inboxFull = "inbox-full"
    }

    public func decide(note: String, situation s: Situation, now: UInt64) -> Decision {
        if s.inviterBlocked { return .drop(.blocked) }
        if s.alreadyConnected { return .drop(.alreadyConnected) }
        switch whoMayInvite {
        case .open: break
        case .introduced: if !s.introduced { return .drop(.notAccepting) }
        case .nobody: return .drop(.notAccepting)
        }
        if let declined = s.lastDeclined {
            let (end, overflow) = declined.addingReportingOverflow(declineCooldown)
            if overflow || now < end { return .drop(.cooldown) }
        }
        if InvitationText.meaningfulLength(note) < minimumNoteLength { return .drop(.noteTooShort) }
        if s.inviterHasPending { return .drop(.inviterHasPending) }
        if s.pendingCount >= maximumPending { return .drop(.inboxFull) }
        return .show
    }
}
