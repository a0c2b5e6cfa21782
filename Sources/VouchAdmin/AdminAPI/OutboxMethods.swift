// The outbox: messages waiting for their peer's acknowledgement.

/// `outbox.list`: every queued message with its attempts, next attempt, expiry and last error.
public struct OutboxListRequest: AdminMethod {
    public typealias Response = OutboxListResponse
    public static let name = "outbox.list"

    public init() {}
}

public struct OutboxListResponse: Codable, Sendable, Equatable {
    public var messages: [QueuedMessageInfo]

    public init(messages: [QueuedMessageInfo]) { self.messages = messages }
}

public struct QueuedMessageInfo: Codable, Sendable, Equatable {
    public var message: String
    public var peer: String
    /// The wire message type (`card`).
    public var type: String
    public var attempts: Int
    public var nextAttemptAt: String
    public var expiresAt: String
    /// Why the last attempt failed; nil before the first attempt or after a success.
    public var lastError: String?

    public init(message: String, peer: String, type: String, attempts: Int, nextAttemptAt: String, expiresAt: String,
                lastError: String?) {
        self.message = message
        self.peer = peer
        self.type = type
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.expiresAt = expiresAt
        self.lastError = lastError
    }

    enum CodingKeys: String, CodingKey {
        case message, peer, type, attempts
        case nextAttemptAt = "next_attempt_at", expiresAt = "expires_at", lastError = "last_error"
    }
}
