/// The types of event a node publishes to `vouch events` (Docs/admin-api.md §Events): one closed
/// list, so the node cannot publish a type nobody documented, and the CLI can refuse a `--type`
/// that would never match anything instead of waiting forever.
public enum NodeEventType: String, CaseIterable, Sendable {
    case sessionOpened = "session.opened"
    case sessionClosed = "session.closed"
    case cardReceived = "card.received"
    case outboxQueued = "outbox.queued"
    case outboxDelivered = "outbox.delivered"
    case outboxExpired = "outbox.expired"
    case outboxFailed = "outbox.failed"
    // The invitation flow (Protocol/invitations.md §7): one per state change, on either side.
    case invitationSent = "invitation.sent"
    case invitationReceived = "invitation.received"
    case invitationQuestionAsked = "invitation.question-asked"
    case invitationQuestionReceived = "invitation.question-received"
    case invitationReplied = "invitation.replied"
    case invitationReplyReceived = "invitation.reply-received"
    case invitationAccepted = "invitation.accepted"
    case invitationDeclined = "invitation.declined"
    case invitationReportedSpam = "invitation.reported-spam"
    case invitationWithdrawn = "invitation.withdrawn"
    case invitationExpired = "invitation.expired"
    // The introduction flow (Protocol/introductions.md §6). On the requester's and the target's
    // node an introduction is an invitation and has the invitation events too.
    case introductionRequested = "introduction.requested"
    case introductionReceived = "introduction.received"
    case introductionForwarded = "introduction.forwarded"
    case introductionNotForwarded = "introduction.not-forwarded"
    case introductionRelayed = "introduction.relayed"
    case introductionWithdrawn = "introduction.withdrawn"
    case introductionExpired = "introduction.expired"
    case introductionAccepted = "introduction.accepted"
    /// Both sides hold the record: on the inviter when the acceptance arrives, on the invitee when it accepts.
    case connectionMade = "connection.made"
    case connectionRemoved = "connection.removed"
    /// This side chose, or the other side's statement changed, who may learn of a connection.
    case connectionVisibility = "connection.visibility"
    case nodeBlocked = "node.blocked"
    case nodeUnblocked = "node.unblocked"
    case policyChanged = "policy.changed"
    /// Sent by the admin server itself to a follower that fell behind, just before it is cut off.
    case eventsDropped = "events.dropped"
}
