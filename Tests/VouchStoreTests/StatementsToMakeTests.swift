import Foundation
import Testing
import VouchCrypto
import VouchProtocol
import VouchStore
import VouchTestKit

/// `statementsToMake` (the connection timer's read, in SQL, verifying nothing) names exactly the
/// connections the verifying read `connectionVisibilities` says need a new own statement.
@Suite("Statements to make")
struct StatementsToMakeTests {
    @Test("missing, outdated and current own statements: the SQL read agrees with the verifying read, the peer's statement never counts as ours")
    func agreesWithTheVerifyingRead() async throws {
        let dir = try TemporaryDirectory()
        let database = try NodeDatabase(home: NodeHome(url: dir.url))
        let me = try Ed25519PrivateKey()
        let now = InvitationLedgerTests.now
        // One connection per case: (my statement's level, the level I chose, the peer's statement's level).
        let cases: [(mine: Visibility?, chosen: Visibility, theirs: Visibility?)] = [
            (nil, .connections, nil),                   // new: nothing signed yet
            (.connections, .connections, .everyone),    // up to date
            (.connections, .everyone, nil),             // the owner changed the choice
            (nil, .mutual, .mutual),                    // only the peer's statement, at the chosen level
            (.onlyUs, .onlyUs, .onlyUs),                // up to date
        ]
        var ids: [[UInt8]] = []
        for c in cases {
            let peer = try Ed25519PrivateKey()
            let body = try InvitationLedgerTests.body(from: me, to: NodeID(publicKey: peer.publicKey))
            let connection = try Connection.accept(try SignedInvitation(verifying: body.document), accepted: now + 1, with: peer)
            ids.append(connection.id)
            try await database.invitationTransaction { ledger in
                try ledger.record(connection, peer: NodeID(publicKey: peer.publicKey), cardVersion: 0, now: now)
                if let mine = c.mine { try ledger.keep(try VisibilityStatement.make(connection: connection.id, level: mine, set: now + 2, with: me)) }
                if let theirs = c.theirs { try ledger.keep(try VisibilityStatement.make(connection: connection.id, level: theirs, set: now + 3, with: peer)) }
                try ledger.chooseVisibility(c.chosen, connection: connection.id)
            }
        }
        let (fast, verified) = try database.readInvitations { ledger in
            (try ledger.statementsToMake(me: NodeID(publicKey: me.publicKey)), try ledger.connectionVisibilities().filter { $0.own?.level != $0.chosen })
        }
        #expect(Set(fast.map(\.id)) == Set([ids[0], ids[2], ids[3]]))
        #expect(fast.map(\.id).sorted { $0.lexicographicallyPrecedes($1) } == verified.map(\.stored.connection.id))
        for (row, model) in zip(fast.sorted { $0.id.lexicographicallyPrecedes($1.id) }, verified) {
            #expect(row.peer == model.stored.peer)
            #expect(row.level == model.chosen)
            #expect(row.previous == model.own?.set)
        }
        #expect(fast.first { $0.id == ids[2] }?.previous == now + 2)
    }
}
