import Foundation
import GRDB
public import VouchCrypto
public import VouchProtocol

/// A connection with both sides' visibility: the owner's chosen level, and the latest statements.
public struct ConnectionVisibility: Sendable {
    public let stored: StoredConnection
    /// What the owner chose (`connection.own_visibility`).
    public let chosen: Visibility
    /// The owner's latest signed statement, and the other side's.
    public let own: VisibilityStatement?
    public let peer: VisibilityStatement?

    /// The audience by the consent rule: the owner's choice (its own consent, signed or about to
    /// be) and the other side's statement (`only-us` until one arrives).
    public var audience: Visibility { DisclosureRule.audience(chosen, peer?.level) }
}

extension NodeDatabase {
    /// This node's secret called `name`, made the first time it is asked for.
    public func nodeSecret(_ name: String) throws -> [UInt8] {
        try write { db in try InvitationLedger(db: db).nodeSecret(name) }
    }
}

/// One connection as the disclosure queries read it: the record's bytes as stored (verified when
/// they were stored; whoever receives them verifies them again), the other side, and both choices.
public struct DisclosureEntry: Sendable {
    public let id: [UInt8]
    public let peer: NodeID
    public let record: [UInt8]
    public let chosen: Visibility
    public let peerLevel: Visibility?

    public var audience: Visibility { DisclosureRule.audience(chosen, peerLevel) }
}

extension InvitationLedger {
    // MARK: Visibility

