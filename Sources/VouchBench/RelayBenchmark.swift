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

/// `vouch-bench relay`: vouch/1 sessions opened per second through a local strelaysrv, next to
/// the same sessions opened directly, in the same run (Protocol/relay.md; goal: relayed ≥ 0.5×
/// direct).
///
/// Method. Two nodes in this process (real `NodeRuntime`s, each on a one-thread event loop
/// group): the target listens on 127.0.0.1 and has joined two strelaysrv started on loopback with
/// no pool, one with the P-384 key strelaysrv makes itself, one with an Ed25519 key (what
/// Docs/running-behind-nat.md advises an operator to give it); the dialer opens a session
/// (`NodeRuntime.connect`, the path `vouch ping` and the outbox use), closes it, waits until it
/// is closed, and starts the next, for `--seconds`, to the target's listener and to each relay
/// endpoint in turn, for `--rounds`. A relayed session costs a TLS handshake with the relay, a
/// ConnectRequest, two session-mode connections (one from each node, the dialer's after its
/// `RelayJoinDelay`) and then the same vouch/1 handshake, so the figure is sessions per second of
/// wall-clock time, sequential: latency as much as CPU. It also prints the CPU each session cost
/// the nodes (this process) and the relay (its process), and counts the dials asked again because
/// the two joins collided at strelaysrv (`RelayDialRetry`).
enum RelayBenchmark {
    static let benchmark = Benchmark(
        name: "relay",
        summary: "vouch/1 sessions/s and bulk MB/s through a local strelaysrv vs direct, same run",
        run: run
    )

    static let goal = 0.5

    /// The two relays: the key strelaysrv makes itself, and one the operator gives it.
    enum RelayKey: String, CaseIterable, Sendable {
        case strelaysrvOwn = "its own P-384 key"
        case ed25519 = "an Ed25519 key"
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try BenchOptions(parsing: arguments)
        print("Sessions opened per second, sequential, one dialer: direct vs through a local strelaysrv (no pool)")
        print("\(options.seconds) s per measurement; \(options.rounds) round(s)")
        print(loadLine())
        print("")
        let result = try runBlocking { try await measure(seconds: Double(options.seconds), rounds: options.rounds) }
        let direct = best(result.direct)
        let directMBps = result.directMBps.max() ?? 0, relayedMBps = result.relayedMBps.max() ?? 0
        let bulkRatio = relayedMBps / directMBps
        print("")
        func row(_ label: String, _ figures: SessionFigures, ratio: String, bulk: String) -> String {
            label.padding(toLength: 38, withPad: " ", startingAt: 0) + pad(String(format: "%.1f", figures.rate), 10)
                + pad(ratio, 7) + "   " + cpu(figures).padding(toLength: 26, withPad: " ", startingAt: 0) + bulk
        }
        print("                                      sessions/s  ratio   CPU per session (ms)      MB/s")
        print(row("direct", direct, ratio: "", bulk: String(format: "%.1f", directMBps)))
        var ratios: [Double] = []
        for key in RelayKey.allCases {
            let relayed = best(result.relayed[key] ?? [])
            ratios.append(relayed.rate / direct.rate)
            print(row("through strelaysrv, \(key.rawValue)", relayed, ratio: formatRatio(relayed.rate / direct.rate),
                      bulk: key == .strelaysrvOwn ? String(format: "%.1f", relayedMBps) + " (ratio \(formatRatio(bulkRatio)))" : ""))
        }
        if options.rounds > 1 { print("(best round of each)") }
        print("")
        let best = ratios.max() ?? 0
        print("goal: ratio ≥ \(formatRatio(goal)) for sessions/s: \(best >= goal ? "met" : "NOT met") "
              + "(\(ratios.map(formatRatio).joined(separator: " and ")) with the two relay keys); for MB/s: \(bulkRatio >= goal ? "met" : "NOT met")")
        print("")
        print("method: two NodeRuntimes in this process; the dialer calls connect(to:) (TCP, TLS 1.3 with the pin, the session),")
        print("        closes the session and waits for the close, then the next; relayed: ConnectRequest over TLS to the relay,")
        print("        session mode from both nodes (the dialer after its learned join delay; asked again when the joins")
        print("        collide), then the same vouch/1 handshake inside. CPU: user + system time of this process (both nodes)")
        print("        and of the relay's, over the measurement, per session. \(strelaysrvVersion())")
        return 0
    }

