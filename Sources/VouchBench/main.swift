// vouch-bench: performance measurements of Vouch's building blocks, one subcommand each.
// Each benchmark lives in a file of its own and is listed in `benchmarks`.

import Foundation

/// A benchmark the program can run: its subcommand, a one-line summary, and its entry point,
/// which takes the arguments after the subcommand and returns the process exit status.
struct Benchmark: Sendable {
    let name: String
    let summary: String
    let run: @Sendable ([String]) throws -> Int32
}

let benchmarks: [Benchmark] = [
    Ed25519Benchmark.benchmark,
    HandshakeBenchmark.benchmark,
    ThroughputBenchmark.benchmark,
    IdleSessionsBenchmark.benchmark,
    ChurnBenchmark.benchmark,
    FloodBenchmark.benchmark,
    HalfOpenBenchmark.benchmark,
    FFDHEBenchmark.benchmark,
    IngestBenchmark.benchmark,
    FanOutBenchmark.benchmark,
    MutualBenchmark.benchmark,
    ConnectionsOfBenchmark.benchmark,
    RelayBenchmark.benchmark,
]

@MainActor
func usage() -> String {
    var lines = ["usage: vouch-bench <benchmark> [options]", "", "benchmarks:"]
    for benchmark in benchmarks {
        lines.append("  \(benchmark.name.padding(toLength: 14, withPad: " ", startingAt: 0))\(benchmark.summary)")
    }
    lines += [
        "", "common options:",
        "  --seconds N   how long each measurement runs (default \(BenchOptions.defaultSeconds))",
        "  --rounds N    repeat, alternating ours and the reference, and report the best of each (default 1)",
        "", "handshakes:    --log-level L   the in-process node's log level (default info, as vouch run)",
        "idle-sessions: --count N       sessions to hold (default 1000); --parallel N  handshakes at a time (default 32)",
        "ed25519:       --signers N     distinct signers for the cold path (default 1000)",
        "churn:         --count N (10000) --batch N (1000) --parallel N (16) [--settle S (5)] [--together] [--env NAME=VALUE] [--malloc-trim]",
        "flood:         --seconds N     how long the flooder floods (default 30)",
        "half-open:     --sockets N (128) --addresses N (1: 127.0.0.1 only); --seconds N  fresh peers for N s (default 30)",
        "ffdhe:         --rounds N      5 × N s_client connections per group",
        "ingest:        --count N (10000) --batch N (1000) --parallel N (32 handshakes at a time) --per-address N (25 identities",
        "               per loopback address, at most 30); --seconds N  for openssl speed ed25519 (3)",
        "fan-out:       --count N (1000 connections) --timeout S (60)",
        "mutual:        --count N (10000 connections per node) --common N (1000); --rounds N (3) --seconds N (openssl speed)",
        "connections-of: --count N (10000 connections) --askers N (1000) --per-address N (25) --in-flight N,N,… (1,16,1000)",
        "relay:         --seconds N (per measurement), --rounds N: direct and relayed alternate",
    ]
    return lines.joined(separator: "\n")
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, !["-h", "--help", "help"].contains(name) else {
    print(usage())
    exit(arguments.isEmpty ? 64 : 0)
}
guard let benchmark = benchmarks.first(where: { $0.name == name }) else {
    FileHandle.standardError.write(Data("vouch-bench: unknown benchmark '\(name)'\n\n\(usage())\n".utf8))
    exit(64)
}
do {
    exit(try benchmark.run(Array(arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("vouch-bench \(name): \(error)\n".utf8))
    exit(1)
}
