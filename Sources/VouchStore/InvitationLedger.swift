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

    public func rememberPeer(_ address: NodeAddress, now: UInt64) throws {
        try NodeDatabase.rememberPeer(db, id: address.id, endpoint: address.endpoint, replace: true, now: now)
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
