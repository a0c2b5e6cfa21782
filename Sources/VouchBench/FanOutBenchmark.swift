import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import VouchCrypto
import VouchNode
import VouchProtocol
import VouchStore
import VouchTLS

/// `vouch-bench fan-out`: how long a profile change takes to reach every connection (issue 11,
/// "Fan-out": 1,000 connections, goal ≤ 10 s, nothing lost).
///
/// Method. A real daemon (`BenchDaemon`) whose owner set a profile (`vouch profile set`, version
/// 1). `--count` (1,000) simulated connections live in this process, each with its own Ed25519
/// identity and its own listener on 127.0.0.1 (the real `VouchTLSHandler` as a server that
/// requires the node's key, and the frame codec), answering pings and acking deliveries as a
/// node does. Setup, not timed: each connection's record is made as the flow makes it (the node
/// signs the invitation terms with its own key from the home's key file, the simulated peer signs
/// the acceptance, and the record is verified) and stored through the store with the peer's
/// address and `card_version` 1, the card it already had. Then the owner changes the profile
/// (`vouch profile set --headline …`, version 2) and the clock starts. The node notices the new
/// version (its `ConnectionTimer`, every 2 s), queues a card for every connection, and its outbox
/// dials each peer and delivers. Each simulated peer verifies the card it receives (signed by the
/// node, for connections, version 2) and records when; the program waits until all of them have
/// it or `--timeout` (60 s) passes.
///
/// Printed: time from the profile change to the last connection having version 2, the count that
/// have it (of `--count`), the first arrival, the daemon's CPU, and the goal.
enum FanOutBenchmark {
    static let benchmark = Benchmark(
        name: "fan-out",
        summary: "a profile change reaching 1,000 connections: time until the last has it",
        run: run
    )

    /// The issue's goal, seconds until the last connection has the new version.
    static let goal = 10.0

