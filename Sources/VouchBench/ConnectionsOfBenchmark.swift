import Foundation
import NIOCore
import NIOPosix
import VouchCrypto
import VouchProtocol
import VouchStore
import VouchTLS

/// `vouch-bench connections-of`: how long a node takes to answer `connections-query` (what
/// `vouch connections-of` asks) when it holds 10,000 connections and 1,000 distinct peers ask
/// (issue 13, "Benchmarks": p50 and p99 answer time, goal p99 ≤ 50 ms).
///
/// Method. A real daemon (`BenchDaemon`, default limits) whose store was seeded before it started
/// (`DisclosureSeed`) with `--count` (10,000) co-signed connections, both sides at level
/// `everyone`, so that every asker may learn of all of them and each answer is a full first page.
/// `--askers` (1,000) identities, none of them a connection, open a session each from this
/// process (one event-loop thread), `--per-address` (25) per loopback source address as `ingest`
/// does, 32 handshakes at a time; the handshakes are not timed. Then, for each number in
/// `--in-flight` (1,16,1000), every identity sends one `connections-query` for the first page
/// (`ConnectionsQueryBody()`), at most that many outstanding at once (1: one after another; the
/// number of askers: all at once). Answer time: from writing the query to reading the whole
/// answer's frame, on the client's event loop (TLS decryption of the answer included).
///
/// Every answer must be `connections-answer` with `more` set; the first one's records are
/// verified (both signatures, a connection of the node) and must be the first records of the
/// seeded ones in id order; every later answer must hold the same records.
enum ConnectionsOfBenchmark {
    static let benchmark = Benchmark(
        name: "connections-of",
        summary: "a node of 10,000 connections answering connections-query from 1,000 peers: p50, p99",
        run: run
    )

    /// The issue's goal: p99 answer time, seconds.
    static let goal = 0.050

