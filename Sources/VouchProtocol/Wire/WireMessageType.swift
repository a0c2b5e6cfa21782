/// Message types of protocol version 1 (Protocol/transport.md §Messages).
public enum WireMessageType: String, Sendable, CaseIterable {
    /// A liveness and latency probe; answered by `pong`. Body: empty map.
    case ping
    /// The answer to `ping`. Body: empty map.
    case pong
    /// A failure answer to the message named in `reply_to`. Body: {code, message}.
    case error
    /// Receipt of the message named in `reply_to`: it was stored and will not be processed
    /// again. The sender's outbox deletes it. Body: empty map.
    case ack
    /// A signed profile card shared with the recipient. Body: {document: bytes}. Answered by `ack`.
    case card

    /// Types a node must answer with `ack` (or `error`): the ones that travel through the outbox.
    public var isDelivery: Bool { self == .card }
}
