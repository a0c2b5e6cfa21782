import Foundation
import GRDB
public import VouchCrypto
public import VouchProtocol

/// An invitation this node received and showed to its owner, with its lifecycle machine.
public struct StoredReceivedInvitation: Sendable {
    /// The short local number the owner types (`vouch accept 3`).
    public let handle: Int64
    public var machine: InvitationRecipientMachine
    public let receivedAt: UInt64
    /// When the owner declined, accepted or reported it (what the decline cool-down counts from).
    public var answeredAt: UInt64?
    /// It crossed an invitation of ours to the same person, which was withdrawn for it.
    public let crossing: Bool
}

/// An invitation this node's owner sent, with its lifecycle machine.
public struct StoredSentInvitation: Sendable {
    public let handle: Int64
    public var machine: InvitationSenderMachine
    public let note: String
    public let createdAt: UInt64
}

/// A connection record this node holds.
public struct StoredConnection: Sendable {
    public let connection: Connection
    public let peer: NodeID
    public let recordedAt: UInt64
}

/// The invitation, connection and block tables inside ONE write transaction: a service loads a
/// machine, runs it, and saves the new state, the connection record and the outbox rows of what
/// it sends here, so a crash leaves all of them or none (Protocol/invitations.md §7.2: exactly
/// one acceptance is ever signed for an invitation). Only valid inside the closure it is given to.
public struct InvitationLedger {
    let db: Database

    // MARK: Received