    static func run(_ arguments: [String]) throws -> Int32 {
        var count = 10_000, askers = 1_000, perAddress = 25, inFlight = [1, 16, 1_000]
        var rest: [String] = []
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--count", "--askers", "--per-address":
                let number = try BenchOptions.positiveNumber(after: argument, in: &iterator)
                switch argument {
                case "--count": count = number
                case "--askers": askers = number
                default: perAddress = number
                }
            case "--in-flight":
                guard let value = iterator.next() else { throw BenchOptions.UsageError(description: "--in-flight needs numbers") }
                let numbers = value.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
                guard !numbers.isEmpty, numbers.count == value.split(separator: ",").count else {
                    throw BenchOptions.UsageError(description: "--in-flight takes positive whole numbers separated by commas")
                }
                inFlight = numbers
            default:
                rest.append(argument)
            }
        }
        _ = try BenchOptions(parsing: rest)
        guard perAddress <= 30 else { throw BenchOptions.UsageError(description: "--per-address above 30 would exceed the node's sessions per address") }
        guard inFlight.count <= Int(QueryRateLimit.Limits.default.connections.burst) else {
            throw BenchOptions.UsageError(description: "each asker may ask only \(Int(QueryRateLimit.Limits.default.connections.burst)) pages at once")
        }
        installChildCleanup()
        let limitLine = try raiseOpenFilesLimit(to: askers * 2 + 256)
        print("Connections-of: a vouch run node with \(count) connections (audience everyone), \(askers) distinct askers on loopback, one connections-query each per phase")
        print(loadLine())
        print(limitLine)

        let t0 = monotonicSeconds()
        let peers = try DisclosureSeed.makePeers(count)
        var records: [[UInt8]] = []
        let daemon = try BenchDaemon(prefix: "vouch-bench-connections-of", prepare: { home in
            records = try DisclosureSeed.seed(home: home, peers: peers, level: .everyone, context: "vouch-bench connections-of")
        })
        defer { daemon.stop() }
        let inIdOrder = records.sorted { SHA256.hash($0).lexicographicallyPrecedes(SHA256.hash($1)) }
        print("setup: \(count) connections seeded and the daemon started in \(String(format: "%.1f", monotonicSeconds() - t0)) s")
        print("config.json: \(daemon.configLine)")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let node = NodeID(publicKey: daemon.nodeKey), port = Int(daemon.port), nodeKey = daemon.nodeKey
        let identities = try (0..<askers).map { i in
            IngestBenchmark.SessionIdentity(tls: try TLSConfiguration(privateKey: try Ed25519PrivateKey()),
                                            source: IngestBenchmark.sourceAddress(i / perAddress))
        }
        let t1 = monotonicSeconds()
        let sessions = try runBlocking { try await IngestBenchmark.openSessions(identities, parallel: 32, port: port, nodeKey: nodeKey, group: group) }
        guard sessions.count == askers else { throw BenchFailure("only \(sessions.count) of \(askers) sessions opened") }
        print("sessions: \(askers) opened in \(String(format: "%.1f", monotonicSeconds() - t1)) s from \((askers + perAddress - 1) / perAddress) loopback addresses (not timed)")
        defer { try? runBlocking { await IngestBenchmark.closeAll(sessions) } }

        print("")
        print("in flight   answers   p50 ms   p90 ms   p99 ms   max ms   answers/s   daemon CPU ms each   records per answer   p99 ≤ \(Int(goal * 1000)) ms")
        var firstPage: [[UInt8]]?
        var verdicts: [(Int, Bool)] = []
        for limit in inFlight {
            let cpu0 = try daemon.cpuSeconds(), start = monotonicSeconds()
            let results = try runBlocking { await ask(sessions, node: node, inFlight: limit) }
            let wall = monotonicSeconds() - start, cpu = try daemon.cpuSeconds() - cpu0
            var times: [Double] = []
            for result in results {
                let (reply, seconds) = try result.get()
                guard reply.knownType == .connectionsAnswer else {
                    let reason = (try? WireErrorBody(reply.body)).map { "\($0.code.rawValue): \($0.message)" } ?? reply.type
                    throw BenchFailure("the node answered \(reply.type) (\(reason))")
                }
                let page = try ConnectionsAnswerBody(reply.body)
                if let firstPage {
                    guard page.records == firstPage, page.more else { throw BenchFailure("an answer differs from the first one") }
                } else {
                    try check(page, node: node, inIdOrder: inIdOrder)
                    firstPage = page.records
                }
                times.append(seconds)
            }
            times.sort()
            let p99 = percentile(times, 0.99)
            verdicts.append((limit, p99 <= goal))
            print("\(pad(String(limit), 9))   \(pad(String(times.count), 7))   \(pad(ms(percentile(times, 0.5)), 6))   \(pad(ms(percentile(times, 0.9)), 6))   \(pad(ms(p99), 6))   \(pad(ms(times.last ?? 0), 6))   \(pad(String(format: "%.0f", Double(times.count) / wall), 9))   \(pad(String(format: "%.2f", cpu * 1000 / Double(times.count)), 18))   \(pad(String(firstPage?.count ?? 0), 18))   \(p99 <= goal ? "yes" : "no")")
        }
        try daemon.checkRunning()
        let bytes = firstPage.map { page in ConnectionsAnswerBody(records: page, more: true).value.encoded.count } ?? 0
        print("")
        print("each answer: \(firstPage?.count ?? 0) records, body \(bytes) B; every record of the first answer verified, all answers identical")
        print(loadLine())
        print("")
        print("goal: p99 ≤ \(Int(goal * 1000)) ms: " + verdicts.map { "\($0.0) in flight \($0.1 ? "met" : "NOT met")" }.joined(separator: ", "))
        return 0
    }

    /// One first-page query per session, at most `inFlight` outstanding; the replies with their
    /// answer times, in the sessions' order.
    static func ask(_ sessions: [BenchPeer], node: NodeID, inFlight: Int) async -> [Result<(reply: WireMessage, seconds: Double), any Error>] {
        await withTaskGroup(of: (Int, Result<(reply: WireMessage, seconds: Double), any Error>).self) { tasks in
            var next = 0
            var results: [(index: Int, result: Result<(reply: WireMessage, seconds: Double), any Error>)] = []
            results.reserveCapacity(sessions.count)
            func start() {
                let i = next, session = sessions[i]
                next += 1
                tasks.addTask {
                    let now = UInt64(Date().timeIntervalSince1970 * 1000)
                    let query = WireMessage(type: .connectionsQuery, sentAt: now, expiresAt: now + 60_000, recipient: node,
                                            body: ConnectionsQueryBody().value)
                    do { return (i, .success(try await session.timedRequest(query, timeout: 60))) } catch { return (i, .failure(error)) }
                }
            }
            while next < min(inFlight, sessions.count) { start() }
            while let answer = await tasks.next() {
                results.append(answer)
                if next < sessions.count { start() }
            }
            return results.sorted { $0.index < $1.index }.map(\.result)
        }
    }

    /// The first answer: a full page (`more`), every record verifies and is a connection of the
    /// node, and they are the first of the seeded records in id order.
    static func check(_ page: ConnectionsAnswerBody, node: NodeID, inIdOrder: [[UInt8]]) throws {
        guard page.more, !page.records.isEmpty else { throw BenchFailure("the first answer is not a full page (more: \(page.more), \(page.records.count) records)") }
        for bytes in page.records {
            let connection = try Connection(verifying: bytes)
            guard connection.inviter == node || connection.invitee == node else { throw BenchFailure("a record is not the node's") }
        }
        guard Array(inIdOrder.prefix(page.records.count)) == page.records else {
            throw BenchFailure("the first page is not the first \(page.records.count) connections in id order")
        }
    }

    /// The value at quantile `q` of sorted `values` (nearest rank).
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let rank = Int((q * Double(values.count)).rounded(.up))
        return values[min(values.count, max(1, rank)) - 1]
    }

    private static func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
}
