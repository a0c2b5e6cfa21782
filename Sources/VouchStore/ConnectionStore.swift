import Foundation
import GRDB
public import VouchCrypto
public import VouchProtocol

/// A connection record this node holds.
public struct StoredConnection: Sendable {
    public let connection: Connection
    public let peer: NodeID
    public let recordedAt: UInt64
}

extension InvitationLedger {
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

    /// Connections whose peer was last sent a card older than profile `version`, among those
    /// whose address is known (a connection made through an introduction learns it from the
    /// other side's first card).
    public func connectionsBehind(version: UInt64) throws -> [StoredConnection] {
        try Row.fetchAll(db, sql: "SELECT * FROM connection WHERE card_version < ? AND peer IN (SELECT node_id FROM peer) ORDER BY since",
                         arguments: [try SQLInteger.storing(version, "version")]).map(connectionRow)
    }

    /// Learns where `peer` is reached from the card for connections it sent, if one is held and
    /// no address is known yet: how the requester of an introduction reaches the other side,
    /// whose card may arrive before or after the acceptance. True when an address is known after.
    public func learnPeerFromCard(_ peer: NodeID, now: UInt64) throws -> Bool {
        if try knowsPeer(peer) { return true }
        guard let bytes = try Data.fetchOne(db, sql: "SELECT document FROM received_card WHERE signer = ? AND audience = 'connections' AND sender = signer",
                                            arguments: [Data(peer.rawRepresentation)]),
              let document = try? ProfileDocument(envelope: try SignedEnvelope(verifying: Array(bytes))),
              !document.endpoints.isEmpty else { return false }
        try learnPeer(peer, cardEndpoints: document.endpoints, now: now)
        return true
    }

    /// Records that the card of profile `version` was queued to the connection's peer.
    public func markCardQueued(connection id: [UInt8], version: UInt64) throws {
        try db.execute(sql: "UPDATE connection SET card_version = ? WHERE id = ?", arguments: [try SQLInteger.storing(version, "version"), Data(id)])
    }

    /// Deletes the connection named by `id`, and rotates this node's mutual token (the other side
    /// must no longer be able to make this node's private-set element); false if none was held.
    @discardableResult
    public func dropConnection(id: [UInt8]) throws -> Bool {
        try db.execute(sql: "DELETE FROM connection WHERE id = ?", arguments: [Data(id)])
        guard db.changesCount > 0 else { return false }
        try rotateMutualToken()
        return true
    }

    public func connection(id: [UInt8]) throws -> StoredConnection? {
        try Row.fetchOne(db, sql: "SELECT * FROM connection WHERE id = ?", arguments: [Data(id)]).map(connectionRow)
    }

    /// Every connection, newest first.
    public func connections() throws -> [StoredConnection] {
        try Row.fetchAll(db, sql: "SELECT * FROM connection ORDER BY since DESC, id").map(connectionRow)
    }

    public func isConnected(to peer: NodeID) throws -> Bool {
        try db.reusing(sql: "SELECT 1 FROM connection WHERE peer = ?") { try Row.fetchOne($0, arguments: [Data(peer.rawRepresentation)]) } != nil
    }

    func connectionRow(_ row: Row) throws -> StoredConnection {
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
}