    /// The connections with ids after `after`, in id order, at most `limit`, without verifying
    /// anything again: the read that answers other nodes' questions, which must stay cheap with
    /// tens of thousands of connections.
    /// `peer`: only the connections with that node (what an introducer question needs).
    public func disclosureEntries(after: [UInt8] = [], limit: Int = .max, peer: NodeID? = nil) throws -> [DisclosureEntry] {
        try Row.fetchAll(db, sql: """
            SELECT c.id, c.peer, c.record, c.own_visibility, s.level AS peer_level FROM connection c
            LEFT JOIN visibility_statement s ON s.connection = c.id AND s.signer = c.peer
            WHERE c.id > ?\(peer == nil ? "" : " AND c.peer = ?") ORDER BY c.id LIMIT ?
            """, arguments: [Data(after)] + (peer.map { [Data($0.rawRepresentation)] } ?? []) + [limit]).map { row in
            let id: Data = try row.required("id"), peer: Data = try row.required("peer"), record: Data = try row.required("record")
            guard let chosen = Visibility(rawValue: try row.required("own_visibility")) else {
                throw NodeDatabase.damaged("connection \(Hex.encode(Array(id))) has an unknown visibility")
            }
            let peerLevel = try row.required("peer_level", as: String?.self).map { name -> Visibility in
                guard let level = Visibility(rawValue: name) else { throw NodeDatabase.damaged("a statement has an unknown level") }
                return level
            }
            return DisclosureEntry(id: Array(id), peer: NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: Array(peer))),
                                   record: Array(record), chosen: chosen, peerLevel: peerLevel)
        }
    }

    /// Every connection with its visibility, in order of connection id.
    public func connectionVisibilities() throws -> [ConnectionVisibility] {
        let statements = try Row.fetchAll(db, sql: "SELECT connection, signer, document FROM visibility_statement").map { row in
            (connection: Array(try row.required("connection", as: Data.self)), signer: Array(try row.required("signer", as: Data.self)),
             document: Array(try row.required("document", as: Data.self)))
        }
        var byConnection: [[UInt8]: [VisibilityStatement]] = [:]
        for s in statements {
            do {
                byConnection[s.connection, default: []].append(try VisibilityStatement(verifying: s.document))
            } catch {
                throw NodeDatabase.damaged("a visibility statement no longer verifies: \(error)")
            }
        }
        return try Row.fetchAll(db, sql: "SELECT * FROM connection ORDER BY id").map { row in
            let stored = try connectionRow(row)
            guard let chosen = Visibility(rawValue: try row.required("own_visibility")) else {
                throw NodeDatabase.damaged("connection \(Hex.encode(stored.connection.id)) has an unknown visibility")
            }
            let held = byConnection[stored.connection.id] ?? []
            return ConnectionVisibility(stored: stored, chosen: chosen, own: held.first { $0.signer != stored.peer },
                                        peer: held.first { $0.signer == stored.peer })
        }
    }

    /// Connections whose latest own statement (signed by `me`) is missing or says another level
    /// than the owner chose, with the time of that statement: what the node must sign and send.
    /// Read without verifying anything again, since it runs on every tick.
    public func statementsToMake(me: NodeID) throws -> [(id: [UInt8], peer: NodeID, level: Visibility, previous: UInt64?)] {
        try Row.fetchAll(db, sql: """
            SELECT c.id, c.peer, c.own_visibility, s."set" AS previous FROM connection c
            LEFT JOIN visibility_statement s ON s.connection = c.id AND s.signer = ?
            WHERE s.level IS NULL OR s.level != c.own_visibility
            """, arguments: [Data(me.rawRepresentation)]).map { row in
            let id: Data = try row.required("id"), peer: Data = try row.required("peer")
            guard let level = Visibility(rawValue: try row.required("own_visibility")) else {
                throw NodeDatabase.damaged("connection \(Hex.encode(Array(id))) has an unknown visibility")
            }
            let previous = try row.required("previous", as: Int64?.self).flatMap { UInt64(exactly: $0) }
            return (Array(id), NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: Array(peer))), level, previous)
        }
    }

    /// Sets the level the owner chose for a connection; false when there is no such connection.
    @discardableResult
    public func chooseVisibility(_ level: Visibility, connection id: [UInt8]) throws -> Bool {
        try db.execute(sql: "UPDATE connection SET own_visibility = ? WHERE id = ?", arguments: [level.rawValue, Data(id)])
        return db.changesCount > 0
    }

    /// Keeps `statement` as its signer's latest for its connection if it is newer than the one held.
    /// Returns whether it was kept.
    @discardableResult
    public func keep(_ statement: VisibilityStatement) throws -> Bool {
        if let held = try Data.fetchOne(db, sql: "SELECT document FROM visibility_statement WHERE connection = ? AND signer = ?",
                                        arguments: [Data(statement.connection), Data(statement.signer.rawRepresentation)]) {
            let heldStatement: VisibilityStatement
            do {
                heldStatement = try VisibilityStatement(verifying: Array(held))
            } catch {
                throw NodeDatabase.damaged("a visibility statement no longer verifies: \(error)")
            }
            guard statement.supersedes(heldStatement) else { return false }
        }
        try db.execute(sql: """
            INSERT INTO visibility_statement (connection, signer, level, "set", document) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (connection, signer) DO UPDATE SET level = excluded.level, "set" = excluded."set", document = excluded.document
            """, arguments: [Data(statement.connection), Data(statement.signer.rawRepresentation), statement.level.rawValue,
                             try SQLInteger.storing(statement.set, "set"), Data(statement.envelope.encoded)])
        return true
    }

    // MARK: Mutual tokens and secrets

    /// The name of this node's mutual token among its secrets.
    public static let mutualTokenSecret = "mutual-token"

    /// After a connection ends: a new mutual token, so the former connection can no longer make
    /// this node's private-set element, and this node's statements to be signed and sent again
    /// with it to every remaining connection (Protocol/disclosure.md §3.4).
    public func rotateMutualToken() throws {
        try db.execute(sql: "DELETE FROM node_secret WHERE name = ?", arguments: [Self.mutualTokenSecret])
        try db.execute(sql: """
            DELETE FROM visibility_statement WHERE NOT EXISTS (SELECT 1 FROM connection c WHERE c.id = visibility_statement.connection)
                OR signer <> (SELECT peer FROM connection c WHERE c.id = visibility_statement.connection)
            """)
        try db.execute(sql: "DELETE FROM mutual_token WHERE peer NOT IN (SELECT peer FROM connection)")
    }

    public func mutualTokens() throws -> [NodeID: [UInt8]] {
        var tokens: [NodeID: [UInt8]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT peer, token FROM mutual_token") {
            let peer: Data = try row.required("peer"), token: Data = try row.required("token")
            tokens[NodeID(publicKey: try Ed25519PublicKey(rawRepresentation: Array(peer)))] = Array(token)
        }
        return tokens
    }

    public func setMutualToken(_ token: [UInt8], for peer: NodeID) throws {
        try db.execute(sql: "INSERT INTO mutual_token (peer, token) VALUES (?, ?) ON CONFLICT (peer) DO UPDATE SET token = excluded.token",
                       arguments: [Data(peer.rawRepresentation), Data(token)])
    }

    /// This node's secret called `name`, made (32 random bytes) the first time it is asked for.
    public func nodeSecret(_ name: String) throws -> [UInt8] {
        if let value = try Data.fetchOne(db, sql: "SELECT value FROM node_secret WHERE name = ?", arguments: [name]) { return Array(value) }
        let value = SecureRandom.bytes(32)
        try db.execute(sql: "INSERT INTO node_secret (name, value) VALUES (?, ?)", arguments: [name, Data(value)])
        return value
    }
}
