import Foundation
import Testing
import VouchCrypto
import VouchProtocol
import VouchStore
import VouchTestKit

/// The invitation tables (migration v3) keep every machine's state, thread and record across a
/// reopen, exactly as the node saved them.
@Suite("InvitationLedger")
struct InvitationLedgerTests {
    static let note = "We built the billing system together at Acme; let's stay in touch."
    static let now: UInt64 = 1_790_000_000_000

    static func body(from inviter: Ed25519PrivateKey, to invitee: NodeID) throws -> InvitationBody {
        let card = try ProfileDocument(version: 1, updatedAt: now / 1000, audience: .everyone, fields: [.name: "Bob"], links: [],
                                       endpoints: [try Endpoint(host: "127.0.0.1", port: 7400)]).signed(with: inviter)
        return try Invitation.make(inviter: inviter, invitee: invitee, relationship: .mentor, context: "Acme, 2019", note: note,
                                   card: card, created: now)
    }

    @Test("a sent invitation, its thread and its state survive a reopen")
    func sentRoundTrip() async throws {
        let dir = try TemporaryDirectory()
        let bob = try Ed25519PrivateKey(), alice = try Ed25519PrivateKey()
        let aliceID = NodeID(publicKey: alice.publicKey)
        let body = try Self.body(from: bob, to: aliceID)
        let signed = try SignedInvitation(verifying: body.document)
        do {
            let database = try NodeDatabase(home: NodeHome(url: dir.url))
            let handle = try await database.invitationTransaction { try $0.insertSent(InvitationSenderMachine(sent: signed), note: Self.note, now: Self.now) }
            try await database.invitationTransaction { ledger in
                var stored = try #require(try ledger.sent(handle: handle))
                _ = stored.machine.questionReceived(InvitationNoteBody(invitation: signed.terms.id, note: "Which project?"), from: aliceID, now: Self.now + 1)
                _ = try stored.machine.reply("The invoicing rewrite.", now: Self.now + 2)
                try ledger.save(stored)
            }
        }
        let reopened = try NodeDatabase(home: NodeHome(url: dir.url))
        let stored = try #require(try reopened.readInvitations { try $0.sentInvitations() }.first)
        #expect(stored.machine.invitation == signed && stored.machine.state == .pending && stored.note == Self.note)
        #expect(stored.machine.thread.entries == [.question("Which project?", at: Self.now + 1), .reply("The invoicing rewrite.", at: Self.now + 2)])
        #expect(try reopened.readInvitations { try $0.pendingSent(to: aliceID, now: Self.now) }?.handle == stored.handle)
        #expect(try reopened.readInvitations { try $0.pendingSent(to: aliceID, now: signed.terms.expires) } == nil, "due is not pending")
    }

    @Test("a received invitation accepted: state, record and the policy's view of the inviter survive a reopen")
    func receivedAcceptedRoundTrip() async throws {
        let dir = try TemporaryDirectory()
        let bob = try Ed25519PrivateKey(), alice = try Ed25519PrivateKey()
        let bobID = NodeID(publicKey: bob.publicKey)
        let body = try Self.body(from: bob, to: NodeID(publicKey: alice.publicKey))
        let invitation = try Invitation(verifying: body)
        let connectionID: [UInt8]
        do {
            let database = try NodeDatabase(home: NodeHome(url: dir.url))
            let before = try database.readInvitations { try $0.situation(for: bobID, now: Self.now) }
            #expect(before == InvitationPolicy.Situation())
            connectionID = try await database.invitationTransaction { ledger -> [UInt8] in
                let handle = try ledger.insertReceived(invitation, body: body, crossing: false, now: Self.now)
                #expect(try ledger.situation(for: bobID, now: Self.now) == InvitationPolicy.Situation(inviterHasPending: true, pendingCount: 1))
                var stored = try #require(try ledger.received(handle: handle))
                _ = try stored.machine.accept(now: Self.now + 10, key: alice)
                let connection = try #require(stored.machine.connection)
                try ledger.record(connection, peer: bobID, cardVersion: 3, now: Self.now + 10)
                try ledger.record(connection, peer: bobID, cardVersion: 3, now: Self.now + 11)
                stored.answeredAt = Self.now + 10
                try ledger.save(stored)
                return connection.id
            }
        }
        let reopened = try NodeDatabase(home: NodeHome(url: dir.url))
        let stored = try #require(try reopened.readInvitations { try $0.received(inviter: bobID, id: invitation.terms.id) })
        #expect(stored.machine.state == .accepted && stored.machine.connection?.id == connectionID && stored.answeredAt == Self.now + 10)
        #expect(stored.machine.invitation == invitation)
        let connections = try reopened.readInvitations { try $0.connections() }
        #expect(connections.count == 1 && connections.first?.peer == bobID && connections.first?.connection.id == connectionID)
        #expect(try reopened.readInvitations { try $0.connectionsBehind(version: 3) }.isEmpty)
        // A card goes only where the peer's address is known.
        #expect(try reopened.readInvitations { try $0.connectionsBehind(version: 4) }.isEmpty)
        try await reopened.invitationTransaction { try $0.learnPeer(bobID, endpoint: try Endpoint(host: "127.0.0.1", port: 7400), now: Self.now) }
        #expect(try reopened.readInvitations { try $0.connectionsBehind(version: 4) }.count == 1)
        #expect(try reopened.readInvitations { try $0.situation(for: bobID, now: Self.now + 20) } == InvitationPolicy.Situation(alreadyConnected: true))
        #expect(try await reopened.invitationTransaction { try $0.dropConnection(id: connectionID) })
        #expect(try await reopened.invitationTransaction { try $0.dropConnection(id: connectionID) } == false)
    }