    static func run(_ arguments: [String]) throws -> Int32 {
        var count = 1_000, timeout = 60
        var rest: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--count", "--timeout":
                let number = try BenchOptions.positiveNumber(after: argument, in: &iterator)
                if argument == "--count" { count = number } else { timeout = number }
            default:
                rest.append(argument)
            }
        }
        _ = try BenchOptions(parsing: rest)
        installChildCleanup()
        let limitLine = try raiseOpenFilesLimit(to: count * 3 + 256)
        print("Fan-out: a profile change reaching \(count) connections, each a simulated node with its own listener on 127.0.0.1")
        print(loadLine())
        print(limitLine)

        let daemon = try BenchDaemon(prefix: "vouch-bench-fan-out")
        defer { daemon.stop() }
        print("config.json: \(daemon.configLine)")
        let home = NodeHome(url: URL(fileURLWithPath: daemon.home))
        let nodeKey = try IdentityKeyFile(home: home).load(passphrase: nil)
        let node = NodeID(publicKey: nodeKey.publicKey)
        guard node.publicKey == daemon.nodeKey else { throw BenchFailure("the home's key is not the running node's") }
        try vouch(daemon, ["profile", "set", "--name", "Fan-out Owner", "--headline", "before the change",
                           "--endpoint", "127.0.0.1:\(daemon.port)"])

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let arrivals = Arrivals(count: count)
        let setupStart = monotonicSeconds()
        var peers: [SimulatedConnection] = []
        for index in 0..<count {
            peers.append(try SimulatedConnection.listen(index: index, node: node, target: 2, arrivals: arrivals, group: group))
        }
        try seedConnections(peers, nodeKey: nodeKey, home: home)
        print("setup: \(count) listeners and \(count) co-signed connection records stored in \(String(format: "%.1f", monotonicSeconds() - setupStart)) s")
        defer { for peer in peers { peer.channel.close(promise: nil) } }
        // The node must see them as caught up with version 1 before the change (nothing queued).
        Thread.sleep(forTimeInterval: 3)
        try daemon.checkRunning()
        guard arrivals.received == 0 else { throw BenchFailure("cards arrived before the change") }

        let cpu0 = try daemon.cpuSeconds()
        let start = monotonicSeconds()
        try vouch(daemon, ["profile", "set", "--headline", "after the change"])
        let changed = monotonicSeconds()
        let deadline = start + Double(timeout)
        while arrivals.received < count && monotonicSeconds() < deadline {
            try daemon.checkRunning()
            usleep(20_000)
        }
        let cpu = try daemon.cpuSeconds() - cpu0
        let times = arrivals.times.compactMap { $0 }
        let received = times.count
        let last = times.max().map { $0 - start }
        let first = times.min().map { $0 - start }
        print("")
        print("vouch profile set (version 2) took \(String(format: "%.2f", changed - start)) s")
        print("connections with version 2: \(received) of \(count); lost: \(count - received)\(arrivals.rejected > 0 ? "; cards refused as not the expected version: \(arrivals.rejected)" : "")")
        if let first, let last {
            print("first had it after \(String(format: "%.2f", first)) s, the last after \(String(format: "%.2f", last)) s (delivery spread \(String(format: "%.2f", last - first)) s: \(String(format: "%.0f", Double(received) / max(last - first, 0.001))) deliveries/s)")
        }
        print("daemon CPU from the change to the last delivery: \(String(format: "%.2f", cpu)) s (\(String(format: "%.2f", cpu * 1000 / Double(max(received, 1)))) ms per connection)")
        print("")
        let met = received == count && (last ?? .infinity) <= goal
        print("goal: every connection has the new version within \(Int(goal)) s: \(met ? "met" : "NOT met")\(last.map { " (\(String(format: "%.2f", $0)) s)" } ?? "")")
        return 0
    }

    private static func vouch(_ daemon: BenchDaemon, _ arguments: [String]) throws {
        let result = try ChildProcess.run(daemon.vouch, arguments + ["--home", daemon.home])
        guard result.status == 0 else { throw BenchFailure("vouch \(arguments.joined(separator: " ")) exited \(result.status): \(result.output)") }
    }

    /// Stores one connection per simulated peer, made as the invitation flow makes it: terms
    /// signed by the node (the inviter), acceptance signed by the peer, the record verified; with
    /// the peer's address, and `card_version` 1 (the card for connections it already has).
    private static func seedConnections(_ peers: [SimulatedConnection], nodeKey: Ed25519PrivateKey, home: NodeHome) throws {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        var profile = Profile(version: 1, updatedAt: now / 1000)
        profile.fields[.name] = .init(value: "Fan-out Owner", audience: .everyone)
        let card = try profile.document(for: .everyone).signed(with: nodeKey)
        let records = try peers.map { peer -> (Connection, NodeAddress) in
            let body = try Invitation.make(inviter: nodeKey, invitee: peer.id, relationship: .colleague, context: "vouch-bench fan-out",
                                           note: "Connection \(peer.index) of the fan-out benchmark", card: card, created: now)
            let connection = try Connection.accept(try SignedInvitation(verifying: body.document), accepted: now, with: peer.key)
            guard connection.inviter == NodeID(publicKey: nodeKey.publicKey), connection.invitee == peer.id else {
                throw BenchFailure("a seeded record does not name both signers")
            }
            return (connection, NodeAddress(id: peer.id, endpoint: try Endpoint(host: "127.0.0.1", port: peer.port)))
        }
        let database = try NodeDatabase(home: home)
        try runBlocking {
            try await database.invitationTransaction { ledger in
                for (connection, address) in records {
                    try ledger.rememberPeer(address, now: now)
                    try ledger.record(connection, peer: address.id, cardVersion: 1, now: now)
                }
            }
        }
    }

    /// When each simulated connection first had the target version (monotonic seconds).
    final class Arrivals: Sendable {
        private let state: Mutex<(times: [Double?], received: Int, rejected: Int)>

        init(count: Int) { state = Mutex(([Double?](repeating: nil, count: count), 0, 0)) }

        func arrived(_ index: Int) {
            let now = monotonicSeconds()
            state.withLock { s in
                guard s.times[index] == nil else { return }
                s.times[index] = now
                s.received += 1
            }
        }

        func rejected(_ index: Int) { state.withLock { $0.rejected += 1 } }

        var received: Int { state.withLock { $0.received } }
        var rejected: Int { state.withLock { $0.rejected } }
        var times: [Double?] { state.withLock { $0.times } }
    }
}

