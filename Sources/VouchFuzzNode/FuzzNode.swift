public import Foundation
import Logging
import NIOPosix
import VouchCrypto
import VouchFuzzSupport
public import VouchNode
import VouchProtocol
public import VouchStore
import VouchTLS

/// A node for the structure-aware targets and their tests: a node home (on tmpfs when there is
/// one: the database commits with `synchronous = FULL`, and on a disk every delivery would wait
/// for an fsync) whose database holds the identity of `FuzzKeys.recipient`, an owner profile
/// with an endpoint (so an acceptance can answer with a card), and one blocked node, the last
/// peer of `InvitationFlowGenerator.peers` (so the blocked path is reached too).
public final class FuzzNode: Sendable {
    public let home: URL
    public let database: NodeDatabase

    /// The peer's IP address as the session handler would pass it (a documentation address).
    public static let peerAddress = "192.0.2.1"

    /// Made once: a TLS configuration signs a certificate, and no input reaches TLS.
    static let tls = try! TLSConfiguration(privateKey: FuzzKeys.recipient)
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// A directory for a node home named `name`, on tmpfs when there is one, unique to this process.
    public static func scratchDirectory(_ name: String) -> URL {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        return base.appendingPathComponent("\(name)-\(getpid())")
    }

    /// Creates the node home at `home` (whatever was there is removed first).
    public init(home: URL) async throws {
        try? FileManager.default.removeItem(at: home)
        let nodeHome = NodeHome(url: home)
        try nodeHome.createDirectory()
        self.home = home
        database = try NodeDatabase(home: nodeHome)
        let now = Self.nowMilliseconds()
        try database.recordIdentity(FuzzKeys.vectorRecipient, createdAt: now)
        try database.saveProfile(Profile(version: 1, updatedAt: now / 1000, fields: [.name: .init(value: "Fuzz Node", audience: .everyone)],
                                         endpoints: [try Endpoint(host: "127.0.0.1", port: 7400)]))
        let blocked = InvitationFlowGenerator.peers.last!.id
        try await database.invitationTransaction { try $0.block(blocked, now: now) }
    }

    /// `init(home:)` from a fuzz target's synchronous callback (`runBlocking`); stops the process
    /// when the node cannot be made, as there is nothing to fuzz then.
    public static func make(home: URL) -> FuzzNode {
        let made = runBlocking { () async -> Result<FuzzNode, any Error> in
            do { return .success(try await FuzzNode(home: home)) } catch { return .failure(error) }
        }
        switch made {
        case .success(let node): return node
        case .failure(let error): fatalError("cannot set up the node to fuzz: \(error)")
        }
    }

    /// A runtime on this node's database, as `vouch run` makes one: every call gives fresh
    /// services, so per-node state in memory (the invitation rate limit) starts anew.
    public func runtime() -> NodeRuntime {
        let limits = TransportLimits.default
        return NodeRuntime(identityKey: FuzzKeys.recipient, tls: Self.tls, database: database,
                           config: NodeConfig(listen: try! Endpoint(host: "127.0.0.1", port: 7400), limits: limits),
                           limits: limits, group: Self.group, logger: Logger(label: "vouch.fuzz") { _ in SwiftLogNoOpLogHandler() },
                           events: { _, _ in })
    }

    /// Removes the node home.
    public func remove() {
        try? FileManager.default.removeItem(at: home)
    }

    public static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}
