import Foundation
import VouchAdmin
import VouchCrypto
import VouchProtocol
import VouchStore

/// `vouch-bench mutual`: the private set intersection of `vouch mutual` between two real nodes
/// (issue 13, "Benchmarks": 10,000 connections each, 1,000 in common; goal: the X25519 operations
/// the protocol needs, per second of wall time, ≥ 0.5 × `openssl speed ecdhx25519`).
///
/// Method. Two `vouch run` daemons (`BenchDaemon`), A and B. Before each starts, its store is
/// seeded (`DisclosureSeed`) with `--count` (10,000) co-signed connections, both sides' visibility
/// statements at level `connections`, and each peer's mutual token; `--common` (1,000) of the
/// simulated peers are connections of both, with the same token on both nodes (a peer sends its
/// one token to all its connections). A and B are not connected to each other. Through A's admin
/// API (the `disclosure.mutual` method `vouch mutual` calls), A first pings B (`ping`, so the
/// session exists), then asks for the intersection `--rounds` (3) times; each call is timed from
/// the request to the response on the admin socket, with both daemons' CPU. The answer must be
/// exactly the common peers.
///
/// Operations counted: the asker blinds its |A| elements and blinds again the |B| elements of B's
/// set (|A| + |B|); the answerer blinds again the |A| elements it receives and blinds its own |B|
/// (|A| + |B|). Bytes: every page's `mutual-query` and `mutual-answer`, made with the protocol's
/// own types and page size, encoded; bodies alone, and whole messages with the 4-byte frame
/// header. TLS records add 22 bytes per record of at most 16 KiB (not counted).
enum MutualBenchmark {
    static let benchmark = Benchmark(
        name: "mutual",
        summary: "PSI between two nodes of 10,000 connections (1,000 common): wall time, bytes, vs openssl X25519",
        run: run
    )

    /// The issue's goal: X25519 operations per wall second over OpenSSL's X25519 rate.
    static let goal = 0.5

