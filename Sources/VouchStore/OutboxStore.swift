import Foundation
import GRDB
import VouchCrypto
public import VouchProtocol

/// A message waiting in the outbox for its peer to acknowledge it. Only a `Delivery` can be
/// queued: a type that is not acked has no business in the outbox, and the compiler says so.
public struct OutboxEntry: Sendable, Equatable {
    public var messageID: MessageID
    public var peer: NodeID
    public var delivery: Delivery
    /// Unix milliseconds; fixed at enqueue so every retry is byte-identical.
    public var sentAt: UInt64
    public var expiresAt: UInt64
    public var attempts: Int
    public var nextAttemptAt: UInt64
    public var lastError: String?

    public init(messageID: MessageID, peer: NodeID, delivery: Delivery, sentAt: UInt64,
                expiresAt: UInt64, attempts: Int = 0, nextAttemptAt: UInt64, lastError: String? = nil) {
        self.messageID = messageID
        self.peer = peer
        self.delivery = delivery
        self.sentAt = sentAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }

    public var type: WireMessageType { delivery.type }

    /// The message exactly as it goes on the wire, on every attempt.
    public var message: WireMessage {
        WireMessage(id: messageID, type: delivery.type, sentAt: sentAt, expiresAt: expiresAt, recipient: peer, body: delivery.value)
    }
}

/// A peer the node has an address for.
public struct PeerRecord: Sendable, Equatable {
    public var id: NodeID
    /// The address the owner gave, or the first endpoint learned from the peer.
    public var endpoint: Endpoint
    /// Every endpoint to try, in dial order (Protocol/relay.md §5: direct first, relays after,
    /// each kind in the order learned): `endpoint` and those of the peer's newest card or
    /// invitation, once each.
    public var endpoints: [Endpoint]

    public init(id: NodeID, endpoint: Endpoint, cardEndpoints: [Endpoint] = []) {
        self.id = id
        self.endpoint = endpoint
        var seen: Set<Endpoint> = []
        endpoints = Endpoint.dialOrder(([endpoint] + cardEndpoints).filter { seen.insert($0).inserted })
    }
}

extension NodeDatabase {
    /// At most this many endpoints of a card are kept for a peer (a profile lists at most 8).
    public static let maximumCardEndpoints = 8

    public func rememberPeer(_ address: NodeAddress, nowMilliseconds now: UInt64) throws {
        try write { db in try Self.rememberPeer(db, id: address.id, endpoint: address.endpoint, replace: true, now: now) }
    }

    /// Records where `id` is reached; `replace` false keeps an address already known (one the
    /// owner typed wins over one learned from a peer's card).
    static func rememberPeer(_ db: Database, id: NodeID, endpoint: Endpoint, replace: Bool, now: UInt64) throws {
        try db.reusing(sql: """
            INSERT INTO peer (node_id, endpoint, first_seen) VALUES (?, ?, ?)
            ON CONFLICT(node_id) DO \(replace ? "UPDATE SET endpoint = excluded.endpoint" : "NOTHING")
            """) { try $0.execute(arguments: [Data(id.rawRepresentation), endpoint.description, SQLInteger.storing(now, "now")]) }
    }

    /// Records the endpoints `id`'s own card or invitation lists (the newest one wins): its first
    /// becomes the address if none is known, and all are dialed after the address (`PeerRecord`).
    static func learnPeer(_ db: Database, id: NodeID, cardEndpoints: [Endpoint], now: UInt64) throws {
        guard let first = cardEndpoints.first else { return }
        let text = cardEndpoints.prefix(maximumCardEndpoints).map(\.description).joined(separator: " ")
        try db.reusing(sql: """
            INSERT INTO peer (node_id, endpoint, card_endpoints, first_seen) VALUES (?, ?, ?, ?)
            ON CONFLICT(node_id) DO UPDATE SET card_endpoints = excluded.card_endpoints WHERE card_endpoints <> excluded.card_endpoints
            """) { try $0.execute(arguments: [Data(id.rawRepresentation), first.description, text, SQLInteger.storing(now, "now")]) }
    }

