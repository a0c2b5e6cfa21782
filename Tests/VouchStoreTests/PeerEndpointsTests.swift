import Foundation
import GRDB
import Testing
import VouchCrypto
import VouchProtocol
@testable import VouchStore
import VouchTestKit

/// Every endpoint a node knows for a peer, dialed direct first and relays after
/// (Protocol/relay.md §5): the address given or learned first, and those of the peer's newest
/// card or invitation.
@Suite("Peer endpoints")
struct PeerEndpointsTests {
    static let relayID = "EWAO4YS-CAAPA4F-A5YK5K4-WOS3EIB-QFHRYSY-KWA3R6B-5HYCSFT-O4PWAQO"

    static func relay(_ port: UInt16) throws -> Endpoint {
        try Endpoint(parsing: "relay://127.0.0.1:\(port)/?id=\(relayID)&device=\(relayID)")
    }

    @Test("v7 keeps every peer's address and adds no card endpoints; the address is still what a dial tries")
    func migrationFromV6() throws {
        let dir = try TemporaryDirectory()
        let url = dir.url.appendingPathComponent("old.sqlite")
        let id = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
        do {
            let queue = try DatabaseQueue(path: url.path)
            try Migrations.migrator.migrate(queue, upTo: "v6: a running count of pending received invitations")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO peer (node_id, endpoint, first_seen) VALUES (?, ?, 1)",
                               arguments: [Data(id.rawRepresentation), "peer.example.org:7077"])
            }
            let queue7 = try DatabaseQueue(path: url.path)
            try Migrations.migrator.migrate(queue7)
            let row = try #require(try queue7.read { db in
                try Row.fetchOne(db, sql: "SELECT endpoint, card_endpoints FROM peer WHERE node_id = ?", arguments: [Data(id.rawRepresentation)])
            })
            #expect(row["endpoint"] as String == "peer.example.org:7077")
            #expect(row["card_endpoints"] as String == "")
            #expect(try queue7.read { try Migrations.migrator.appliedIdentifiers($0) }.contains("v7: every endpoint of a peer's newest card"))
        }
        let record = PeerRecord(id: id, endpoint: try Endpoint(parsing: "peer.example.org:7077"))
        #expect(record.endpoints == [try Endpoint(parsing: "peer.example.org:7077")])
    }

    @Test("a card's endpoints follow the address, direct first; the newest card replaces the older one's; the owner's address stays first of its kind")
    func learnedEndpoints() async throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        let id = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
        let typed = try Self.relay(22067)
        let direct = try Endpoint(parsing: "10.0.0.1:7077"), other = try Endpoint(parsing: "10.0.0.2:7077")
        let relay2 = try Self.relay(22068)

        // Unknown peer: the card's first endpoint becomes its address.
        try await database.invitationTransaction { try $0.learnPeer(id, cardEndpoints: [relay2, direct], now: 1) }
        #expect(try database.peer(id)?.endpoint == relay2)
        #expect(try database.peer(id)?.endpoints == [direct, relay2])

        // The owner gives an address: it replaces the address, the card's endpoints stay.
        try database.rememberPeer(NodeAddress(id: id, endpoint: typed), nowMilliseconds: 2)
        #expect(try database.peer(id)?.endpoint == typed)
        #expect(try database.peer(id)?.endpoints == [direct, typed, relay2])

        // A newer card: its endpoints replace the older card's; the address stays.
        try await database.invitationTransaction { try $0.learnPeer(id, cardEndpoints: [other], now: 3) }
        #expect(try database.peer(id)?.endpoints == [other, typed])
        // Learning an address (not the owner's) keeps the one known.
        try await database.invitationTransaction { try $0.learnPeer(id, endpoint: direct, now: 4) }
        #expect(try database.peer(id)?.endpoint == typed)
        // No endpoints in a card: nothing changes.
        try await database.invitationTransaction { try $0.learnPeer(id, cardEndpoints: [], now: 5) }
        #expect(try database.peer(id)?.endpoints == [other, typed])

        // At most 8 of a card's endpoints are kept.
        let many = try (1...10).map { try Endpoint(parsing: "10.0.1.\($0):7077") }
        try await database.invitationTransaction { try $0.learnPeer(id, cardEndpoints: many, now: 6) }
        #expect(try database.peer(id)?.endpoints == Array(many.prefix(NodeDatabase.maximumCardEndpoints)) + [typed])
    }

    @Test("a known peer's own card teaches its endpoints; a card it did not sign itself, or from an unknown node, does not")
    func cardsTeachEndpoints() async throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        let me = try Ed25519PrivateKey()
        try database.recordIdentity(NodeID(publicKey: me.publicKey), createdAt: 1)
        let peerKey = try Ed25519PrivateKey(), strangerKey = try Ed25519PrivateKey()
        let peer = NodeID(publicKey: peerKey.publicKey), stranger = NodeID(publicKey: strangerKey.publicKey)
        let address = try Endpoint(parsing: "peer.example.org:7077")
        let direct = try Endpoint(parsing: "10.0.0.1:7077"), relay = try Self.relay(22067)
        try database.rememberPeer(NodeAddress(id: peer, endpoint: address), nowMilliseconds: 1)

        func deliver(_ key: Ed25519PrivateKey, from sender: NodeID, version: UInt64) async throws {
            let profile = Profile(version: version, updatedAt: 1_700_000_000, endpoints: [relay, direct])
            let envelope = try profile.document(for: .everyone).signed(with: key)
            let document = try ProfileDocument(envelope: envelope)
            let message = WireMessage(type: .card, sentAt: 1, expiresAt: UInt64.max >> 12, recipient: NodeID(publicKey: me.publicKey))
            _ = try await database.receiveCard(envelope, document: document, from: sender, message: message, nowMilliseconds: 2)
        }
        try await deliver(strangerKey, from: stranger, version: 1)
        #expect(try database.peer(stranger) == nil, "a card alone makes no peer of a node that is not a connection")
        try await deliver(strangerKey, from: peer, version: 2)
        #expect(try database.peer(peer)?.endpoints == [address], "a card the peer forwarded but did not sign teaches nothing about it")
        try await deliver(peerKey, from: peer, version: 1)
        #expect(try database.peer(peer)?.endpoint == address)
        #expect(try database.peer(peer)?.endpoints == [address, direct, relay])
    }
}