    @Test("the policy's pending count follows inserts, answers and expiry as count(*) over the pending rows would")
    func pendingCountFollowsTheInbox() async throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        let alice = try Ed25519PrivateKey()
        let aliceID = NodeID(publicKey: alice.publicKey)
        let inviters = try (0..<5).map { _ in try Ed25519PrivateKey() }
        let stranger = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
        func pending(at now: UInt64) throws -> Int {
            try database.readInvitations { try $0.situation(for: stranger, now: now).pendingCount }
        }
        #expect(try pending(at: Self.now) == 0)
        var handles: [Int64] = []
        var expires: UInt64 = 0
        for inviter in inviters {
            let body = try Self.body(from: inviter, to: aliceID)
            let invitation = try Invitation(verifying: body)
            expires = invitation.terms.expires
            handles.append(try await database.invitationTransaction { try $0.insertReceived(invitation, body: body, crossing: false, now: Self.now) })
        }
        #expect(try pending(at: Self.now) == 5)
        let ids = handles, due = expires
        // Declined and accepted ones are no longer pending; saving a pending one again changes nothing.
        try await database.invitationTransaction { ledger in
            var declined = try #require(try ledger.received(handle: ids[0]))
            _ = try declined.machine.decline(now: Self.now + 1)
            try ledger.save(declined)
            var accepted = try #require(try ledger.received(handle: ids[1]))
            _ = try accepted.machine.accept(now: Self.now + 1, key: alice)
            try ledger.save(accepted)
            try ledger.save(try #require(try ledger.received(handle: ids[2])))
        }
        #expect(try pending(at: Self.now + 2) == 3)
        // Due but not yet recorded as expired: not pending any more.
        #expect(try pending(at: expires) == 0)
        // The expiry tick records them; the count stays right.
        try await database.invitationTransaction { ledger in
            for var stored in try ledger.dueReceived(now: due) {
                _ = stored.machine.tick(now: due)
                try ledger.save(stored)
            }
        }
        #expect(try pending(at: Self.now + 2) == 0)
        #expect(try pending(at: expires) == 0)
    }

    @Test("blocks are kept once and private; the policy is the default until set, then what was set")
    func blocksAndPolicy() async throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        let node = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
        try await database.invitationTransaction { ledger in
            try ledger.block(node, now: Self.now)
            try ledger.block(node, now: Self.now + 5)
        }
        #expect(try database.isBlocked(node))
        let blocked = try database.readInvitations { try $0.blocked() }
        #expect(blocked.count == 1 && blocked.first?.node == node && blocked.first?.since == Self.now)
        #expect(try await database.invitationTransaction { try $0.unblock(node) })
        #expect(try await database.invitationTransaction { try $0.unblock(node) } == false)

        #expect(try database.readInvitations { try $0.policy() } == .default)
        let policy = InvitationPolicy(whoMayInvite: .nobody, minimumNoteLength: 0, maximumPending: 1, declineCooldown: 0)
        try await database.invitationTransaction { try $0.setPolicy(policy) }
        #expect(try NodeDatabase(home: NodeHome(url: dir.url)).readInvitations { try $0.policy() } == policy)
    }

    @Test("ending a connection rotates the mutual token, forgets the former side's token, and leaves this node's statements to be signed again for the others")
    func removalRotatesTheMutualToken() async throws {
        let dir = try TemporaryDirectory()
        let me = try Ed25519PrivateKey(), meID = NodeID(publicKey: me.publicKey)
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        let connections = try (0..<2).map { _ in
            let invitation = try Invitation(verifying: try Self.body(from: try Ed25519PrivateKey(), to: meID))
            return try Connection.accept(invitation.signed, accepted: Self.now, with: me)
        }
        let before = try await database.invitationTransaction { ledger -> [UInt8] in
            for c in connections {
                let peer = c.peer(of: meID)!
                try ledger.record(c, peer: peer, cardVersion: 0, now: Self.now)
                try ledger.keep(try VisibilityStatement.make(connection: c.id, level: .connections, set: Self.now, with: me))
                try ledger.setMutualToken([UInt8](repeating: 5, count: 32), for: peer)
            }
            #expect(try ledger.statementsToMake(me: meID).isEmpty)
            return try ledger.nodeSecret(InvitationLedger.mutualTokenSecret)
        }
        let (after, toMake, tokens) = try await database.invitationTransaction { ledger in
            #expect(try ledger.dropConnection(id: connections[0].id))
            return (try ledger.nodeSecret(InvitationLedger.mutualTokenSecret), try ledger.statementsToMake(me: meID), try ledger.mutualTokens())
        }
        #expect(after != before, "a new token")
        #expect(toMake.map(\.id) == [connections[1].id], "the remaining connection gets a new statement, with the new token")
        #expect(Set(tokens.keys) == [connections[1].peer(of: meID)!], "the former side's token is forgotten")
    }
}
