import Foundation
import GRDB
public import VouchCrypto
public import VouchProtocol

/// Blocked nodes and the recipient policy: what decides, privately, which invitations reach the inbox.
extension InvitationLedger {
    // MARK: Blocks

    public func isBlocked(_ node: NodeID) throws -> Bool {
        try db.reusing(sql: "SELECT 1 FROM blocked_node WHERE node_id = ?") { try Row.fetchOne($0, arguments: [Data(node.rawRepresentation)]) } != nil
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
        guard let text = try db.reusing(sql: "SELECT value FROM setting WHERE key = ?", { try String.fetchOne($0, arguments: [Self.policyKey]) }) else {
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
    /// `introduced`: the invitation came as an introduction offer from a connection.
    public func situation(for inviter: NodeID, now: UInt64, introduced: Bool = false) throws -> InvitationPolicy.Situation {
        let key = Data(inviter.rawRepresentation), at = try SQLInteger.storing(now, "now")
        let lastDeclined = try db.reusing(sql: "SELECT max(answered_at) FROM received_invitation WHERE inviter = ? AND state IN ('declined', 'expired') AND answered_at IS NOT NULL") {
            try Int64.fetchOne($0, arguments: [key])
        }
        return InvitationPolicy.Situation(
            inviterBlocked: try isBlocked(inviter),
            alreadyConnected: try isConnected(to: inviter),
            inviterHasPending: try db.reusing(sql: "SELECT 1 FROM received_invitation WHERE inviter = ? AND state = 'pending' AND expires > ?") {
                try Row.fetchOne($0, arguments: [key, at])
            } != nil,
            lastDeclined: lastDeclined.flatMap { UInt64(exactly: $0) },
            pendingCount: try pendingCount(now: at),
            introduced: introduced)
    }

    /// Received invitations pending and not due at `now`: the running count of rows in state
    /// 'pending' (migration v6's triggers) less the pending ones already due, which the expiry
    /// tick has not recorded yet (few, found through the partial index of open rows by expiry,
    /// whose WHERE term the query repeats so that SQLite may use it). Constant time in the size
    /// of the inbox, where count(*) over the pending rows was linear.
    func pendingCount(now: Int64) throws -> Int {
        let pending = try db.reusing(sql: "SELECT pending FROM inbox_count WHERE id = 1") { try Int.fetchOne($0) } ?? 0
        let due = try db.reusing(sql: """
            SELECT count(*) FROM received_invitation INDEXED BY received_invitation_open_expiry
            WHERE state IN ('pending', 'declined') AND state = 'pending' AND expires <= ?
            """) { try Int.fetchOne($0, arguments: [now]) } ?? 0
        return pending - due
    }
}