    static func run(_ arguments: [String]) throws -> Int32 {
        var count = 10_000, common = 1_000
        var rest: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--count", "--common":
                let number = try BenchOptions.positiveNumber(after: argument, in: &iterator)
                if argument == "--count" { count = number } else { common = number }
            default:
                rest.append(argument)
            }
        }
        var options = try BenchOptions(parsing: rest)
        if !rest.contains("--rounds") { options.rounds = 3 }
        guard common <= count else { throw BenchOptions.UsageError(description: "--common cannot exceed --count") }
        // Each call asks ⌈count / page⌉ pages; B answers at most its burst of pages at once.
        let pagesPerCall = (count + MutualQueryBody.maximumElements - 1) / MutualQueryBody.maximumElements
        let burst = Int(QueryRateLimit.Limits.default.mutual.burst)
        guard pagesPerCall * (options.rounds + 1) <= burst else {
            throw BenchOptions.UsageError(description: "\(options.rounds) rounds of \(pagesPerCall) pages exceed the answering node's burst of \(burst) pages")
        }
        installChildCleanup()
        print("Mutual: private set intersection between two vouch run nodes, \(count) connections each, \(common) in common, level connections on both sides of each")
        print(loadLine())

        let t0 = monotonicSeconds()
        let shared = try DisclosureSeed.makePeers(common)
        let onlyA = try DisclosureSeed.makePeers(count - common), onlyB = try DisclosureSeed.makePeers(count - common)
        let a = try BenchDaemon(prefix: "vouch-bench-mutual-a", prepare: { home in
            try DisclosureSeed.seed(home: home, peers: shared + onlyA, level: .connections, context: "vouch-bench mutual A")
        })
        defer { a.stop() }
        let b = try BenchDaemon(prefix: "vouch-bench-mutual-b", prepare: { home in
            try DisclosureSeed.seed(home: home, peers: shared + onlyB, level: .connections, context: "vouch-bench mutual B")
        })
        defer { b.stop() }
        print("setup: \(2 * count) connections seeded, two daemons started, in \(String(format: "%.1f", monotonicSeconds() - t0)) s")

        let addressB = "\(NodeID(publicKey: b.nodeKey).description)@127.0.0.1:\(b.port)"
        let homeA = NodeHome(url: URL(fileURLWithPath: a.home))
        let expected = Set(shared.map(\.id.description))
        let pidA = a.pid, pidB = b.pid, rounds = options.rounds
        let calls = try runBlocking { () -> [Call] in
            let admin = try await AdminClient.connect(socketPath: homeA.adminSocket.path, cookiePath: homeA.adminCookie.path)
            defer { admin.close() }
            _ = try await admin.call(PingRequest(address: addressB))
            var calls: [Call] = []
            for _ in 0..<rounds {
                let cpuA = try cpu(pidA), cpuB = try cpu(pidB), start = monotonicSeconds()
                let response = try await admin.call(MutualRequest(peer: addressB))
                let wall = monotonicSeconds() - start
                calls.append(Call(wall: wall, cpuA: try cpu(pidA) - cpuA, cpuB: try cpu(pidB) - cpuB,
                                  found: Set(response.mutual.map(\.node))))
            }
            return calls
        }
        try a.checkRunning()
        try b.checkRunning()

        // Both sides pad their lists to whole pages (Protocol/disclosure.md §6.5): a padding element
        // costs one X25519 operation (a fresh point), like a blinded one.
        let padded = MutualSet.paddedCount(count)
        let operations = 2 * padded + 2 * padded
        let traffic = try bytes(asker: padded, answerer: padded, recipient: NodeID(publicKey: b.nodeKey))
        print("")
        print("round   wall s   A (asker) CPU s   B (answerer) CPU s   X25519 ops/s (wall)   found   exactly the common \(common)")
        for (i, call) in calls.enumerated() {
            print("\(pad(String(i + 1), 5))   \(pad(String(format: "%.3f", call.wall), 6))   \(pad(String(format: "%.3f", call.cpuA), 15))   \(pad(String(format: "%.3f", call.cpuB), 18))   \(pad(String(format: "%.0f", Double(operations) / call.wall), 19))   \(pad(String(call.found.count), 5))   \(call.found == expected ? "yes" : "NO")")
        }
        let best = calls.map(\.wall).min() ?? .infinity
        let correct = calls.allSatisfy { $0.found == expected }
        print("")
        print("X25519 operations per intersection: \(operations) (\(count) connections padded to \(padded) a side; asker: \(padded) blind or padding + \(padded) of the answerer's set; answerer: \(padded) of the asker's + \(padded) of its own or padding)")
        print("pages: \(traffic.pages) round trips; bytes exchanged (query + answer, all pages): bodies \(traffic.bodies) B, whole messages with frame headers \(traffic.messages) B (TLS records not included: + 22 B per record of at most 16 KiB, about \(traffic.tlsOverhead) B here)")
        let reference = try OpenSSLSpeed.ecdhX25519(seconds: options.seconds)
        print("openssl speed ecdhx25519 (\(options.seconds) s, one core): \(String(format: "%.0f", reference)) ops/s")
        let ratio = Double(operations) / best / reference
        print("ratio (best round: \(operations) ops / \(String(format: "%.3f", best)) s wall, over openssl's ops/s): \(formatRatio(ratio))")
        let leastCPU = calls.map { $0.cpuA + $0.cpuB }.min() ?? .infinity
        print("per CPU second instead (as openssl speed counts): \(operations) ops / \(String(format: "%.3f", leastCPU)) s of both daemons' CPU (least of the rounds) = \(String(format: "%.0f", Double(operations) / leastCPU)) ops/s, ratio \(formatRatio(Double(operations) / leastCPU / reference))")
        print(loadLine())
        print("")
        print("goal: ratio ≥ \(goal), exactly the \(common) common connections found: \(ratio >= goal && correct ? "met" : "NOT met")")
        return 0
    }

    static func cpu(_ pid: pid_t) throws -> Double {
        guard let seconds = procCPUSeconds(pid: pid) else { throw BenchFailure("cannot read /proc/\(pid)/stat") }
        return seconds
    }

    struct Call: Sendable {
        let wall: Double
        let cpuA: Double
        let cpuB: Double
        let found: Set<String>
    }

    /// The bytes of one intersection: the asker's pages of its `asker` elements, each answered
    /// with its elements blinded again and the same page of the answerer's set of `answerer`
    /// (as `DisclosureService.mutual` pages them), encoded with the protocol's types.
    static func bytes(asker: Int, answerer: Int, recipient: NodeID) throws -> (pages: Int, bodies: Int, messages: Int, tlsOverhead: Int) {
        let size = MutualQueryBody.maximumElements, point = [UInt8](repeating: 9, count: X25519.keyByteCount)
        var page = 0, bodies = 0, messages = 0, tls = 0
        while true {
            let start = page * size
            let mine = max(0, min(size, asker - start)), theirs = max(0, min(size, answerer - start))
            let query = MutualQueryBody(query: SecureRandom.bytes(16), page: UInt64(page), elements: Array(repeating: point, count: mine))
            let answer = MutualAnswerBody(elements: Array(repeating: point, count: mine), set: Array(repeating: point, count: theirs),
                                          more: start + size < answerer)
            for (type, body) in [(WireMessageType.mutualQuery, query.value), (.mutualAnswer, answer.value)] {
                bodies += body.encoded.count
                let now = UInt64(Date().timeIntervalSince1970 * 1000)
                let message = WireMessage(type: type, replyTo: type == .mutualAnswer ? .random() : nil, sentAt: now, expiresAt: now + 30_000,
                                          recipient: recipient, body: body)
                let frame = message.encoded.count + WireFrame.headerSize
                messages += frame
                tls += 22 * ((frame + 16_383) / 16_384)
            }
            page += 1
            if !answer.more && start + size >= asker { break }
        }
        return (page, bodies, messages, tls)
    }
}