    private static func cpu(_ m: SessionFigures) -> String {
        let nodes = String(format: "%.2f", m.nodeCPU * 1000)
        guard let relay = m.relayCPU else { return "nodes \(nodes)" }
        return "nodes \(nodes), relay \(String(format: "%.2f", relay * 1000))"
    }

    /// One measurement: sessions per second and the CPU seconds per session.
    struct SessionFigures: Sendable {
        var rate = 0.0
        var failures = 0
        var nodeCPU = 0.0
        var relayCPU: Double?
    }

    private struct Result: Sendable {
        var direct: [SessionFigures] = []
        var relayed: [RelayKey: [SessionFigures]] = [:]
        var directMBps: [Double] = []
        var relayedMBps: [Double] = []
    }

    /// The round with the most sessions per second.
    private static func best(_ rounds: [SessionFigures]) -> SessionFigures {
        rounds.max { $0.rate < $1.rate } ?? SessionFigures()
    }

    /// A strelaysrv on loopback with no pool, and the URI it printed.
    private struct Relay {
        let process: ChildProcess
        let uri: RelayURI
        let port: UInt16
    }

    private static func startRelay(_ key: RelayKey, strelaysrv: String, directory: TemporaryDirectory) async throws -> Relay {
        let keys = directory.file("relay-\(key == .ed25519 ? "ed25519" : "own")")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if key == .ed25519 {
            let relayKey = try Ed25519PrivateKey()
            try relayKey.pkcs8PEM().write(to: keys.appendingPathComponent("key.pem"), atomically: true, encoding: .utf8)
            try SelfSignedCertificate(key: relayKey, commonName: "strelaysrv").pem
                .write(to: keys.appendingPathComponent("cert.pem"), atomically: true, encoding: .utf8)
        }
        let port = try freeLoopbackPort()
        let log = keys.appendingPathComponent("relay.out")
        let process = try ChildProcess(strelaysrv, ["-listen", "127.0.0.1:\(port)", "-pools", "", "-keys", keys.path, "-status-srv", ""],
                                       stdout: log, stderr: log)
        do {
            return Relay(process: process, uri: try await relayURI(log), port: port)
        } catch {
            process.stop()
            throw error
        }
    }