    public func received(handle: Int64) throws -> StoredReceivedInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM received_invitation WHERE handle = ?", arguments: [handle]).map(receivedRow)
    }

    public func received(inviter: NodeID, id: InvitationID) throws -> StoredReceivedInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM received_invitation WHERE inviter = ? AND invitation_id = ?",
                         arguments: [Data(inviter.rawRepresentation), Data(id.bytes)]).map(receivedRow)
    }

    /// Every received invitation, newest first.
    public func receivedInvitations() throws -> [StoredReceivedInvitation] {
        try Row.fetchAll(db, sql: "SELECT * FROM received_invitation ORDER BY handle DESC").map(receivedRow)
    }

    /// An invitation from `inviter` pending in the inbox and not due at `now`, if any.
    public func pendingReceived(from inviter: NodeID, now: UInt64) throws -> StoredReceivedInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM received_invitation WHERE inviter = ? AND state = 'pending' AND expires > ? ORDER BY handle DESC",
                         arguments: [Data(inviter.rawRepresentation), try SQLInteger.storing(now, "now")]).map(receivedRow)
    }

    /// Received invitations still pending or declined at or after their expiry: what the expiry tick records.
    public func dueReceived(now: UInt64, limit: Int = 256) throws -> [StoredReceivedInvitation] {
        try Row.fetchAll(db, sql: "SELECT * FROM received_invitation WHERE state IN ('pending', 'declined') AND expires <= ? ORDER BY expires LIMIT ?",
                         arguments: [try SQLInteger.storing(now, "now"), limit]).map(receivedRow)
    }

    /// Stores a verified invitation the policy showed, pending; returns its handle.
    public func insertReceived(_ invitation: Invitation, body: InvitationBody, crossing: Bool, now: UInt64) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO received_invitation (inviter, invitation_id, body, state, expires, received_at, crossing)
            VALUES (?, ?, ?, 'pending', ?, ?, ?)
            """, arguments: [Data(invitation.inviter.rawRepresentation), Data(invitation.terms.id.bytes), Data(body.value.encoded),
                             try SQLInteger.storing(invitation.terms.expires, "expires"), try SQLInteger.storing(now, "now"), crossing])
        return db.lastInsertedRowID
    }

    public func save(_ stored: StoredReceivedInvitation) throws {
        let answered = try stored.answeredAt.map { try SQLInteger.storing($0, "answeredAt") }
        try db.execute(sql: "UPDATE received_invitation SET state = ?, answered_at = ?, connection_id = ? WHERE handle = ?",
                       arguments: [stored.machine.state.rawValue, answered, stored.machine.connection.map { Data($0.id) }, stored.handle])
        try saveThread(stored.machine.thread, side: "received", handle: stored.handle)
    }

    private func receivedRow(_ row: Row) throws -> StoredReceivedInvitation {
        let handle: Int64 = try row.required("handle")
        let body: Data = try row.required("body")
        let invitation: Invitation
        do {
            invitation = try Invitation(verifying: try InvitationBody(try CBORValue(canonical: Array(body))))
        } catch {
            throw NodeDatabase.damaged("received invitation \(handle) no longer verifies: \(error)")
        }
        guard let state = InvitationRecipientMachine.State(rawValue: try row.required("state")) else {
            throw NodeDatabase.damaged("received invitation \(handle) has an unknown state")
        }
        let connectionID: Data? = try row.required("connection_id", as: Data?.self)
        let machine = InvitationRecipientMachine(invitation: invitation, state: state, thread: try thread(side: "received", handle: handle),
                                                 connection: try connectionID.flatMap { try connection(id: Array($0))?.connection })
        let answered: Int64? = try row.required("answered_at", as: Int64?.self)
        return StoredReceivedInvitation(handle: handle, machine: machine, receivedAt: try row.unsigned("received_at"),
                                        answeredAt: answered.flatMap { UInt64(exactly: $0) }, crossing: try row.required("crossing"))
    }

    // MARK: Sent

    public func sent(handle: Int64) throws -> StoredSentInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM sent_invitation WHERE handle = ?", arguments: [handle]).map(sentRow)
    }

    public func sent(id: InvitationID) throws -> StoredSentInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM sent_invitation WHERE invitation_id = ?", arguments: [Data(id.bytes)]).map(sentRow)
    }

    /// Every sent invitation, newest first.
    public func sentInvitations() throws -> [StoredSentInvitation] {
        try Row.fetchAll(db, sql: "SELECT * FROM sent_invitation ORDER BY handle DESC").map(sentRow)
    }

    /// Our invitation to `invitee` that is pending and not due at `now`, if any.
    public func pendingSent(to invitee: NodeID, now: UInt64) throws -> StoredSentInvitation? {
        try Row.fetchOne(db, sql: "SELECT * FROM sent_invitation WHERE invitee = ? AND state = 'pending' AND expires > ? ORDER BY handle DESC",
                         arguments: [Data(invitee.rawRepresentation), try SQLInteger.storing(now, "now")]).map(sentRow)
    }

    /// Sent invitations still pending at or after their expiry.
    public func dueSent(now: UInt64, limit: Int = 256) throws -> [StoredSentInvitation] {
        try Row.fetchAll(db, sql: "SELECT * FROM sent_invitation WHERE state = 'pending' AND expires <= ? ORDER BY expires LIMIT ?",
                         arguments: [try SQLInteger.storing(now, "now"), limit]).map(sentRow)
    }

    public func insertSent(_ machine: InvitationSenderMachine, note: String, now: UInt64) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO sent_invitation (invitation_id, invitee, document, note, state, expires, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [Data(machine.invitation.terms.id.bytes), Data(machine.invitee.rawRepresentation), Data(machine.invitation.bytes),
                             note, machine.state.rawValue, try SQLInteger.storing(machine.invitation.terms.expires, "expires"),
                             try SQLInteger.storing(now, "now")])
        return db.lastInsertedRowID
    }

    public func save(_ stored: StoredSentInvitation) throws {
        try db.execute(sql: "UPDATE sent_invitation SET state = ?, connection_id = ? WHERE handle = ?",
                       arguments: [stored.machine.state.rawValue, stored.machine.connection.map { Data($0.id) }, stored.handle])
        try saveThread(stored.machine.thread, side: "sent", handle: stored.handle)
    }

    private func sentRow(_ row: Row) throws -> StoredSentInvitation {
        let handle: Int64 = try row.required("handle")
        let document: Data = try row.required("document")
        let invitation: SignedInvitation
        do {
            invitation = try SignedInvitation(verifying: Array(document))
        } catch {
            throw NodeDatabase.damaged("sent invitation \(handle) no longer verifies: \(error)")
        }
        guard let state = InvitationSenderMachine.State(rawValue: try row.required("state")) else {
            throw NodeDatabase.damaged("sent invitation \(handle) has an unknown state")
        }
        let connectionID: Data? = try row.required("connection_id", as: Data?.self)
        let machine = InvitationSenderMachine(invitation: invitation, state: state, thread: try thread(side: "sent", handle: handle),
                                              connection: try connectionID.flatMap { try connection(id: Array($0))?.connection })
        return StoredSentInvitation(handle: handle, machine: machine, note: try row.required("note"), createdAt: try row.unsigned("created_at"))
    }

    // MARK: Threads

    private func thread(side: String, handle: Int64) throws -> InvitationThread {
        let entries = try Row.fetchAll(db, sql: "SELECT kind, note, at FROM invitation_thread WHERE side = ? AND handle = ? ORDER BY position",
                                       arguments: [side, handle]).map { row -> InvitationThread.Entry in
            let note: String = try row.required("note"), at = try row.unsigned("at")
            return try row.required("kind", as: String.self) == "question" ? .question(note, at: at) : .reply(note, at: at)
        }
        return InvitationThread(entries: entries)
    }

    /// The thread is bounded (10 entries), so it is rewritten whole.
    private func saveThread(_ thread: InvitationThread, side: String, handle: Int64) throws {
        try db.execute(sql: "DELETE FROM invitation_thread WHERE side = ? AND handle = ?", arguments: [side, handle])
        for (position, entry) in thread.entries.enumerated() {
            let (kind, note, at): (String, String, UInt64) = switch entry {
            case .question(let note, let at): ("question", note, at)
            case .reply(let note, let at): ("reply", note, at)
            }
            try db.execute(sql: "INSERT INTO invitation_thread (side, handle, position, kind, note, at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [side, handle, position, kind, note, try SQLInteger.storing(at, "at")])
        }
    }

    // MARK: Connections

    /// Stores a connection record; a second copy of the same record changes nothing. `cardVersion`
    /// is the profile version of the card queued to the peer with it (0: none yet).
    public func record(_ connection: Connection, peer: NodeID, cardVersion: UInt64, now: UInt64) throws {
        try db.execute(sql: """
            INSERT INTO connection (id, peer, record, since, recorded_at, card_version) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """, arguments: [Data(connection.id), Data(peer.rawRepresentation), Data(connection.record.encoded),
                             try SQLInteger.storing(connection.since, "since"), try SQLInteger.storing(now, "now"),
                             try SQLInteger.storing(cardVersion, "cardVersion")])
    }

    /// Connections whose peer was last sent a card older than profile `version`.
    public func connectionsBehind(version: UInt64) throws -> [StoredConnection] {
        try Row.fetchAll(db, sql: "SELECT * FROM connection WHERE card_version < ? ORDER BY since",
                         arguments: [try SQLInteger.storing(version, "version")]).map(connectionRow)
    }

    /// Records that the card of profile `version` was queued to the connection's peer.
    public func markCardQueued(connection id: [UInt8], version: UInt64) throws {
        try db.execute(sql: "UPDATE connection SET card_version = ? WHERE id = ?", arguments: [try SQLInteger.storing(version, "version"), Data(id)])
    }

    /// Deletes the connection named by `id`; false if none was held.
    @discardableResult
    public func dropConnection(id: [UInt8]) throws -> Bool {
        try db.execute(sql: "DELETE FROM connection WHERE id = ?", arguments: [Data(id)])
        return db.changesCount > 0
    }

    public func connection(id: [UInt8]) throws -> StoredConnection? {
        try Row.fetchOne(db, sql: "SELECT * FROM connection WHERE id = ?", arguments: [Data(id)]).map(connectionRow)
    }

    /// Every connection, newest first.
    public func connections() throws -> [StoredConnection] {
        try Row.fetchAll(db, sql: "SELECT * FROM connection ORDER BY since DESC, id").map(connectionRow)
    }

    public func isConnected(to peer: NodeID) throws -> Bool {
        try Row.fetchOne(db, sql: "SELECT 1 FROM connection WHERE peer = ?", arguments: [Data(peer.rawRepresentation)]) != nil
    }

    private func connectionRow(_ row: Row) throws -> StoredConnection {
        let record: Data = try row.required("record"), peer: Data = try row.required("peer")
        do {
            return StoredConnection(connection: try Connection(verifying: Array(record)),
                                    peer: NodeID(publicKey: try .init(rawRepresentation: Array(peer))), recordedAt: try row.unsigned("recorded_at"))
        } catch let error as StoreError {
            throw error
        } catch {
            throw NodeDatabase.damaged("a connection record no longer verifies: \(error)")
        }
    }

    // MARK: Blocks

    public func isBlocked(_ node: NodeID) throws -> Bool {
        try Row.fetchOne(db, sql: "SELECT 1 FROM blocked_node WHERE node_id = ?", arguments: [Data(node.rawRepresentation)]) != nil
    }

    public func block(_ node: NodeID, now: UInt64) throws {
        try db.execute(sql: "INSERT INTO blocked_node (node_id, blocked_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       arguments: [Data(node.rawRepresentation), try SQLInteger.storing(now, "now")])
    }

    /// False if `node` was not blocked.
    public func unblock(_ node: NodeID) throws -> Bool {
        try db.execute(sql: "DELETE FROM blocked_node WHERE node_id = ?", arguments: [Data(node.rawRepresentation)])
        return db.changesCount > 0
    }

    /// Blocked nodes with when they were blocked, oldest first.
    public func blocked() throws -> [(node: NodeID, since: UInt64)] {
        try Row.fetchAll(db, sql: "SELECT node_id, blocked_at FROM blocked_node ORDER BY blocked_at, node_id").map { row in
            let node: Data = try row.required("node_id")
            return (NodeID(publicKey: try .init(rawRepresentation: Array(node))), try row.unsigned("blocked_at"))
        }
    }

    // MARK: Policy

    static let policyKey = "invitation_policy"

    public func policy() throws -> InvitationPolicy {
        guard let text = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [Self.policyKey]) else {
            return .default
        }
        guard let policy = try? JSONDecoder().decode(InvitationPolicy.self, from: Data(text.utf8)) else {
            throw NodeDatabase.damaged("the invitation policy setting cannot be read")
        }
        return policy
    }

    public func setPolicy(_ policy: InvitationPolicy) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(policy), as: UTF8.self)
        try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [Self.policyKey, text])
    }

    /// What the recipient policy needs to know about `inviter` and the inbox at `now`.
    public func situation(for inviter: NodeID, now: UInt64) throws -> InvitationPolicy.Situation {
        let key = Data(inviter.rawRepresentation), at = try SQLInteger.storing(now, "now")
        let lastDeclined = try Int64.fetchOne(db, sql: "SELECT max(answered_at) FROM received_invitation WHERE inviter = ? AND state IN ('declined', 'expired') AND answered_at IS NOT NULL",
                                              arguments: [key])
        return InvitationPolicy.Situation(
            inviterBlocked: try isBlocked(inviter),
            alreadyConnected: try isConnected(to: inviter),
            inviterHasPending: try Row.fetchOne(db, sql: "SELECT 1 FROM received_invitation WHERE inviter = ? AND state = 'pending' AND expires > ?",
                                                arguments: [key, at]) != nil,
            lastDeclined: lastDeclined.flatMap { UInt64(exactly: $0) },
            pendingCount: try Int.fetchOne(db, sql: "SELECT count(*) FROM received_invitation WHERE state = 'pending' AND expires > ?", arguments: [at]) ?? 0)
    }

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
