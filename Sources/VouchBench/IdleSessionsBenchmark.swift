import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import VouchCrypto
import VouchProtocol
import VouchStore
import VouchTLS

/// `vouch-bench idle-sessions`: the resident memory of a real `vouch run` daemon holding
/// `--count` idle authenticated sessions.
///
/// Method. A temporary home is made with `vouch init --listen 127.0.0.1:<free port>`, and its
/// config.json `limits` are raised so that the count fits (`max_inbound_sessions` and
/// `max_sessions_per_address` above it, since every session comes from 127.0.0.1) and nothing
/// closes a session during the run (`keepalive_seconds` 3600, `idle_timeout_seconds` 7200).
/// `vouch run` is started on it (logs at its default level to a file in the temporary directory).
/// Its VmRSS is read once it is ready and idle. This process then opens `--count` TLS sessions to
/// it, each with its own Ed25519 identity (the node keeps one session per peer), at most
/// `--parallel` handshakes at a time (default 32, below the node's default
/// `max_handshakes_in_flight` of 128), as `BenchPeer`s (`VouchTLSHandler` with the node's key
/// pinned, the frame codec, one ping answered before a session counts as open). It waits until `vouch status --json` reports `session_count` equal to the count (the node's own
/// view: in TLS 1.3 the client finishes before the server has checked its certificate), lets the
/// daemon settle for two seconds, and reads VmRSS and VmHWM from /proc/<pid>/status. The
/// sessions stay open while it reads. The daemon inherits this process's RLIMIT_NOFILE, which is
/// raised (soft limit up to the hard limit) when `count` plus a margin does not fit; the output
/// prints the daemon's limit.
///
/// VmHWM is the peak: it includes the handshakes (their transient buffers) and the `status`
/// call, which lists every session.
enum IdleSessionsBenchmark {
    static let benchmark = Benchmark(
        name: "idle-sessions",
        summary: "resident memory of a vouch run daemon holding --count idle sessions (default 1000)",
        run: run
    )

    static let goalMiB = 150.0

