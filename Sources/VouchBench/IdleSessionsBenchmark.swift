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
/// `max_handshakes_in_flight` of 128), through `VouchTLSHandler` with the node's key pinned. It
/// waits until `vouch status --json` reports `session_count` equal to the count (the node's own
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
                guard let value = iterator.next(), let number = Int(value), number > 0 else {
                    throw BenchOptions.UsageError(description: "\(argument) needs a positive whole number")
                }
                if argument == "--count" { count = number } else { parallel = number }
            default:
                rest.append(argument)
            }
        }
        _ = try BenchOptions(parsing: rest)  // accepts (and ignores) the common options
        let vouch = try vouchProgram()
        installChildCleanup()

        // Descriptors: one socket per session here and in the daemon, plus a margin.
        let needed = rlim_t(count + 256)
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let before = limit.rlim_cur
        if limit.rlim_cur < needed {
            limit.rlim_cur = min(limit.rlim_max, needed)
            guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur >= needed else {
                throw BenchFailure("RLIMIT_NOFILE is \(before) (hard \(limit.rlim_max)); \(needed) descriptors are needed")
            }
        }
        let benchLimit = "RLIMIT_NOFILE of this process: \(limit.rlim_cur) (was \(before), hard \(limit.rlim_max))"

        let directory = try TemporaryDirectory(prefix: "vouch-bench-idle")
        defer { directory.remove() }
        let home = directory.file("home").path
        let port = try freeLoopbackPort()

        print("Idle sessions: resident memory of `vouch run` holding \(count) authenticated sessions")
        print(loadLine())
        print(benchLimit)

        // vouch init, then raise the limits.
        let initRun = try ChildProcess.run(vouch, ["init", "--home", home, "--listen", "127.0.0.1:\(port)", "--json"],
                                           stderr: directory.file("init.err"))
        guard initRun.status == 0 else {
            throw BenchFailure("vouch init exited \(initRun.status): \((try? String(contentsOf: directory.file("init.err"), encoding: .utf8)) ?? "")")
        }
        let nodeHome = NodeHome(url: URL(fileURLWithPath: home))
        var config = try NodeConfig.load(from: nodeHome)
        config.limits.maximumInboundSessions = count + 100
        config.limits.maximumSessionsPerAddress = count + 100
        config.limits.maximumHandshakesInFlight = max(config.limits.maximumHandshakesInFlight, parallel * 2)
        config.limits.keepaliveInterval = .seconds(3600)
        config.limits.idleTimeout = .seconds(7200)
        config.limits.handshakeTimeout = .seconds(60)
        try config.save(to: nodeHome)
        let limitsText = String(decoding: config.json, as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
        print("config.json: \(limitsText)")

        let daemon = try ChildProcess(vouch, ["run", "--home", home, "--json"],
                                      stdout: directory.file("run.out"), stderr: directory.file("run.err"))
        defer { daemon.stop() }
        let ready = try waitForReadyLine(directory.file("run.out"), daemon: daemon, errors: directory.file("run.err"))
        guard let idText = ready["id"] as? String else { throw BenchFailure("the ready line has no id: \(ready)") }
        let nodeKey = try NodeID(parsing: idText).publicKey
        let daemonLimit = procOpenFilesLimit(pid: daemon.pid).map { "soft \($0.soft), hard \($0.hard) (inherited from this process)" } ?? "?"
        print("daemon: pid \(daemon.pid), RLIMIT_NOFILE \(daemonLimit)")

        Thread.sleep(forTimeInterval: 2)
        let rssBefore = try memory(daemon, "VmRSS")
        let hwmBefore = try memory(daemon, "VmHWM")

        // Identities, then sessions.
        let identitiesStart = monotonicSeconds()
        var clientConfigurations: [TLSConfiguration] = []
        clientConfigurations.reserveCapacity(count)
        for _ in 0..<count { clientConfigurations.append(try TLSConfiguration(privateKey: try Ed25519PrivateKey())) }
        let identitySeconds = monotonicSeconds() - identitiesStart

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let configurations = clientConfigurations
        let handshakesAtOnce = parallel
        let connectStart = monotonicSeconds()
        let connected: [any Channel]
        do {
            connected = try runBlocking {
                try await openSessions(configurations, port: Int(port), nodeKey: nodeKey, parallel: handshakesAtOnce, group: group)
            }
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        let connectSeconds = monotonicSeconds() - connectStart
        defer {
            // Stop the daemon first (it closes every session with close_notify), then our side.
            daemon.stop()
            for channel in connected { channel.close(promise: nil) }
            try? group.syncShutdownGracefully()
        }

        let sessionCount = try waitForSessionCount(count, vouch: vouch, home: home, daemon: daemon, timeout: 120)
        let establishedSeconds = monotonicSeconds() - connectStart
        Thread.sleep(forTimeInterval: 2)
        guard daemon.isRunning else { throw BenchFailure("the daemon exited (status \(daemon.exitStatus ?? -1))") }
        let rssAfter = try memory(daemon, "VmRSS")
        let hwmAfter = try memory(daemon, "VmHWM")
        let threads = (try? String(contentsOfFile: "/proc/\(daemon.pid)/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("Threads:") }.map { $0.split(separator: "\t").last.map(String.init) ?? "?" } ?? "?"
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/fd").count) ?? -1
        let stillOpen = connected.filter(\.isActive).count

        func mib(_ kib: Int) -> String { String(format: "%.1f MiB", Double(kib) / 1024) }
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

    /// A memory figure of the daemon in KiB; throws rather than report a reading that failed.
    private static func memory(_ daemon: ChildProcess, _ field: String) throws -> Int {
        guard let kib = procStatusKiB(pid: daemon.pid, field: field), kib > 0 else {
            throw BenchFailure("cannot read \(field) from /proc/\(daemon.pid)/status")
        }
        return kib
    }

    /// Waits for `vouch run --json`'s ready line and returns it parsed.
    private static func waitForReadyLine(_ file: URL, daemon: ChildProcess, errors: URL) throws -> [String: Any] {
        let deadline = monotonicSeconds() + 30
        while monotonicSeconds() < deadline {
            if let text = try? String(contentsOf: file, encoding: .utf8), let line = text.split(separator: "\n").first,
               let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["ready"] as? Bool == true {
                return object
            }
            if !daemon.isRunning {
                let log = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
                throw BenchFailure("vouch run exited with status \(daemon.exitStatus ?? -1):\n\(log.suffix(2000))")
            }
            usleep(50_000)
        }
        throw BenchFailure("vouch run was not ready after 30 s")
    }

    /// Polls `vouch status --json` until `session_count` is `count`; returns the last count seen.
    private static func waitForSessionCount(_ count: Int, vouch: String, home: String, daemon: ChildProcess, timeout: Double) throws -> Int {
        let deadline = monotonicSeconds() + timeout
        var last = -1
        while monotonicSeconds() < deadline {
            guard daemon.isRunning else { throw BenchFailure("the daemon exited (status \(daemon.exitStatus ?? -1))") }
            let status = try ChildProcess.run(vouch, ["status", "--json", "--home", home])
            if status.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any],
               let sessions = object["session_count"] as? Int {
                last = sessions
                if sessions == count { return sessions }
                if sessions > count { throw BenchFailure("the daemon reports \(sessions) sessions, more than the \(count) opened") }
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw BenchFailure("the daemon reports \(last) sessions after \(Int(timeout)) s, not \(count)")
    }

    /// Opens one TLS session per configuration, at most `parallel` handshakes at a time.
    private static func openSessions(_ configurations: [TLSConfiguration], port: Int, nodeKey: Ed25519PublicKey,
                                     parallel: Int, group: any EventLoopGroup) async throws -> [any Channel] {
        let logger = Logger(label: "vouch-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        return try await withThrowingTaskGroup(of: (any Channel).self) { tasks in
            var channels: [any Channel] = []
            var next = 0
            func start() {
                let configuration = configurations[next]
                next += 1
                tasks.addTask {
                    try await openSession(configuration, port: port, nodeKey: nodeKey, group: group, logger: logger)
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

    private static func openSession(_ configuration: TLSConfiguration, port: Int, nodeKey: Ed25519PublicKey,
                                    group: any EventLoopGroup, logger: Logger) async throws -> any Channel {
        let established = group.next().makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(VouchTLSHandler(role: .client(expectedPeerKey: nodeKey), configuration: configuration,
                                                        logger: logger))
                    try sync.addHandler(IdleClient(established: established))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        do {
            try await established.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return channel
    }
}

/// Client side of an idle session: reports the handshake, discards whatever arrives.
private final class IdleClient: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let established: EventLoopPromise<Void>
    private var settled = false

    init(established: EventLoopPromise<Void>) { self.established = established }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted { settle(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        settle(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        settle(.failure(BenchFailure("the connection closed before the handshake completed")))
        context.fireChannelInactive()
    }

    private func settle(_ result: Result<Void, any Error>) {
        guard !settled else { return }
        settled = true
        established.completeWith(result)
    }
}
