import Foundation
import GRDB
public import VouchCrypto
public import VouchProtocol

/// The invitation, connection and block tables inside ONE write transaction: a service loads a
/// machine, runs it, and saves the new state, the connection record and the outbox rows of what
/// it sends here, so a crash leaves all of them or none (Protocol/invitations.md §7.2: exactly
/// one acceptance is ever signed for an invitation). Only valid inside the closure it is given to.
public struct InvitationLedger {
    let db: Database

    // MARK: Outbox and peers

    /// Queues `entry` in this transaction (`Outbox.queued` wakes the worker after the commit).
    public func enqueue(_ entry: OutboxEntry) throws {
        try NodeDatabase.enqueue(db, entry)
    }

    /// Records where `node` is reached, keeping an address already known.
    public func learnPeer(_ node: NodeID, endpoint: Endpoint, now: UInt64) throws {
        try NodeDatabase.rememberPeer(db, id: node, endpoint: endpoint, replace: false, now: now)
    }

    /// Records the endpoints `node`'s own card or invitation lists (`NodeDatabase.learnPeer`):
    /// the first is its address if none is known; all are dialed (Protocol/relay.md §5).
    public func learnPeer(_ node: NodeID, cardEndpoints: [Endpoint], now: UInt64) throws {
        try NodeDatabase.learnPeer(db, id: node, cardEndpoints: cardEndpoints, now: now)
    }

    public func rememberPeer(_ address: NodeAddress, now: UInt64) throws {
        try NodeDatabase.rememberPeer(db, id: address.id, endpoint: address.endpoint, replace: true, now: now)
    }

    // MARK: Withdrawals that overtook what they withdraw

    /// At most this many early withdrawals are kept per inviter: a peer cannot fill the store
    /// with withdrawals of invitations it never sends.
    public static let earlyWithdrawalsPerInviter = 64

    /// Remembers that (`inviter`, `id`) was withdrawn before it arrived, until `expires` (Unix ms).
    public func rememberEarlyWithdrawal(inviter: NodeID, id: InvitationID, expires: UInt64, now: UInt64) throws {
        let key = Data(inviter.rawRepresentation)
        try db.execute(sql: "DELETE FROM early_withdrawal WHERE expires <= ?", arguments: [try SQLInteger.storing(now, "now")])
        let held = try Int.fetchOne(db, sql: "SELECT count(*) FROM early_withdrawal WHERE inviter = ?", arguments: [key]) ?? 0
        guard held < Self.earlyWithdrawalsPerInviter else { return }
        try db.execute(sql: "INSERT OR IGNORE INTO early_withdrawal (inviter, invitation_id, expires) VALUES (?, ?, ?)",
                       arguments: [key, Data(id.bytes), try SQLInteger.storing(expires, "expires")])
    }

    /// Whether (`inviter`, `id`) was withdrawn before it arrived (and so is never to be shown,
    /// however often it arrives, until the memory expires).
    public func wasWithdrawnEarly(inviter: NodeID, id: InvitationID, now: UInt64) throws -> Bool {
        try db.reusing(sql: "SELECT 1 FROM early_withdrawal WHERE inviter = ? AND invitation_id = ? AND expires > ?") {
            try Row.fetchOne($0, arguments: [Data(inviter.rawRepresentation), Data(id.bytes), try SQLInteger.storing(now, "now")])
        } != nil
    }

    public func knowsPeer(_ node: NodeID) throws -> Bool {
        try Row.fetchOne(db, sql: "SELECT 1 FROM peer WHERE node_id = ?", arguments: [Data(node.rawRepresentation)]) != nil
    }
}

extension NodeDatabase {
    /// Runs `body` in one write transaction over the invitation tables.
    public func invitationTransaction<T: Sendable>(_ body: @escaping @Sendable (InvitationLedger) throws -> T) async throws -> T {
        try await write { db in try body(InvitationLedger(db: db)) }
    }

    /// Whether the owner blocked `node`.
    public func isBlocked(_ node: NodeID) throws -> Bool {
        try readInvitations { try $0.isBlocked(node) }
    }

    /// Reads the invitation tables (a consistent snapshot).
    public func readInvitations<T>(_ body: (InvitationLedger) throws -> T) throws -> T {
        try read { db in try body(InvitationLedger(db: db)) }
    }

    /// Processes a delivery of the invitation flow at most once: its message ID and `body`'s
    /// effect commit in one transaction before the ack (see `receiveOnce`).
    public func receiveInvitationMessage<T: Sendable>(from sender: NodeID, message: WireMessage, nowMilliseconds now: UInt64,
                                                      _ body: @escaping @Sendable (InvitationLedger) throws -> T) async throws -> (DeliveryOutcome, T?) {
        try await receiveOnce(from: sender, message: message, nowMilliseconds: now) { db in try body(InvitationLedger(db: db)) }
    }
}