    private static func measure(seconds: Double, rounds: Int) async throws -> Result {
        let directory = try TemporaryDirectory(prefix: "vouch-bench-relay")
        defer { directory.remove() }
        guard let strelaysrv = findProgram("strelaysrv") else {
            throw BenchFailure("strelaysrv is not installed: apt-get install syncthing-relaysrv (.ci/install-deps does)")
        }
        var relays: [RelayKey: Relay] = [:]
        defer { for relay in relays.values { relay.process.stop() } }
        for key in RelayKey.allCases { relays[key] = try await startRelay(key, strelaysrv: strelaysrv, directory: directory) }

        let target = try await BenchNode(directory: directory, name: "target", listens: true)
        let dialer = try await BenchNode(directory: directory, name: "dialer", listens: false)
        defer {
            target.shutdown()
            dialer.shutdown()
        }
        let joins = try target.runtime.joinRelays(RelayKey.allCases.map { relays[$0]!.uri })
        let deadline = monotonicSeconds() + 30
        while !joins.states.allSatisfy(\.joined) {
            guard monotonicSeconds() < deadline else { throw BenchFailure("the target did not join the relays: \(joins.states)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let direct = NodeAddress(id: target.runtime.identity, endpoint: try Endpoint(host: "127.0.0.1", port: target.port))
        var relayed: [RelayKey: (address: NodeAddress, pid: pid_t)] = [:]
        for (key, relay) in relays {
            guard let state = joins.states.first(where: { $0.uri == relay.uri }) else { throw BenchFailure("no join for \(relay.uri)") }
            relayed[key] = (NodeAddress(id: target.runtime.identity, endpoint: state.endpoint), relay.process.pid)
        }

        var result = Result()
        _ = try await sessions(dialer, to: direct, relay: nil, seconds: 1)  // warm-up
        for key in RelayKey.allCases { _ = try await sessions(dialer, to: relayed[key]!.address, relay: nil, seconds: 1) }
        for round in 1...rounds {
            let d = try await sessions(dialer, to: direct, relay: nil, seconds: seconds)
            result.direct.append(d)
            var line = "round \(round): direct \(String(format: "%6.1f", d.rate)) sessions/s (\(d.failures) failed)"
            for key in RelayKey.allCases {
                let retriesBefore = dialer.runtime.relayDialRetryCount
                let r = try await sessions(dialer, to: relayed[key]!.address, relay: relayed[key]!.pid, seconds: seconds)
                result.relayed[key, default: []].append(r)
                line += "; through the relay with \(key.rawValue) \(String(format: "%6.1f", r.rate)) (\(r.failures) failed, "
                    + "\(dialer.runtime.relayDialRetryCount - retriesBefore) asked again after colliding joins)"
            }
            print(line)
            let relay = relays[.strelaysrvOwn]!
            let directBulk = try await ThroughputBenchmark.measure(seconds: Int(seconds))
            let relayedBulk = try await RelayThroughput.measure(relayPort: relay.port, relayID: relay.uri.id, seconds: Int(seconds))
            let dm = Double(directBulk.bytes) / directBulk.seconds / 1e6, rm = Double(relayedBulk.bytes) / relayedBulk.seconds / 1e6
            result.directMBps.append(dm)
            result.relayedMBps.append(rm)
            print("         direct \(String(format: "%7.1f", dm)) MB/s, through the relay \(String(format: "%7.1f", rm)) MB/s (16 KiB frames, one session)")
        }
        await joins.stop()
        return result
    }

    /// Sessions per second opened to `address` one after another for `seconds` (failed attempts
    /// count against the time, not as sessions), how many failed, and the CPU per session of
    /// this process and of the relay process `relay`.
    private static func sessions(_ dialer: BenchNode, to address: NodeAddress, relay: pid_t?, seconds: Double) async throws -> SessionFigures {
        let start = monotonicSeconds(), nodeCPUStart = processCPUSeconds(), relayCPUStart = relay.flatMap { procCPUSeconds(pid: $0) }
        var count = 0, failures = 0
        while monotonicSeconds() - start < seconds {
            do {
                let session = try await dialer.runtime.connect(to: address)
                session.close()
                try? await session.channel.closeFuture.get()
                count += 1
            } catch {
                failures += 1
                guard failures <= 10 else { throw BenchFailure("more than 10 sessions failed; the last: \(error)") }
            }
        }
        let sessions = Double(max(count, 1))
        var figures = SessionFigures(rate: Double(count) / (monotonicSeconds() - start), failures: failures,
                                     nodeCPU: (processCPUSeconds() - nodeCPUStart) / sessions)
        if let relay, let relayCPUStart, let relayCPU = procCPUSeconds(pid: relay) {
            figures.relayCPU = (relayCPU - relayCPUStart) / sessions
        }
        return figures
    }

    private static func relayURI(_ log: URL) async throws -> RelayURI {
        let deadline = monotonicSeconds() + 60
        while monotonicSeconds() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("URI: relay://") }),
               let start = line.range(of: "relay://") {
                return try RelayURI(parsing: String(line[start.lowerBound...]))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchFailure("strelaysrv printed no URI")
    }

    private static func findProgram(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func strelaysrvVersion() -> String {
        guard let path = findProgram("strelaysrv") else { return "" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map { "(\($0))" } ?? ""
    }
}

/// A node in this process for the relay benchmark: its own home, database and key, one event loop.
private final class BenchNode: Sendable {
    let runtime: NodeRuntime
    let group: MultiThreadedEventLoopGroup
    let port: UInt16
    private let listener: (any Channel)?

    init(directory: TemporaryDirectory, name: String, listens: Bool) async throws {
        let home = NodeHome(url: directory.file(name))
        try FileManager.default.createDirectory(at: home.url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let database = try NodeDatabase(home: home)
        let key = try Ed25519PrivateKey()
        port = try freeLoopbackPort()
        let config = NodeConfig(listen: listens ? try Endpoint(host: "127.0.0.1", port: port) : nil)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let handler = FormattingDiscardLogHandler(logLevel: .warning)
        runtime = NodeRuntime(identityKey: key, tls: try TLSConfiguration(privateKey: key), database: database, config: config,
                              limits: config.limits, group: group, logger: Logger(label: "vouch", factory: { _ in handler })) { _, _ in }
        listener = listens ? try await runtime.bindListener() : nil
    }

    func shutdown() {
        listener?.close(promise: nil)
        for session in runtime.sessions.all { session.close() }
        try? group.syncShutdownGracefully()
    }
}

// MARK: - Throughput through the relay

/// Bulk throughput over one session through the relay: ThroughputBenchmark's pipelines (real
/// `VouchTLSHandler` with the pin, the frame codec, 16 KiB frames flooded while writable), but the
/// TCP connection is a strelaysrv session (protocol mode to join and to ask, session mode from
/// both ends) instead of a direct one.
enum RelayThroughput {
    static func measure(relayPort: UInt16, relayID: RelayDeviceID, seconds: Int) async throws -> ThroughputBenchmark.Result {
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1), clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let result: Swift.Result<ThroughputBenchmark.Result, any Error>
        do {
            result = .success(try await measure(relayPort: relayPort, relayID: relayID, seconds: seconds,
                                                serverGroup: serverGroup, clientGroup: clientGroup))
        } catch {
            result = .failure(error)
        }
        try? await clientGroup.shutdownGracefully()
        try? await serverGroup.shutdownGracefully()
        return try result.get()
    }

    private static func measure(relayPort: UInt16, relayID: RelayDeviceID, seconds: Int,
                                serverGroup: MultiThreadedEventLoopGroup, clientGroup: MultiThreadedEventLoopGroup) async throws -> ThroughputBenchmark.Result {
        let logger = Logger(label: "vouch-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let serverKey = try Ed25519PrivateKey(), clientKey = try Ed25519PrivateKey()
        let serverTLS = try TLSConfiguration(privateKey: serverKey), clientTLS = try TLSConfiguration(privateKey: clientKey)

        // Protocol mode: the receiver joins, the sender asks for it; each learns its session key.
        let joinCertificate = try SelfSignedCertificate(key: serverKey, commonName: "vouch-relay")
        let receiverInvited = serverGroup.next().makePromise(of: RelaySessionInvitation.self)
        let joined = serverGroup.next().makePromise(of: Void.self)
        let joinChannel = try await protocolConnection(group: serverGroup, port: relayPort, relayID: relayID, key: serverKey,
                                                       certificate: joinCertificate, logger: logger,
                                                       handler: InvitationWaiter(first: .joinRelayRequest, joined: joined, invited: receiverInvited))
        defer { joinChannel.close(promise: nil) }
        try await joined.futureResult.get()
        let senderInvited = clientGroup.next().makePromise(of: RelaySessionInvitation.self)
        let throwaway = try Ed25519PrivateKey()
        let askChannel = try await protocolConnection(
            group: clientGroup, port: relayPort, relayID: relayID, key: throwaway,
            certificate: try SelfSignedCertificate(key: throwaway, commonName: "vouch-relay"), logger: logger,
            handler: InvitationWaiter(first: .connectRequest(device: RelayDeviceID(certificateDER: joinCertificate.der).bytes),
                                      joined: nil, invited: senderInvited))
        let senderInvitation = try await senderInvited.futureResult.get()
        askChannel.close(promise: nil)
        let receiverInvitation = try await receiverInvited.futureResult.get()

        // Session mode: the receiver first, then the sender (Protocol/relay.md §4), then TLS.
        let received = ByteCounter()
        let maximumFrameSize = TransportLimits.default.maximumFrameSize
        let receiver = try await ClientBootstrap(group: serverGroup)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SessionJoiner(key: receiverInvitation.key) { sync in
                        try sync.addHandler(VouchTLSHandler(role: .server, configuration: serverTLS, logger: logger))
                        try sync.addHandler(ByteToMessageHandler(WireFrameDecoder(maximumFrameSize: maximumFrameSize)))
                        try sync.addHandler(CountingReceiver(counter: received))
                    })
                }
            }
            .connect(host: "127.0.0.1", port: Int(relayPort)).get()
        defer { receiver.close(promise: nil) }
        try await Task.sleep(for: .milliseconds(100))
        let handshake = clientGroup.next().makePromise(of: String.self)
        let payload = ByteBuffer(bytes: SecureRandom.bytes(ThroughputBenchmark.payloadSize))
        let sender = try await ClientBootstrap(group: clientGroup)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SessionJoiner(key: senderInvitation.key) { sync in
                        try sync.addHandler(VouchTLSHandler(role: .client(expectedPeerKey: serverKey.publicKey), configuration: clientTLS, logger: logger))
                        try sync.addHandler(MessageToByteHandler(WireFrameEncoder()))
                        try sync.addHandler(FloodingSender(payload: payload, handshake: handshake))
                    })
                }
            }
            .connect(host: "127.0.0.1", port: Int(relayPort)).get()
        defer { sender.close(promise: nil) }