    public func peer(_ id: NodeID) throws -> PeerRecord? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT endpoint, card_endpoints FROM peer WHERE node_id = ?",
                                             arguments: [Data(id.rawRepresentation)]) else { return nil }
            let endpoint: String = try row.required("endpoint"), card: String = try row.required("card_endpoints")
            // Each was valid when stored; one that no longer parses (a stricter reader) is skipped.
            let cardEndpoints = card.split(separator: " ").compactMap { try? Endpoint(parsing: String($0)) }
            return PeerRecord(id: id, endpoint: try Endpoint(parsing: endpoint), cardEndpoints: cardEndpoints)
        }
    }

    public func markPeerSeen(_ id: NodeID, nowMilliseconds now: UInt64) throws {
        try write { db in
            try db.execute(sql: "UPDATE peer SET last_seen = ? WHERE node_id = ?", arguments: [SQLInteger.storing(now, "now"), Data(id.rawRepresentation)])
        }
    }

    /// Stores a message for `entry.peer`. When this returns, the message survives a crash.
    public func enqueue(_ entry: OutboxEntry) throws {
        try write { db in try Self.enqueue(db, entry) }
    }

    /// The outbox row of `entry`, inside a transaction that commits it together with the state
    /// change that sends it (an acceptance with its connection record, for one).
    static func enqueue(_ db: Database, _ entry: OutboxEntry) throws {
        try db.execute(sql: """
            INSERT INTO outbox (message_id, peer, type, body, sent_at, expires_at, attempts, next_attempt_at, last_error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [Data(entry.messageID.bytes), Data(entry.peer.rawRepresentation), entry.type.rawValue,
                             Data(entry.delivery.value.encoded), SQLInteger.storing(entry.sentAt, "sentAt"), SQLInteger.storing(entry.expiresAt, "expiresAt"), entry.attempts,
                             SQLInteger.storing(entry.nextAttemptAt, "nextAttemptAt"), entry.lastError])
    }

    /// Everything in the outbox, soonest first.
    public func outbox() throws -> [OutboxEntry] {
        try read { db in try Self.outboxRows(db, sql: "SELECT * FROM outbox ORDER BY next_attempt_at, message_id") }
    }

    /// Messages whose next attempt is due at `now`.
    /// Messages due at `now`, soonest first, leaving out those to the peers in `excluding` (being
    /// delivered already), so that a peer that holds up its own messages does not hold up others'.
    public func dueOutbox(nowMilliseconds now: UInt64, limit: Int = 256, excluding: Set<NodeID> = []) throws -> [OutboxEntry] {
        try read { db in
            let (clause, busy) = Self.excluding(excluding)
            return try Self.outboxRows(db, sql: "SELECT * FROM outbox WHERE next_attempt_at <= ?\(clause) ORDER BY next_attempt_at LIMIT ?",
                                       arguments: [try SQLInteger.storing(now, "now")] + busy + [limit])
        }
    }

    /// When the next attempt is due (to a peer not in `excluding`), or nil if none is.
    public func nextOutboxAttempt(excluding: Set<NodeID> = []) throws -> UInt64? {
        let (clause, busy) = Self.excluding(excluding)
        return try read { db in
            try Row.fetchOne(db, sql: "SELECT min(next_attempt_at) AS next FROM outbox WHERE next_attempt_at IS NOT NULL\(clause)", arguments: busy)
                .flatMap { $0.hasNull(atIndex: 0) ? nil : try $0.unsigned("next") }
        }
    }

    /// `AND peer NOT IN (?, …)` and its arguments; nothing for an empty set.
    private static func excluding(_ peers: Set<NodeID>) -> (String, StatementArguments) {
        guard !peers.isEmpty else { return ("", []) }
        return (" AND peer NOT IN (" + peers.map { _ in "?" }.joined(separator: ", ") + ")",
                StatementArguments(peers.map { Data($0.rawRepresentation) }))
    }

    public func recordAttempt(_ id: MessageID, attempts: Int, nextAttemptAt: UInt64, error: String?) throws {
        try write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE message_id = ?",
                           arguments: [attempts, SQLInteger.storing(nextAttemptAt, "nextAttemptAt"), error, Data(id.bytes)])
        }
    }

    /// Removes a message the peer acknowledged. False if it was not (or no longer) there. In a
    /// transaction shared with other such writes (`GroupCommit`): a profile change fanned out to
    /// many connections is acked by all of them within moments, and one fsync per ack made the
    /// outbox's pace the disk's.
    @discardableResult
    public func removeFromOutbox(_ id: MessageID) async throws -> Bool {
        try await groupedWrite { db in
            try db.execute(sql: "DELETE FROM outbox WHERE message_id = ?", arguments: [Data(id.bytes)])
            return db.changesCount > 0
        }
    }

    /// Removes and returns the messages that expired undelivered.
    public func expireOutbox(nowMilliseconds now: UInt64) throws -> [OutboxEntry] {
        try write { db in
            let expired = try Self.outboxRows(db, sql: "SELECT * FROM outbox WHERE expires_at <= ?", arguments: [SQLInteger.storing(now, "now")])
            try db.execute(sql: "DELETE FROM outbox WHERE expires_at <= ?", arguments: [SQLInteger.storing(now, "now")])
            return expired
        }
    }

    private static func outboxRows(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [OutboxEntry] {
        // A row that holds no delivery this version reads (written by a later version, or damaged)
        // is left alone rather than failing every outbox pass; it goes at its expiry.
        try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
            let typeName: String = try row.required("type")
            let peerBytes: Data = try row.required("peer"), idBytes: Data = try row.required("message_id")
            let body: Data = try row.required("body")
            guard let type = WireMessageType(rawValue: typeName), let value = try? CBORValue(canonical: Array(body)),
                  case .delivery(let delivery)? = try? MessageBody(type: type, body: value) else { return nil }
            return OutboxEntry(
                messageID: try MessageID(bytes: Array(idBytes)),
                peer: NodeID(publicKey: try .init(rawRepresentation: Array(peerBytes))),
                delivery: delivery,
                sentAt: try row.unsigned("sent_at"), expiresAt: try row.unsigned("expires_at"),
                attempts: try row.required("attempts"), nextAttemptAt: try row.unsigned("next_attempt_at"), lastError: try row.required("last_error", as: String?.self))
        }
    }
}

extension NodeDatabase {
    /// Makes every message for `peer` due now: it just connected, so waiting out a backoff
    /// computed while it was away would only delay delivery.
    public func makeOutboxDueNow(for peer: NodeID, nowMilliseconds now: UInt64) throws {
        try write { db in
            try db.execute(sql: "UPDATE outbox SET next_attempt_at = ? WHERE peer = ? AND next_attempt_at > ?",
                           arguments: [SQLInteger.storing(now, "now"), Data(peer.rawRepresentation), SQLInteger.storing(now, "now")])
        }
    }

    public func outboxCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") ?? 0 }
    }
}
