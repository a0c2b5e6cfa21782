import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import VouchCrypto
@_spi(Benchmarks) import VouchNode
import VouchProtocol
import VouchStore
@_spi(Benchmarks) import VouchTLS

/// `vouch-bench handshakes`: full TLS 1.3 handshakes per second with Ed25519 certificates both
/// ways, a Vouch node against `openssl s_server`, with `openssl s_time -new` as the client of both.
///
/// Method. The reference is `openssl s_server -tls1_3 -cert C -key K -Verify 1` (client
/// certificate required); the client is `openssl s_time -new -tls1_3 -cert CC -key CK -connect
/// … -time N`, which handshakes, closes, and starts again, one connection at a time. Ours is the
/// same `s_time` command against a Vouch node: the real listener (`NodeRuntime.bindListener`,
/// with its admission checks), the real pipeline (`VouchTLSHandler`, frame codec,
/// `PeerSessionHandler`, which registers a session and updates the database for every
/// connection), on a `MultiThreadedEventLoopGroup` with one thread per core as `vouch run` has,
/// inside this process. Both servers present the same Ed25519 certificate and see the same client
/// certificate. The rate is connections counted by `s_time` divided by the wall-clock time of the
/// `s_time` run as we measure it (s_time prints whole seconds only), for both servers alike. We
/// also count the sessions our node established, to show the handshakes really succeeded:
/// in TLS 1.3 the client finishes before the server has checked its certificate, so `s_time`
/// alone would not notice a refusal.
///
/// The ALPN problem, and the choice made. A node requires ALPN `vouch/1` and refuses a
/// ClientHello without it (`no_application_protocol`); `s_time` cannot send ALPN. Rather than
/// writing our own client (which would then be half of what is measured), the node here is
/// built with `TLSConfiguration.toleratingMissingALPNForBenchmarks`, a constructor behind
/// `@_spi(Benchmarks)` whose only difference is that, as a server, it accepts a ClientHello with
/// no ALPN extension at all; a node refuses such a context unless it is started through
/// `NodeRuntime.bindListenerForBenchmarks` (SPI too), as here. Everything else (TLS 1.3
/// only, Ed25519 only, client certificate required, the verify callback and key policy, no
/// tickets or session cache) is the node's own. The benchmark's output says so.
///
/// Logs. The in-process node logs at `--log-level` (default `info`, as `vouch run`) through a
/// handler that formats each line as a `StreamLogHandler` would and then drops it, so the cost
/// of logging is counted but not the terminal's. Per connection that is two or three lines:
/// session established, session closed, and a warning, because `s_time` closes the socket
/// without a close_notify.
enum HandshakeBenchmark {
    static let benchmark = Benchmark(
        name: "handshakes",
        summary: "TLS 1.3 handshakes per second (Ed25519 both ways), node vs openssl s_server, s_time as client",
        run: run
    )

    static let goal = 0.9

