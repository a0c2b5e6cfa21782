import Foundation
import NIOCore
import NIOPosix
import Synchronization
import VouchCrypto
import VouchProtocol
import VouchTLS

/// `vouch-bench ingest`: how fast a node takes invitations durably (issue 11, "Durable ingest").
/// An invitation counts when the node has verified it (the signed terms and the inviter's card:
/// two Ed25519 verifications), checked it (sender = TLS peer, rate limits, block list, duplicate,
/// policy), stored it, committed with `synchronous = FULL`, and acknowledged it.
///
/// Method. A real daemon (`BenchDaemon`, default transport limits) whose owner raised the
/// pending-invitation cap with `vouch policy set --max-pending` (the CLI, as a user would), so
/// that every invitation reaches the inbox. `--count` (10,000) identities, each new, each
/// inviting the node once with a note, a relationship, a context and its signed card. Per
/// batch of `--batch` (1,000): the identities, their TLS contexts and their signed invitations
/// are made (not timed); then their sessions are opened, `--parallel` (32) handshakes at a time,
/// each answering one ping (the handshake phase); then every session sends its invitation at
/// once and waits for the reply (the ingest phase); then the sessions are closed and the next
/// batch starts when the node reports none open.
///
/// The node's per-address limits are honoured, not raised: sessions come from `--per-address`
/// (25) identities per loopback source address (127.0.1.1, 127.0.1.2, …), which keeps each
/// address under both the sessions-per-address limit (32) and the per-address invitation burst
/// (30). Each sender sends one invitation, within its own burst (5).
///
/// Printed: invitations/s over the ingest phases alone, and over handshakes plus ingest; the
/// ratio of the first to `openssl speed ed25519`'s verify rate measured in the same run (goal
/// ≥ 0.25); the daemon's CPU per invitation; and the inbox count afterwards (`vouch inbox --json`),
/// which must equal the acks.
enum IngestBenchmark {
    static let benchmark = Benchmark(
        name: "ingest",
        summary: "10,000 invitations from fresh identities stored and acked; per second vs openssl verify",
        run: run
    )

    /// The issue's goal for invitations/s (handshakes apart) over OpenSSL's Ed25519 verifies/s.
    static let goal = 0.25