    static func run(_ arguments: [String]) throws -> Int32 {
        var count = 1000, parallel = 32
        var rest: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--count", "--parallel":
                let number = try BenchOptions.positiveNumber(after: argument, in: &iterator)
                if argument == "--count" { count = number } else { parallel = number }
            default:
                rest.append(argument)
            }
        }
        _ = try BenchOptions(parsing: rest)  // accepts (and ignores) the common options
        installChildCleanup()
        // Descriptors: one socket per session here and in the daemon, plus a margin.
        let benchLimit = try raiseOpenFilesLimit(to: count + 256)

        print("Idle sessions: resident memory of `vouch run` holding \(count) authenticated sessions")
        print(loadLine())
        print(benchLimit)

        let daemon = try BenchDaemon(prefix: "vouch-bench-idle") { limits in
            limits.maximumInboundSessions = count + 100
            limits.maximumSessionsPerAddress = count + 100
            limits.maximumHandshakesInFlight = max(limits.maximumHandshakesInFlight, parallel * 2)
            limits.keepaliveInterval = .seconds(3600)
            limits.idleTimeout = .seconds(7200)
            limits.handshakeTimeout = .seconds(60)
        }
        defer { daemon.stop() }
        print("config.json: \(daemon.configLine)")
        let daemonLimit = procOpenFilesLimit(pid: daemon.pid).map { "soft \($0.soft), hard \($0.hard) (inherited from this process)" } ?? "?"
        print("daemon: pid \(daemon.pid), RLIMIT_NOFILE \(daemonLimit)")

        Thread.sleep(forTimeInterval: 2)
        let rssBefore = try daemon.memoryKiB("VmRSS")
        let hwmBefore = try daemon.memoryKiB("VmHWM")

        // Identities, then sessions.
        let identitiesStart = monotonicSeconds()
        var clientConfigurations: [TLSConfiguration] = []
        clientConfigurations.reserveCapacity(count)
        for _ in 0..<count { clientConfigurations.append(try TLSConfiguration(privateKey: try Ed25519PrivateKey())) }
        let identitySeconds = monotonicSeconds() - identitiesStart

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let configurations = clientConfigurations
        let handshakesAtOnce = parallel
        let port = Int(daemon.port), nodeKey = daemon.nodeKey
        let connectStart = monotonicSeconds()
        let connected: [BenchPeer]
        do {
            connected = try runBlocking {
                try await openSessions(configurations, port: port, nodeKey: nodeKey, parallel: handshakesAtOnce, group: group)
            }
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        let connectSeconds = monotonicSeconds() - connectStart
        defer {
            // Stop the daemon first (it closes every session with close_notify), then our side.
            daemon.stop()
            for peer in connected { peer.channel.close(promise: nil) }
            try? group.syncShutdownGracefully()
        }

        let sessionCount = try daemon.waitForSessionCount(count, timeout: 120)
        let establishedSeconds = monotonicSeconds() - connectStart
        Thread.sleep(forTimeInterval: 2)
        try daemon.checkRunning()
        let rssAfter = try daemon.memoryKiB("VmRSS")
        let hwmAfter = try daemon.memoryKiB("VmHWM")
        let threads = (try? String(contentsOfFile: "/proc/\(daemon.pid)/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("Threads:") }.map { $0.split(separator: "\t").last.map(String.init) ?? "?" } ?? "?"
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/fd").count) ?? -1
        let stillOpen = connected.filter(\.channel.isActive).count

        let perSession = Double(rssAfter - rssBefore) / Double(count)
        print("")
        print("client side: \(count) identities made in \(String(format: "%.1f", identitySeconds)) s; \(connected.count) TLS handshakes in \(String(format: "%.1f", connectSeconds)) s; \(stillOpen) still open at the reading")
        print("daemon: session_count \(sessionCount) after \(String(format: "%.1f", establishedSeconds)) s; \(descriptors) open descriptors; \(threads) threads")
        print("")
        print("                          VmRSS        VmHWM")
        print("before the sessions   \(pad(mib(rssBefore), 10))   \(pad(mib(hwmBefore), 10))")
        print("with \(pad(String(count), 5)) sessions    \(pad(mib(rssAfter), 10))   \(pad(mib(hwmAfter), 10))")
        print("per session (RSS difference / count): \(String(format: "%.1f", perSession)) KiB")
        print("")
        let met = Double(rssAfter) / 1024 <= goalMiB
        print("goal: VmRSS ≤ \(Int(goalMiB)) MiB with \(count) sessions: \(met ? "met" : "NOT met")")
        print("")
        print("method: real `vouch run` daemon (temp home, limits raised, keepalive 3600 s, idle timeout 7200 s), \(count) client")
        print("        identities in this process, ≤ \(parallel) handshakes at a time; memory read from /proc/<pid>/status once")
        print("        `vouch status --json` reports session_count = \(count), plus 2 s. VmHWM includes handshakes and the status call.")
        return 0
    }

    /// Opens one TLS session per configuration, at most `parallel` handshakes at a time.
    private static func openSessions(_ configurations: [TLSConfiguration], port: Int, nodeKey: Ed25519PublicKey,
                                     parallel: Int, group: any EventLoopGroup) async throws -> [BenchPeer] {
        try await withThrowingTaskGroup(of: BenchPeer.self) { tasks in
            var channels: [BenchPeer] = []
            var next = 0
            func start() {
                let configuration = configurations[next]
                next += 1
                tasks.addTask {
                    try await BenchPeer.connect(port: port, nodeKey: nodeKey, identity: configuration, group: group, timeout: 60)
                }
            }
            while next < min(parallel, configurations.count) { start() }
            while let channel = try await tasks.next() {
                channels.append(channel)
                if next < configurations.count { start() }
            }
            return channels
        }
    }
}