    static func run(_ arguments: [String]) throws -> Int32 {
        var rest: [String] = []
        var logLevel = Logger.Level.info
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--log-level" {
                guard let value = iterator.next(), let level = Logger.Level(rawValue: value) else {
                    throw BenchOptions.UsageError(description: "--log-level needs trace, debug, info, notice, warning, error or critical")
                }
                logLevel = level
            } else {
                rest.append(argument)
            }
        }
        let options = try BenchOptions(parsing: rest)
        let nodeLogLevel = logLevel
        let openssl = try opensslProgram()
        installChildCleanup()

        let directory = try TemporaryDirectory(prefix: "vouch-bench-handshakes")
        defer { directory.remove() }
        // One server identity for both servers, one client identity for s_time.
        let serverKey = try Ed25519PrivateKey()
        let serverCertificate = try SelfSignedCertificate(key: serverKey, commonName: NodeID(publicKey: serverKey.publicKey).description)
        let serverCertPath = try directory.write(serverCertificate.pem, to: "server-cert.pem")
        let serverKeyPath = try directory.write(serverKey.pkcs8PEM(), to: "server-key.pem")
        let clientKey = try Ed25519PrivateKey()
        let clientCertPath = try directory.write(
            SelfSignedCertificate(key: clientKey, commonName: "vouch-bench client").pem, to: "client-cert.pem")
        let clientKeyPath = try directory.write(clientKey.pkcs8PEM(), to: "client-key.pem")

        @Sendable func sTime(port: UInt16) throws -> (connections: Int, seconds: Double) {
            let run = try ChildProcess.run(openssl, [
                "s_time", "-new", "-tls1_3", "-cert", clientCertPath, "-key", clientKeyPath,
                "-connect", "127.0.0.1:\(port)", "-time", String(options.seconds),
            ], stderr: directory.file("s_time.err"))
            let stderr = (try? String(contentsOf: directory.file("s_time.err"), encoding: .utf8)) ?? ""
            guard run.status == 0 else {
                throw BenchFailure("openssl s_time exited \(run.status):\n\(run.output)\n\(stderr)")
            }
            for line in run.output.split(whereSeparator: \.isNewline) where line.contains(" connections in ") && line.contains("s;") {
                if let count = Int(line.split(separator: " ").first ?? "") { return (count, run.seconds) }
            }
            throw BenchFailure("openssl s_time printed no connection count:\n\(run.output)")
        }

        print("TLS 1.3 full handshakes, Ed25519 certificates both ways, client certificate required")
        print("client: openssl s_time -new -tls1_3 -cert <Ed25519> -time \(options.seconds), one connection at a time; \(options.rounds) round(s)")
        print(loadLine())
        print("")

        var ours: [Double] = [], theirs: [Double] = [], ourCPU: [Double] = [], theirCPU: [Double] = []
        var cipherSeen = "?"
        for round in 1...options.rounds {
            // Reference: openssl s_server.
            let serverPort = try freeLoopbackPort()
            let server = try ChildProcess(openssl, [
                "s_server", "-tls1_3", "-cert", serverCertPath, "-key", serverKeyPath, "-Verify", "1",
                "-accept", "127.0.0.1:\(serverPort)", "-quiet",
            ], stdout: directory.file("s_server.out"), stderr: directory.file("s_server.err"))
            let reference: (connections: Int, seconds: Double)
            var referenceCPU = 0.0
            do {
                defer { server.stop() }
                try waitForListener(port: serverPort)
                let cpuBefore = procCPUSeconds(pid: server.pid) ?? 0
                reference = try sTime(port: serverPort)
                referenceCPU = (procCPUSeconds(pid: server.pid) ?? 0) - cpuBefore
            }
            let referenceRate = Double(reference.connections) / reference.seconds
            theirs.append(referenceRate)
            theirCPU.append(referenceCPU * 1000 / Double(reference.connections))
            print("round \(round): openssl s_server  \(pad(formatRate(referenceRate), 9)) handshakes/s  (\(reference.connections) in \(String(format: "%.2f", reference.seconds)) s; server CPU \(String(format: "%.2f", theirCPU.last!)) ms per handshake)")

            // Ours: a Vouch node in this process.
            let result = try runBlocking {
                try await measureNode(serverKey: serverKey, certificate: serverCertificate, logLevel: nodeLogLevel,
                                      directory: directory, sTime: sTime)
            }
            let ourRate = Double(result.connections) / result.seconds
            ours.append(ourRate)
            ourCPU.append(result.cpuSeconds * 1000 / Double(result.connections))
            cipherSeen = result.cipher
            print("round \(round): vouch node        \(pad(formatRate(ourRate), 9)) handshakes/s  (\(result.connections) in \(String(format: "%.2f", result.seconds)) s; server CPU \(String(format: "%.2f", ourCPU.last!)) ms per handshake; sessions established by the node: \(result.sessionsOpened))")
            if result.sessionsOpened < result.connections {
                print("  warning: the node established fewer sessions than s_time counted connections")
            }
        }

        let bestOurs = ours.max()!, bestTheirs = theirs.max()!
        let ratio = bestOurs / bestTheirs
        print("")
        print("                      handshakes/s")
        print("vouch node            \(pad(formatRate(bestOurs), 12))")
        print("openssl s_server      \(pad(formatRate(bestTheirs), 12))")
        print("ratio                 \(pad(formatRatio(ratio), 12))\(options.rounds > 1 ? "   (best round of each)" : "")")
        print("server CPU per handshake (ms, lowest round): vouch \(String(format: "%.2f", ourCPU.min()!)), openssl s_server \(String(format: "%.2f", theirCPU.min()!))")
        print("")
        print("goal: ratio ≥ \(formatRatio(goal)): \(ratio >= goal ? "met" : "NOT met")")
        print("")
        print("method: s_time -new against each server in turn, rate = connections / wall time of the s_time run;")
        print("        node = real listener + VouchTLSHandler + frame codec + PeerSessionHandler (sessions registered,")
        print("        database updated), \(System.coreCount) event loop threads, logs formatted at '\(logLevel)' and dropped; cipher \(cipherSeen).")
        print("ALPN:   s_time cannot offer ALPN, so the node uses TLSConfiguration.toleratingMissingALPNForBenchmarks")
        print("        (@_spi(Benchmarks), taken only by bindListenerForBenchmarks): it accepts a ClientHello without ALPN; everything else is the node's.")
        print("note:   client and server share the machine's cores (and any other load); compare within one run only. s_server")
        print("        serves one connection at a time in one thread, the node overlaps connections on its event loops, so with a")
        print("        sequential client the rates reflect latency as much as CPU; the CPU per handshake is the steadier comparison")
        print("        (ours is this whole process's CPU during the s_time run, s_server's from /proc).")
        return 0
    }

    private struct NodeResult: Sendable {
        let connections: Int
        let seconds: Double
        let sessionsOpened: Int
        let cipher: String
        let cpuSeconds: Double
    }

    /// Starts a node on a free port with the benchmark TLS context, runs `sTime` against it,
    /// and stops the node.
    private static func measureNode(
        serverKey: Ed25519PrivateKey, certificate: SelfSignedCertificate, logLevel: Logger.Level,
        directory: TemporaryDirectory, sTime: @escaping @Sendable (UInt16) throws -> (connections: Int, seconds: Double)
    ) async throws -> NodeResult {
        let home = NodeHome(url: directory.file("node-\(UUID().uuidString)"))
        try FileManager.default.createDirectory(at: home.url, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let database = try NodeDatabase(home: home)
        let tls = try TLSConfiguration.toleratingMissingALPNForBenchmarks(privateKey: serverKey, certificate: certificate)
        let port = try freeLoopbackPort()
        let config = NodeConfig(listen: try Endpoint(host: "127.0.0.1", port: port))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let opened = SessionCounter()
        let handler = FormattingDiscardLogHandler(logLevel: logLevel)
        let logger = Logger(label: "vouch", factory: { _ in handler })
        let runtime = NodeRuntime(identityKey: serverKey, tls: tls, database: database, config: config, limits: config.limits,
                                  group: group, logger: logger) { type, _ in
            if type == "session.opened" { opened.count.add(1, ordering: .relaxed) }
        }
        let listener = try await runtime.bindListenerForBenchmarks()
        let measured: (connections: Int, seconds: Double)
        let cpuBefore = processCPUSeconds()
        do {
            // s_time blocks; run it off the cooperative pool so the node's own tasks keep running.
            measured = try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(with: Result { try sTime(port) })
                }
            }
        } catch {
            try? await listener.close()
            try? await group.shutdownGracefully()
            throw error
        }
        let cpuSeconds = processCPUSeconds() - cpuBefore
        // Let the last connections finish on the server side before counting.
        try await Task.sleep(for: .milliseconds(300))
        let cipher = runtime.sessions.all.first?.tls.cipher ?? handler.lastCipher ?? "not logged at this level"
        try? await listener.close()
        for session in runtime.sessions.all { session.close() }
        try? await group.shutdownGracefully()
        return NodeResult(connections: measured.connections, seconds: measured.seconds,
                          sessionsOpened: opened.count.load(ordering: .relaxed), cipher: cipher,
                          cpuSeconds: cpuSeconds)
    }
}

final class SessionCounter: Sendable {
    let count = Atomic<Int>(0)
}

/// Formats each log record as `StreamLogHandler` does (timestamp, level, label, metadata,
/// message) and drops it: logging costs what it costs in `vouch run`, minus the write.
/// Remembers the last `tls.cipher` metadata it saw, for the report.
struct FormattingDiscardLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    private let cipher = CipherBox()

    init(logLevel: Logger.Level) { self.logLevel = logLevel }

    var lastCipher: String? { cipher.value.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let level = event.level, message = event.message, source = event.source
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if case .string(let name)? = merged["tls.cipher"] { cipher.value.withLock { $0 = name } }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let timestamp = Date().formatted(.iso8601)
        let text = "\(timestamp) \(level) vouch: \(rendered) [\(source)] \(message)\n"
        if text.utf8.count == 0 { print(text) }  // never true; keeps the formatting from being optimised away
    }

    private final class CipherBox: Sendable {
        let value = Mutex<String?>(nil)
    }
}