        let cipher = try await handshake.futureResult.get()
        try await Task.sleep(for: .seconds(ThroughputBenchmark.warmUpSeconds))
        let startBytes = received.bytes.load(ordering: .relaxed)
        let startTime = monotonicSeconds(), startCPU = processCPUSeconds()
        try await Task.sleep(for: .seconds(seconds))
        let endBytes = received.bytes.load(ordering: .relaxed)
        let endTime = monotonicSeconds(), endCPU = processCPUSeconds()
        if let failure = received.failure.withLock({ $0 }) { throw BenchFailure("the receiver failed: \(failure)") }
        guard sender.isActive else { throw BenchFailure("the sender's connection closed during the measurement") }
        return ThroughputBenchmark.Result(bytes: endBytes - startBytes, seconds: endTime - startTime,
                                          cpuSeconds: endCPU - startCPU, cipher: cipher)
    }

    private static func protocolConnection(group: any EventLoopGroup, port: UInt16, relayID: RelayDeviceID, key: Ed25519PrivateKey,
                                           certificate: SelfSignedCertificate, logger: Logger,
                                           handler: InvitationWaiter) async throws -> any Channel {
        let tls = try TLSConfiguration.relayClient(privateKey: key, certificate: certificate)
        return try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(VouchTLSHandler(role: .relayClient(certificateDigest: relayID.bytes), configuration: tls, logger: logger))
                    try sync.addHandler(RelayMessageHandler())
                    try sync.addHandler(handler)
                }
            }
            .connect(host: "127.0.0.1", port: Int(port)).get()
    }
}

