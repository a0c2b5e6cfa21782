// Profile cards: sending this node's card, listing the cards other nodes sent.

/// `card.send`: sign this node's card for everyone and queue it for a node.
public struct CardSendRequest: AdminMethod {
    public typealias Response = CardSendResponse
    public static let name = "card.send"

    /// `NODE-ID@host:port`.
    public var address: String

    public init(address: String) { self.address = address }
}

public struct CardSendResponse: Codable, Sendable, Equatable {
    /// The outbox message ID (32 lowercase hex characters).
    public var message: String
    public var peer: String
    /// The profile version the card carries.
    public var version: UInt64
    /// When delivery stops being tried, ISO 8601 UTC.
    public var expiresAt: String

    public init(message: String, peer: String, version: UInt64, expiresAt: String) {
        self.message = message
        self.peer = peer
        self.version = version
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case message, peer, version
        case expiresAt = "expires_at"
    }
}

/// `card.list`: the cards other nodes shared with this one, newest first.
public struct CardListRequest: AdminMethod {
    public typealias Response = CardListResponse
    public static let name = "card.list"

    public init() {}
}

public struct CardListResponse: Codable, Sendable, Equatable {
    public var cards: [ReceivedCardInfo]

    public init(cards: [ReceivedCardInfo]) { self.cards = cards }
}

/// One stored card. Everything here comes from a peer: the version is carried exactly
/// (`UInt64`, up to 2^64−1, which a peer may send), and the texts are as the signer wrote them.
public struct ReceivedCardInfo: Codable, Sendable, Equatable {
    /// Who signed the card (whom it is about).
    public var signer: String
    public var shortID: String
    public var audience: String
    public var version: UInt64
    public var receivedAt: String
    /// The node that delivered it.
    public var from: String
    /// The profile fields by name (`name`, `headline`, …); absent if the stored document can no
    /// longer be read.
    public var fields: [String: String]?
    public var endpoints: [String]?

    public init(signer: String, shortID: String, audience: String, version: UInt64, receivedAt: String, from: String,
                fields: [String: String]?, endpoints: [String]?) {
        self.signer = signer
        self.shortID = shortID
        self.audience = audience
        self.version = version
        self.receivedAt = receivedAt
        self.from = from
        self.fields = fields
        self.endpoints = endpoints
    }

    enum CodingKeys: String, CodingKey {
        case signer, audience, version, from, fields, endpoints
        case shortID = "short_id", receivedAt = "received_at"
    }
}