/// One simulated connection of the node: an identity and a listener that speaks the transport
/// as a node does (TLS 1.3 requiring the node's key, frames, pong to ping, ack to a delivery).
final class SimulatedConnection: Sendable {
    let index: Int
    let key: Ed25519PrivateKey
    let id: NodeID
    let port: UInt16
    let channel: any Channel

    private static let logger = Logger(label: "vouch-bench", factory: { _ in SwiftLogNoOpLogHandler() })

    private init(index: Int, key: Ed25519PrivateKey, port: UInt16, channel: any Channel) {
        self.index = index
        self.key = key
        self.id = NodeID(publicKey: key.publicKey)
        self.port = port
        self.channel = channel
    }

    static func listen(index: Int, node: NodeID, target: UInt64, arrivals: FanOutBenchmark.Arrivals,
                       group: any EventLoopGroup) throws -> SimulatedConnection {
        let key = try Ed25519PrivateKey()
        let tls = try TLSConfiguration(privateKey: key)
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(VouchTLSHandler(role: .server, configuration: tls, logger: logger))
                    try sync.addHandler(ByteToMessageHandler(WireFrameDecoder(maximumFrameSize: TransportLimits.default.maximumFrameSize)))
                    try sync.addHandler(MessageToByteHandler(WireFrameEncoder()))
                    try sync.addHandler(SimulatedConnectionHandler(index: index, node: node, target: target, arrivals: arrivals))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        guard let port = channel.localAddress?.port, let port16 = UInt16(exactly: port) else {
            throw BenchFailure("a listener has no port")
        }
        return SimulatedConnection(index: index, key: key, port: port16, channel: channel)
    }
}

/// The inbound end of a simulated connection's session with the node.
private final class SimulatedConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let index: Int
    private let node: NodeID
    private let target: UInt64
    private let arrivals: FanOutBenchmark.Arrivals

    init(index: Int, node: NodeID, target: UInt64, arrivals: FanOutBenchmark.Arrivals) {
        self.index = index
        self.node = node
        self.target = target
        self.arrivals = arrivals
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Only the node may hold a session with a simulated connection.
        if let done = event as? TLSHandshakeCompleted, done.peerKey != node.publicKey { context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let message = try? WireMessage(decoding: Array(frame.readableBytesView)), let type = message.knownType else { return }
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        if type == .ping {
            reply(.pong, to: message, now: now, context: context)
        } else if type == .card {
            // The card is checked as a node would: signed by the node, its view for connections.
            if let body = try? CardBody(message.body), let envelope = try? SignedEnvelope(verifying: body.document),
               envelope.signer == node, let profile = try? ProfileDocument(envelope: envelope), profile.audience == .connections {
                if profile.version >= target { arrivals.arrived(index) } else { arrivals.rejected(index) }
                reply(.ack, to: message, now: now, context: context)
            } else {
                arrivals.rejected(index)
                let error = WireErrorBody(code: .invalidBody, message: "not the node's card for connections")
                let out = WireMessage(type: .error, replyTo: message.id, sentAt: now, expiresAt: now + 60_000, recipient: node, body: error.value)
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: out.encoded)), promise: nil)
            }
        } else if type.kind == .delivery {
            // Any other delivery is acked, as a node does once it has stored it.
            reply(.ack, to: message, now: now, context: context)
        }
    }

    private func reply(_ type: WireMessageType, to message: WireMessage, now: UInt64, context: ChannelHandlerContext) {
        let out = WireMessage(type: type, replyTo: message.id, sentAt: now, expiresAt: now + 60_000, recipient: node)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: out.encoded)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
