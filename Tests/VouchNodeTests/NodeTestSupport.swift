import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import VouchAdmin
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchStore
import VouchTLS
import VouchTestKit

// MARK: Recording what a node publishes and logs

/// Events published by a node and messages it logged, safe to read from the test while the node runs.
final class NodeRecorder: Sendable {
    private let events = Mutex<[(type: String, data: [String: JSONValue])]>([])
    private let logs = Mutex<[String]>([])

    func publish(_ type: String, _ data: [String: JSONValue]) {
        events.withLock { $0.append((type, data)) }
    }

    func log(_ line: String) {
        logs.withLock { $0.append(line) }
    }

    /// The data of every event of `type`, in order.
    func events(_ type: String) -> [[String: JSONValue]] {
        events.withLock { $0.filter { $0.type == type }.map(\.data) }
    }

    func logged(_ text: String) -> Bool {
        logs.withLock { $0.contains { $0.contains(text) } }
    }
}

/// Sends a node's log lines to its recorder (and nowhere else, to keep test output readable).
struct RecordingLogHandler: LogHandler {
    let recorder: NodeRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        recorder.log("[\(event.level)] \(event.message)")
    }
}

// MARK: An in-process node

extension TransportLimits {
    /// The defaults, with room for a slow machine in the deadlines tests do not test.
    static var testing: TransportLimits {
        var limits = TransportLimits()
        // Generous: under ThreadSanitizer on two loaded cores a handshake or a reply can take many
        // seconds, and a deadline that fires there fails a test about something else. Tests of a
        // deadline set their own, short one.
        limits.handshakeTimeout = .seconds(30)
        limits.firstBytesTimeout = .seconds(30)
        limits.requestTimeout = .seconds(20)
        return limits
    }
}

/// A free TCP port on 127.0.0.1. `Endpoint` refuses port 0 and `NodeConfig.listen` is an
/// `Endpoint`, so the node cannot bind port 0 itself: the port is found here and reused at once.
func freeLoopbackPort(group: any EventLoopGroup) async throws -> UInt16 {
    let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    guard port > 0 else { throw ConditionNotMet(description: "no port was bound") }
    return UInt16(port)
}

/// A node with its own home, database, key and event loop, listening on 127.0.0.1 once
/// `startListening` is called. Call `shutdown` when done (`withNodes` does).
final class TestNode: Sendable {
    let directory: URL
    let key: Ed25519PrivateKey
    let database: NodeDatabase
    let runtime: NodeRuntime
    let recorder = NodeRecorder()
    let group: MultiThreadedEventLoopGroup
    let port: UInt16
    private let listener = Mutex<(any Channel)?>(nil)
    private let outbox = Mutex<Task<Void, Never>?>(nil)

    var id: NodeID { runtime.identity }
    var address: NodeAddress { NodeAddress(id: id, endpoint: try! Endpoint(host: "127.0.0.1", port: port)) }

    /// `tls` builds the node's TLS context from its key (default: the node's production one).
    init(limits: TransportLimits = .testing, profileName: String? = nil,
         tls: (Ed25519PrivateKey) throws -> TLSConfiguration = { try TLSConfiguration(privateKey: $0) }) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-node-tests-\(UUID().uuidString)")
        let home = NodeHome(url: directory)
        try home.createDirectory()
        database = try NodeDatabase(home: home)
        key = try Ed25519PrivateKey()
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        try database.recordIdentity(NodeID(publicKey: key.publicKey), createdAt: now)
        if let profileName {
            try database.saveProfile(Profile(version: 1, updatedAt: now / 1000,
                                             fields: [.name: .init(value: profileName, audience: .everyone)]))
        }
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        port = try await freeLoopbackPort(group: group)
        let recorder = self.recorder
        runtime = NodeRuntime(identityKey: key, tls: try tls(key), database: database,
                              config: NodeConfig(listen: try Endpoint(host: "127.0.0.1", port: port), limits: limits),
                              limits: limits, group: group,
                              logger: Logger(label: "vouch.node.test") { _ in RecordingLogHandler(recorder: recorder) },
                              events: { recorder.publish($0, $1) })
    }

    /// Binds the peer listener and checks it is on the port the node's address names.
    func startListening() async throws {
        let channel = try await runtime.bindListener()
        #expect(channel.localAddress?.port == Int(port), "bindListener reports the bound port in channel.localAddress")
        listener.withLock { $0 = channel }
    }

    func startOutbox() {
        let runtime = self.runtime
        outbox.withLock { $0 = Task { await OutboxWorker(runtime: runtime).run() } }
    }

    func stopOutbox() async {
        guard let task = outbox.withLock({ t -> Task<Void, Never>? in defer { t = nil }; return t }) else { return }
        task.cancel()
        await task.value
    }

    func shutdown() async {
        await stopOutbox()
        if let channel = listener.withLock({ $0 }) { try? await channel.close() }
        for session in runtime.sessions.all { session.close() }
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The node's one session with `peer`, when it is open.
    func openSession(with peer: NodeID) -> PeerSession? {
        guard let session = runtime.sessions.session(for: peer), session.channel.isActive else { return nil }
        return session
    }
}

/// Runs `body` with `count` fresh nodes (listening unless `listening` is false), and shuts them
/// down afterwards whether `body` succeeded or not.
func withNodes<T>(_ count: Int = 1, limits: TransportLimits = .testing, listening: Bool = true, profileName: String? = nil,
                  _ body: ([TestNode]) async throws -> T) async throws -> T {
    var nodes: [TestNode] = []
    do {
        for _ in 0..<count {
            let node = try await TestNode(limits: limits, profileName: profileName)
            nodes.append(node)
            if listening { try await node.startListening() }
        }
        let result = try await body(nodes)
        for node in nodes { await node.shutdown() }
        return result
    } catch {
        for node in nodes { await node.shutdown() }
        throw error
    }
}

func withNode<T>(limits: TransportLimits = .testing, _ body: (TestNode) async throws -> T) async throws -> T {
    try await withNodes(1, limits: limits) { try await body($0[0]) }
}

// MARK: Messages a raw client sends

enum Wire {
    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    static func message(_ type: String, to recipient: NodeID, id: MessageID = .random(), sentAt: UInt64 = now(),
                        lifetime: UInt64 = 60_000, body: CBORValue = .map([:])) -> WireMessage {
        WireMessage(id: id, rawType: type, replyTo: nil, sentAt: sentAt, expiresAt: sentAt + lifetime,
                    recipient: recipient.rawRepresentation, body: body)
    }

    /// A `card` body holding `name`'s profile signed by `key`.
    /// A card body holding a profile document signed by `key`. The document is built directly,
    /// not through `Profile`, so a test can sign values a writer must never produce.
    static func cardBody(signedBy key: Ed25519PrivateKey, name: String = "Ada Lovelace", version: UInt64 = 1,
                         updatedAt: UInt64? = nil) throws -> CBORValue {
        let document = ProfileDocument(version: version, updatedAt: updatedAt ?? now() / 1000, audience: .everyone,
                                       fields: [.name: name], links: [], endpoints: [])
        return .map(["document": .bytes(try document.signed(with: key).encoded)])
    }
}