    struct Options {
        var count = 10_000
        var batch = 1_000
        var parallel = 32
        var perAddress = 25
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        var options = Options()
        var rest: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--count", "--batch", "--parallel", "--per-address":
                let number = try BenchOptions.positiveNumber(after: argument, in: &iterator)
                switch argument {
                case "--count": options.count = number
                case "--batch": options.batch = number
                case "--parallel": options.parallel = number
                default: options.perAddress = number
                }
            default:
                rest.append(argument)
            }
        }
        let common = try BenchOptions(parsing: rest)
        guard options.perAddress <= 30 else {
            throw BenchOptions.UsageError(description: "--per-address above 30 would exceed the node's per-address invitation burst")
        }
        installChildCleanup()
        options.batch = min(options.batch, options.count)
        let limitLine = try raiseOpenFilesLimit(to: options.batch * 2 + 256)
        let addresses = (options.count + options.perAddress - 1) / options.perAddress
        guard addresses <= 254 * 254 else { throw BenchOptions.UsageError(description: "too many source addresses needed") }

        print("Ingest: \(options.count) invitations, each from a new identity, in batches of \(options.batch): sessions opened first (\(options.parallel) handshakes at a time), then every invitation of the batch sent at once")
        print("source addresses: \(addresses) (\(options.perAddress) identities each, from \(sourceAddress(0)) to \(sourceAddress(addresses - 1)))")
        print(loadLine())
        print(limitLine)

        let daemon = try BenchDaemon(prefix: "vouch-bench-ingest")
        defer { daemon.stop() }
        print("config.json: \(daemon.configLine)")
        // The owner's policy, set as a user would: room in the inbox for every invitation.
        let maximumPending = min(options.count, 10_000)
        let policy = try ChildProcess.run(daemon.vouch, ["policy", "set", "--max-pending", String(maximumPending), "--home", daemon.home])
        guard policy.status == 0 else { throw BenchFailure("vouch policy set exited \(policy.status): \(policy.output)") }
        let shown = try ChildProcess.run(daemon.vouch, ["policy", "show", "--home", daemon.home])
        print("vouch policy set --max-pending \(maximumPending); vouch policy show:")
        print(shown.output.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let port = Int(daemon.port), nodeKey = daemon.nodeKey
        var handshakeSeconds = 0.0, ingestSeconds = 0.0, ingestCPU = 0.0, handshakeCPU = 0.0
        var tally = Tally()
        print("")
        print("     batch   handshakes s   ingest s   invitations/s   acked   refused")
        var done = 0
        while done < options.count {
            let size = min(options.batch, options.count - done)
            let first = done
            let peers = try (0..<size).map { i in try InvitingPeer(index: first + i, invitee: NodeID(publicKey: nodeKey), perAddress: options.perAddress) }
            let parallel = options.parallel
            let cpu0 = try daemon.cpuSeconds(), t0 = monotonicSeconds()
            let sessions = try runBlocking { try await openSessions(peers.map { SessionIdentity(tls: $0.tls, source: $0.source) }, parallel: parallel, port: port, nodeKey: nodeKey, group: group) }
            let t1 = monotonicSeconds(), cpu1 = try daemon.cpuSeconds()
            let replies = try runBlocking { await sendInvitations(peers, sessions: sessions) }
            let t2 = monotonicSeconds(), cpu2 = try daemon.cpuSeconds()
            handshakeSeconds += t1 - t0
            ingestSeconds += t2 - t1
            handshakeCPU += cpu1 - cpu0
            ingestCPU += cpu2 - cpu1
            var batchTally = Tally()
            for reply in replies { batchTally.count(reply) }
            tally.add(batchTally)
            print("\(pad(String(first + size), 10))   \(pad(String(format: "%.2f", t1 - t0), 12))   \(pad(String(format: "%.2f", t2 - t1), 8))   \(pad(String(format: "%.0f", Double(size) / (t2 - t1)), 13))   \(pad(String(batchTally.acked), 5))   \(pad(String(batchTally.refused), 7))")
            try runBlocking { await closeAll(sessions) }
            try daemon.waitForSessionCount(0, timeout: 60)
            done += size
        }
        try daemon.checkRunning()
        let inbox = try inboxCount(daemon)

        let rate = Double(options.count) / ingestSeconds
        let withHandshakes = Double(options.count) / (ingestSeconds + handshakeSeconds)
        print("")
        print("replies: \(tally.acked) ack, \(tally.refused) refused\(tally.reasons.isEmpty ? "" : " (\(tally.reasons.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ")))")")
        print("inbox after the run (vouch inbox --json): \(inbox) invitations; lost: \(max(0, tally.acked - inbox))")
        print("handshakes: \(options.count) in \(String(format: "%.2f", handshakeSeconds)) s (\(String(format: "%.0f", Double(options.count) / handshakeSeconds)) /s), daemon CPU \(String(format: "%.2f", handshakeCPU * 1000 / Double(options.count))) ms each")
        print("ingest: \(options.count) in \(String(format: "%.2f", ingestSeconds)) s, daemon CPU \(String(format: "%.3f", ingestCPU * 1000 / Double(options.count))) ms per invitation")
        print("invitations/s without the handshakes: \(String(format: "%.0f", rate))")
        print("invitations/s with the handshakes:    \(String(format: "%.0f", withHandshakes))")
        let reference = try OpenSSLSpeed.ed25519(seconds: common.seconds)
        print("openssl speed ed25519 verify/s (\(common.seconds) s, one core): \(String(format: "%.0f", reference.verify))")
        let ratio = rate / reference.verify
        print("ratio (invitations/s without handshakes / openssl verify/s): \(formatRatio(ratio))")
        let complete = tally.acked == options.count && inbox == options.count
        print("")
        print("goal: ratio ≥ \(goal), every invitation acked and in the inbox: \(ratio >= goal && complete ? "met" : "NOT met")\(complete ? "" : " (\(tally.acked) acked, \(inbox) in the inbox, of \(options.count))")")
        return 0
    }

    /// The `n`th loopback source address: 127.0.1.1, 127.0.1.2, … 127.0.1.254, 127.0.2.1, …
    static func sourceAddress(_ n: Int) -> String { "127.0.\(1 + n / 254).\(1 + n % 254)" }

    /// One simulated inviter: its identity, TLS context, source address and invitation message.
    struct InvitingPeer: Sendable {
        let tls: TLSConfiguration
        let source: String
        let message: WireMessage

        init(index: Int, invitee: NodeID, perAddress: Int) throws {
            let key = try Ed25519PrivateKey()
            tls = try TLSConfiguration(privateKey: key)
            source = IngestBenchmark.sourceAddress(index / perAddress)
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            var profile = Profile(version: 1, updatedAt: now / 1000)
            profile.fields[.name] = .init(value: "Load Peer \(index)", audience: .everyone)
            profile.fields[.headline] = .init(value: "Simulated inviter for the ingest benchmark", audience: .everyone)
            let card = try profile.document(for: .everyone).signed(with: key)
            let body = try Invitation.make(inviter: key, invitee: invitee, relationship: .colleague, context: "vouch-bench, 2026",
                                           note: "We measured how fast a node takes invitations together (\(index)).", card: card, created: now)
            message = WireMessage(type: .invitation, sentAt: now, expiresAt: now + 24 * 3_600_000, recipient: invitee, body: body.value)
        }
    }

    /// Replies by kind.
    struct Tally {
        var acked = 0, refused = 0
        var reasons: [String: Int] = [:]

        mutating func count(_ reply: Result<WireMessage, any Error>) {
            switch reply {
            case .success(let message) where message.knownType == .ack:
                acked += 1
            case .success(let message):
                refused += 1
                let code = (try? WireErrorBody(message.body))?.code.rawValue ?? message.type
                reasons[code, default: 0] += 1
            case .failure(let error):
                refused += 1
                reasons["\(error)", default: 0] += 1
            }
        }

        mutating func add(_ other: Tally) {
            acked += other.acked
            refused += other.refused
            reasons.merge(other.reasons, uniquingKeysWith: +)
        }
    }

    /// Opens one session per peer, `parallel` handshakes at a time; in the peers' order.
    /// Who opens a session: its TLS identity and its loopback source address.
    struct SessionIdentity: Sendable {
        let tls: TLSConfiguration
        let source: String
    }

    static func openSessions(_ peers: [SessionIdentity], parallel: Int, port: Int, nodeKey: Ed25519PublicKey,
                             group: any EventLoopGroup) async throws -> [BenchPeer] {
        try await withThrowingTaskGroup(of: (Int, BenchPeer).self) { tasks in
            var next = 0
            var sessions = [BenchPeer?](repeating: nil, count: peers.count)
            func start() {
                let i = next, peer = peers[i]
                next += 1
                tasks.addTask {
                    (i, try await BenchPeer.connect(port: port, nodeKey: nodeKey, identity: peer.tls, group: group, sourceAddress: peer.source))
                }
            }
            while next < min(parallel, peers.count) { start() }
            while let (i, session) = try await tasks.next() {
                sessions[i] = session
                if next < peers.count { start() }
            }
            return sessions.compactMap { $0 }
        }
    }

    /// Sends every peer's invitation on its session at once; the replies in the peers' order.
    static func sendInvitations(_ peers: [InvitingPeer], sessions: [BenchPeer]) async -> [Result<WireMessage, any Error>] {
        await withTaskGroup(of: (Int, Result<WireMessage, any Error>).self) { tasks in
            for (i, session) in sessions.enumerated() {
                let message = peers[i].message
                tasks.addTask {
                    do { return (i, .success(try await session.request(message, timeout: 60))) } catch { return (i, .failure(error)) }
                }
            }
            var replies: [(index: Int, reply: Result<WireMessage, any Error>)] = []
            replies.reserveCapacity(sessions.count)
            for await answer in tasks { replies.append(answer) }
            return replies.sorted { $0.index < $1.index }.map(\.reply)
        }
    }

    static func closeAll(_ sessions: [BenchPeer]) async {
        for session in sessions { session.channel.close(promise: nil) }
        for session in sessions { try? await session.channel.closeFuture.get() }
    }

    /// The invitations in the node's inbox, as its owner sees them.
    static func inboxCount(_ daemon: BenchDaemon) throws -> Int {
        let inbox = try ChildProcess.run(daemon.vouch, ["inbox", "--all", "--json", "--home", daemon.home])
        guard inbox.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(inbox.output.utf8)) as? [String: Any],
              let invitations = object["invitations"] as? [Any] else {
            throw BenchFailure("vouch inbox --json exited \(inbox.status): \(inbox.output.prefix(500))")
        }
        return invitations.count
    }
}
