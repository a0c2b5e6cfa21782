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
    /// Sent by the admin server itself to a follower that fell behind, just before it is cut off.
    case eventsDropped = "events.dropped"
}