/// Protocol mode for the benchmark: sends `first` once TLS is up, answers pings, and completes
/// `joined` on a success response and `invited` on the invitation.
private final class InvitationWaiter: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = RelayMessage
    typealias OutboundOut = RelayMessage

    private let first: RelayMessage
    private let joined: EventLoopPromise<Void>?
    private let invited: EventLoopPromise<RelaySessionInvitation>

    init(first: RelayMessage, joined: EventLoopPromise<Void>?, invited: EventLoopPromise<RelaySessionInvitation>) {
        self.first = first
        self.joined = joined
        self.invited = invited
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RelayTLSHandshakeCompleted { context.writeAndFlush(wrapOutboundOut(first), promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .response(let response) where response.code == RelayResponse.success: joined?.succeed(())
        case .sessionInvitation(let invitation): invited.succeed(invitation)
        case .ping: context.writeAndFlush(wrapOutboundOut(.pong), promise: nil)
        default: invited.fail(BenchFailure("the relay answered \(unwrapInboundIn(data))"))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        joined?.fail(error)
        invited.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        joined?.fail(BenchFailure("the relay closed the connection"))
        invited.fail(BenchFailure("the relay closed the connection"))
        context.fireChannelInactive()
    }
}

/// Session mode for the benchmark: sends the join, waits for success, adds the pipeline behind
/// itself and passes everything through from then on (as the node's RelaySessionHandler does).
private final class SessionJoiner: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let key: [UInt8]
    private let pipeline: (ChannelPipeline.SynchronousOperations) throws -> Void
    private var reader = RelayMessageReader()
    private var relaying = false

    init(key: [UInt8], pipeline: @escaping (ChannelPipeline.SynchronousOperations) throws -> Void) {
        self.key = key
        self.pipeline = pipeline
    }

    func channelActive(context: ChannelHandlerContext) {
        if let bytes = try? RelayMessage.joinSessionRequest(key: key).encoded() {
            context.writeAndFlush(NIOAny(ByteBuffer(bytes: bytes)), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if relaying { return context.fireChannelRead(data) }
        do {
            guard let message = try reader.append(unwrapInboundIn(data).readableBytesView, limit: 1).first else { return }
            guard case .response(let response) = message, response.code == RelayResponse.success else {
                throw BenchFailure("the relay refused the session: \(message)")
            }
            relaying = true
            try pipeline(context.pipeline.syncOperations)
            let rest = reader.takeRemainder()
            if !rest.isEmpty { context.fireChannelRead(wrapInboundOut(ByteBuffer(bytes: rest))) }
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }
}
