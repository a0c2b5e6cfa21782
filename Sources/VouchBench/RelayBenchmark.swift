import Foundation
import Logging
import NIOCore
import NIOPosix
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
/// group): the target listens on 127.0.0.1 and has joined a strelaysrv started on loopback with
/// no pool; the dialer opens a session (`NodeRuntime.connect`, the path `vouch ping` and the
/// outbox use), closes it, waits until it is closed, and starts the next, for `--seconds`, once to
/// the target's listener and once to its relay endpoint, alternating for `--rounds`. A relayed
/// session costs a TLS handshake with the relay (its ECDSA certificate), a ConnectRequest, two
/// session-mode connections (one from each node) and then the same vouch/1 handshake, so the
/// figure is sessions per second of wall-clock time, sequential: latency as much as CPU.
enum RelayBenchmark {
    static let benchmark = Benchmark(
        name: "relay",
        summary: "vouch/1 sessions/s through a local strelaysrv vs direct, same run",
        run: run
    )

    static let goal = 0.5

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try BenchOptions(parsing: arguments)
        print("Sessions opened per second, sequential, one dialer: direct vs through a local strelaysrv (no pool)")
        print("\(options.seconds) s per measurement; \(options.rounds) round(s)")
        print(loadLine())
        print("")
        let result = try runBlocking { try await measure(seconds: Double(options.seconds), rounds: options.rounds) }
        let direct = result.direct.max() ?? 0, relayed = result.relayed.max() ?? 0
        let ratio = relayed / direct
        print("")
        print("                      sessions/s")
        print("direct                \(pad(String(format: "%.1f", direct), 10))")
        print("through strelaysrv    \(pad(String(format: "%.1f", relayed), 10))")
        print("ratio                 \(pad(formatRatio(ratio), 10))\(options.rounds > 1 ? "   (best round of each)" : "")")
        print("")
        print("goal: ratio ≥ \(formatRatio(goal)): \(ratio >= goal ? "met" : "NOT met")")
        print("")
        print("method: two NodeRuntimes in this process; the dialer calls connect(to:) (TCP, TLS 1.3 with the pin, the session),")
        print("        closes the session and waits for the close, then the next; relayed: ConnectRequest over TLS to the relay,")
        print("        session mode from both nodes, then the same vouch/1 handshake inside. \(strelaysrvVersion())")
        return 0
    }

    private struct Result: Sendable {
        var direct: [Double] = []
        var relayed: [Double] = []
    }

    private static func measure(seconds: Double, rounds: Int) async throws -> Result {
        let directory = try TemporaryDirectory(prefix: "vouch-bench-relay")
        defer { directory.remove() }
        guard let strelaysrv = findProgram("strelaysrv") else {
            throw BenchFailure("strelaysrv is not installed: apt-get install syncthing-relaysrv (.ci/install-deps does)")
        }
        let relayPort = try freeLoopbackPort()
        let relay = try ChildProcess(strelaysrv, ["-listen", "127.0.0.1:\(relayPort)", "-pools", "", "-keys", directory.url.path, "-status-srv", ""],
                                     stdout: directory.file("relay.out"), stderr: directory.file("relay.out"))
        defer { relay.stop() }
        let uri = try await relayURI(directory.file("relay.out"))

        let target = try await BenchNode(directory: directory, name: "target", listens: true)
        let dialer = try await BenchNode(directory: directory, name: "dialer", listens: false)
        defer {
            target.shutdown()
            dialer.shutdown()
        }
        let joins = try target.runtime.joinRelays([uri])
        let deadline = monotonicSeconds() + 30
        while !(joins.states.first?.joined ?? false) {
            guard monotonicSeconds() < deadline else { throw BenchFailure("the target did not join the relay: \(joins.states)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let direct = NodeAddress(id: target.runtime.identity, endpoint: try Endpoint(host: "127.0.0.1", port: target.port))
        guard let relayEndpoint = joins.states.first?.endpoint else { throw BenchFailure("no relay endpoint") }
        let relayed = NodeAddress(id: target.runtime.identity, endpoint: relayEndpoint)

        var result = Result()
        _ = try await sessions(dialer, to: direct, seconds: 1)  // warm-up
        _ = try await sessions(dialer, to: relayed, seconds: 1)
        for round in 1...rounds {
            let d = try await sessions(dialer, to: direct, seconds: seconds)
            let r = try await sessions(dialer, to: relayed, seconds: seconds)
            result.direct.append(d.rate)
            result.relayed.append(r.rate)
            print("round \(round): direct \(String(format: "%7.1f", d.rate)) sessions/s (\(d.failures) failed), "
                  + "through the relay \(String(format: "%7.1f", r.rate)) sessions/s (\(r.failures) failed)")
        }
        await joins.stop()
        return result
    }

    /// Sessions per second opened to `address` one after another for `seconds` (failed attempts
    /// count against the time, not as sessions), and how many failed.
    private static func sessions(_ dialer: BenchNode, to address: NodeAddress, seconds: Double) async throws -> (rate: Double, failures: Int) {
        let start = monotonicSeconds()
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
        return (Double(count) / (monotonicSeconds() - start), failures)
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
