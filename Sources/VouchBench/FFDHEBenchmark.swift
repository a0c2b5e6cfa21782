import Foundation
import VouchCrypto

/// `vouch-bench ffdhe`: does the node accept a ClientHello that offers only finite-field
/// Diffie-Hellman groups, and what does each handshake cost it? Issue 10: a replayed ffdhe8192
/// ClientHello cost the node 184 ms of CPU against 5.5 ms for X25519, so 30 replaying threads
/// with no crypto on their side pushed new sessions' connect time from 6 ms to 2.6 s.
///
/// Method. A real daemon with default limits (`BenchDaemon`). For each group (X25519 as the
/// control, then ffdhe2048 and ffdhe8192), `openssl s_client -tls1_3 -groups G -alpn vouch/1`
/// with a fresh Ed25519 client certificate connects `--rounds` × 5 times (default 5), one after
/// the other, standard input closed so that it leaves right after the handshake. A connection
/// counts as accepted when s_client prints `CONNECTION ESTABLISHED`; otherwise the alert or
/// error it printed is shown. The daemon's CPU time (utime + stime from /proc) over the
/// connections of a group, divided by their number, is its cost per handshake (or per refusal).
///
/// Goal (issue 10): every FFDHE-only ClientHello refused.
enum FFDHEBenchmark {
    static let benchmark = Benchmark(
        name: "ffdhe",
        summary: "an FFDHE-only ClientHello (openssl s_client -groups ffdhe8192): refused or not, node CPU per attempt",
        run: run
    )

    static let groups = ["X25519", "ffdhe2048", "ffdhe8192"]

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try BenchOptions(parsing: arguments)
        let attempts = options.rounds * 5
        let openssl = try opensslProgram()
        installChildCleanup()
        print("FFDHE: openssl s_client offering one group at a time, \(attempts) connections per group")
        print(loadLine())
        let daemon = try BenchDaemon(prefix: "vouch-bench-ffdhe")
        defer { daemon.stop() }

        let key = try Ed25519PrivateKey()
        let certificate = try daemon.directory.write(SelfSignedCertificate(key: key, commonName: "vouch-bench ffdhe").pem, to: "client-cert.pem")
        let keyFile = try daemon.directory.write(key.pkcs8PEM(), to: "client-key.pem")

        print("")
        print("group        accepted   node CPU per attempt   s_client says")
        var ffdheAccepted = 0
        for group in groups {
            var accepted = 0
            var said = ""
            try daemon.checkRunning()
            let cpuBefore = try daemon.cpuSeconds()
            for _ in 0..<attempts {
                let run = try ChildProcess.run(openssl, ["s_client", "-connect", "127.0.0.1:\(daemon.port)", "-tls1_3", "-groups", group,
                                                         "-alpn", "vouch/1", "-cert", certificate, "-key", keyFile, "-brief"],
                                               stderr: daemon.directory.file("s_client.err"))
                let errors = (try? String(contentsOf: daemon.directory.file("s_client.err"), encoding: .utf8)) ?? ""
                let text = run.output + errors
                if text.contains("CONNECTION ESTABLISHED") {
                    accepted += 1
                    said = text.split(separator: "\n").first { $0.contains("group") || $0.contains("Temp Key") }.map(String.init) ?? "established"
                } else {
                    said = text.split(separator: "\n").first { $0.contains("alert") || $0.contains("error") }.map(String.init) ?? "no connection"
                }
            }
            // The node finishes its side (and logs) just after s_client exits.
            Thread.sleep(forTimeInterval: 0.5)
            let cpu = (try daemon.cpuSeconds() - cpuBefore) / Double(attempts)
            if group.hasPrefix("ffdhe") { ffdheAccepted += accepted }
            print("\(group.padding(toLength: 12, withPad: " ", startingAt: 0)) \(pad("\(accepted)/\(attempts)", 8))   \(pad(String(format: "%.1f ms", cpu * 1000), 20))   \(said.trimmingCharacters(in: .whitespaces).prefix(90))")
        }
        print("")
        print("node CPU is utime + stime of the daemon over the group's connections (includes the client-certificate check and logging);")
        print("/proc counts in clock ticks (10 ms), hence the \(attempts) attempts per group.")
        print("goal: every FFDHE-only ClientHello refused: \(ffdheAccepted == 0 ? "met" : "NOT met")")
        return 0
    }
}
