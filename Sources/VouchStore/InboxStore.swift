import Foundation
import GRDB
import VouchCrypto
public import VouchProtocol

/// What happened to a delivered message on the receiving side.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Processed now, for the first time.
    case processed
    /// Processed before: acknowledged again, not processed again.
    case duplicate
}

/// A signed profile card another node shared with this one.
public struct ReceivedCard: Sendable, Equatable {
    public var signer: NodeID
    public var audience: Audience
    public var version: UInt64
    public var document: [UInt8]
    public var receivedAt: UInt64
    public var sender: NodeID
}

/// What storing a card did.
public enum CardStoreResult: Sendable, Equatable {
    case stored
    case kept(ProfileVersionRule.Decision)
}

extension NodeDatabase {
    /// Processes a delivered message at most once: records its ID and runs the effect in one
    /// transaction, so a crash leaves either both or neither, and a second copy is a no-op. The
    /// transaction is shared with other deliveries waiting (`GroupCommit`); this returns, and the
    /// caller acks, only after it committed.
    func receiveOnce<T: Sendable>(from sender: NodeID, message: WireMessage, nowMilliseconds now: UInt64,
                                  effect: @escaping @Sendable (Database) throws -> T) async throws -> (DeliveryOutcome, T?) {
        try await groupedWrite { db in
            // Cached: prepared once per connection, not for every delivery (statement
            // preparation was a large part of a delivery's cost; see Docs/benchmarks.md).
            try db.reusing(sql: """
                INSERT INTO received_message (sender, message_id, received_at, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """) { try $0.execute(arguments: [Data(sender.rawRepresentation), Data(message.id.bytes), SQLInteger.storing(now, "now"),
                                                  SQLInteger.storing(message.expiresAt, "expiresAt")]) }
            guard db.changesCount > 0 else { return (.duplicate, nil) }
            return (.processed, try effect(db))
        }
    }

    /// Stores a verified card delivered by `sender`, once per message, applying the profile
    /// version rule against the held card of the same signer and audience: an older or
    /// conflicting version never replaces the one held.
    public func receiveCard(_ envelope: SignedEnvelope, document: ProfileDocument, from sender: NodeID,
                            message: WireMessage, nowMilliseconds now: UInt64) async throws -> (DeliveryOutcome, CardStoreResult?) {
        try await receiveOnce(from: sender, message: message, nowMilliseconds: now) { db in
            let signer = Data(envelope.signer.rawRepresentation)
            let audience = document.audience.rawValue
            var current: (SignedEnvelope, UInt64)?
            if let row = try Row.fetchOne(db, sql: "SELECT version, document FROM received_card WHERE signer = ? AND audience = ?",
                                          arguments: [signer, audience]) {
                let bytes: Data = try row.required("document")
                current = (try SignedEnvelope(verifying: Array(bytes)), try row.unsigned("version"))
            }
            let decision = ProfileVersionRule.decide(current: current?.0, currentVersion: current?.1,
                                                     incoming: envelope, incomingVersion: document.version)
            guard decision == .accept else { return .kept(decision) }
            try db.execute(sql: """
                INSERT INTO received_card (signer, audience, version, document, received_at, sender) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(signer, audience) DO UPDATE SET version = excluded.version, document = excluded.document,
                    received_at = excluded.received_at, sender = excluded.sender
                """, arguments: [signer, audience, SQLInteger.storing(document.version, "version"), Data(envelope.encoded), SQLInteger.storing(now, "now"), Data(sender.rawRepresentation)])
            // A connection made through an introduction: the requester's node learns where the
            // other side is reached only from its card for connections, sent after the acceptance
            // (Protocol/introductions.md). An address already known is kept as the first to try;
            // the endpoints of a known peer's own newest card are dialed too (Protocol/relay.md §5).
            if envelope.signer == sender, !document.endpoints.isEmpty,
               try Row.fetchOne(db, sql: "SELECT 1 FROM peer WHERE node_id = ?", arguments: [signer]) != nil
                || (document.audience == .connections
                    && Row.fetchOne(db, sql: "SELECT 1 FROM connection WHERE peer = ?", arguments: [signer]) != nil) {
                try NodeDatabase.learnPeer(db, id: sender, cardEndpoints: document.endpoints, now: now)
            }
            return .stored
        }
    }

    public func receivedCards() throws -> [ReceivedCard] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM received_card ORDER BY received_at DESC").map { row in
                let signer: Data = try row.required("signer"), sender: Data = try row.required("sender")
                let document: Data = try row.required("document")
                return ReceivedCard(signer: NodeID(publicKey: try .init(rawRepresentation: Array(signer))),
                                    audience: Audience(rawValue: try row.required("audience")) ?? .everyone,
                                    version: try row.unsigned("version"), document: Array(document),
                                    receivedAt: try row.unsigned("received_at"),
                                    sender: NodeID(publicKey: try .init(rawRepresentation: Array(sender))))
            }
        }
    }

    /// Forgets processed message IDs whose messages have expired (a copy would now be refused as expired).
    public func pruneReceivedMessages(nowMilliseconds now: UInt64) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM received_message WHERE expires_at <= ?", arguments: [SQLInteger.storing(now, "now")])
        }
    }
}
