import Foundation
import Synchronization
import VouchCrypto
import VouchProtocol
import VouchStore

/// Fills a node's store, before `vouch run` starts, with connections as the node would hold them
/// after the invitation flow and the visibility exchange (Protocol/disclosure.md), for the
/// disclosure benchmarks (`mutual`, `connections-of`).
///
/// Each simulated peer's connection is made as the flow makes it: terms signed by the node (the
/// inviter), acceptance signed by the peer, the record verified. Both sides' visibility statements
/// are stored, each signed by its side (`VisibilityStatement.make`), the owner's choice is set
/// (`chooseVisibility`), and the peer's mutual token is stored (`setMutualToken`), as its
/// `visibility` delivery would have left it. No address is stored for the peers: the node has
/// nothing to send them, so nothing but the benchmark's queries runs.
enum DisclosureSeed {
    /// A simulated peer: its identity and the one mutual token it gives all its connections.
    struct Peer: Sendable {
        let key: Ed25519PrivateKey
        let token: [UInt8]
        var id: NodeID { NodeID(publicKey: key.publicKey) }

        init() throws {
            key = try Ed25519PrivateKey()
            token = SecureRandom.bytes(32)
        }
    }

    static func makePeers(_ count: Int) throws -> [Peer] {
        try (0..<count).map { _ in try Peer() }
    }

    /// Stores one connection with each of `peers` in the node at `home`, both sides choosing
    /// `level`. The records and statements are signed on all cores (not timed by anyone).
    /// Returns the stored records (acceptance envelopes), in the peers' order.
    @discardableResult
    static func seed(home: NodeHome, peers: [Peer], level: Visibility, context: String) throws -> [[UInt8]] {
        let nodeKey = try IdentityKeyFile(home: home).load(passphrase: nil)
        let node = NodeID(publicKey: nodeKey.publicKey)
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        var profile = Profile(version: 1, updatedAt: now / 1000)
        profile.fields[.name] = .init(value: "Disclosure benchmark owner", audience: .everyone)
        let card = try profile.document(for: .everyone).signed(with: nodeKey)

        struct Seeded: Sendable {
            let connection: Connection
            let peer: NodeID
            let token: [UInt8]
            let theirs: VisibilityStatement
            let mine: VisibilityStatement
        }
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let made = Mutex<[Int: Result<Seeded, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var local: [Int: Result<Seeded, any Error>] = [:]
            for index in stride(from: worker, to: peers.count, by: workers) {
                let peer = peers[index]
                local[index] = Result {
                    let body = try Invitation.make(inviter: nodeKey, invitee: peer.id, relationship: .colleague, context: context,
                                                   note: "Connection \(index) of a disclosure benchmark", card: card, created: now)
                    let connection = try Connection.accept(try SignedInvitation(verifying: body.document), accepted: now, with: peer.key)
                    guard connection.inviter == node, connection.invitee == peer.id else {
                        throw BenchFailure("a seeded record does not name both signers")
                    }
                    return Seeded(connection: connection, peer: peer.id, token: peer.token,
                                  theirs: try VisibilityStatement.make(connection: connection.id, level: level, set: now, with: peer.key),
                                  mine: try VisibilityStatement.make(connection: connection.id, level: level, set: now, with: nodeKey))
                }
            }
            made.withLock { $0.merge(local) { a, _ in a } }
        }
        let seeded = try made.withLock { results in try (0..<peers.count).map { try results[$0]!.get() } }
        let database = try NodeDatabase(home: home)
        try runBlocking {
            try await database.invitationTransaction { ledger in
                for s in seeded {
                    try ledger.record(s.connection, peer: s.peer, cardVersion: 0, now: now)
                    try ledger.chooseVisibility(level, connection: s.connection.id)
                    try ledger.keep(s.theirs)
                    try ledger.keep(s.mine)
                    try ledger.setMutualToken(s.token, for: s.peer)
                }
            }
        }
        return seeded.map { $0.connection.record.encoded }
    }
}
