/// Two people who invite each other at the same moment get one connection, not two
/// (Protocol/invitations.md §Crossing invitations).
///
/// When a node receives an invitation from a peer it has a pending invitation to, both
/// invitations are in flight and each node sees the other's. Both nodes decide the same way,
/// without a message: the invitation **from the smaller key** (bytewise, as `SessionTieBreak`
/// compares keys) stands. The node holding the other one withdraws its own and shows the
/// standing invitation to its owner, who accepts it with one command. Nothing is signed
/// automatically: the standing invitation's relationship and context are the other person's
/// words, and only its reader may countersign them.
public enum InvitationCrossing {
    public enum Decision: Sendable, Equatable {
        /// No invitation of ours is pending to this peer: handle theirs normally.
        case noCrossing
        /// Theirs stands: withdraw ours (`InvitationSenderMachine.withdraw`), show theirs.
        case theirsStands
        /// Ours stands: ack theirs and drop it; the peer withdraws it when ours reaches it.
        case oursStands
    }

    /// An invitation from `peer` arrived at `local`; `oursPending` says whether `local` has a
    /// pending invitation to `peer`.
    public static func decide(local: NodeID, peer: NodeID, oursPending: Bool) -> Decision {
        guard oursPending else { return .noCrossing }
        return peer < local ? .theirsStands : .oursStands
    }

    /// The owner of `local` asks to invite a peer whose invitation is pending in the inbox: there
    /// is nothing to send; accepting theirs makes the connection.
    public enum InviteDecision: Sendable, Equatable {
        case send
        case acceptTheirsInstead
    }

    public static func beforeInviting(theirsPending: Bool) -> InviteDecision {
        theirsPending ? .acceptTheirsInstead : .send
    }
}
