import Foundation
import VouchCrypto
import VouchProtocol
import VouchStore

/// A real `vouch run` daemon in a temporary home, for the programs that measure or attack the
/// node from outside, as a peer would: `idle-sessions`, `churn`, `flood`, `half-open`, `ffdhe`.
///
/// The home is made with `vouch init --listen 127.0.0.1:<free port>`; `configure` may then change
/// its `limits` in config.json before `vouch run --json` starts (logs go to files in the temporary
/// directory). Returns once the daemon printed its ready line. Call `stop()` (in a `defer`).
final class BenchDaemon {
    let vouch: String
    let directory: TemporaryDirectory
    let home: String
    let port: UInt16
    let process: ChildProcess
    /// The node's identity key: clients pin it, as a peer dialing the node's address would.
    let nodeKey: Ed25519PublicKey
    /// config.json as the daemon read it, on one line, for the output.
    let configLine: String

    var pid: pid_t { process.pid }
    var isRunning: Bool { process.isRunning }

    /// `prepare` runs after `vouch init` and before `vouch run`, with the home: a benchmark seeds
    /// the store there (connections, statements), as the node would have it after months of use.
    init(prefix: String, environment: [String: String] = [:], configure: (inout TransportLimits) -> Void = { _ in },
         prepare: (NodeHome) throws -> Void = { _ in }) throws {
        vouch = try vouchProgram()
        directory = try TemporaryDirectory(prefix: prefix)
        home = directory.file("home").path
        port = try freeLoopbackPort()
        do {
            let initRun = try ChildProcess.run(vouch, ["init", "--home", home, "--listen", "127.0.0.1:\(port)", "--json"],
                                               stderr: directory.file("init.err"))
            guard initRun.status == 0 else {
                throw BenchFailure("vouch init exited \(initRun.status): \((try? String(contentsOf: directory.file("init.err"), encoding: .utf8)) ?? "")")
            }
            let nodeHome = NodeHome(url: URL(fileURLWithPath: home))
            var config = try NodeConfig.load(from: nodeHome)
            configure(&config.limits)
            try config.save(to: nodeHome)
            try prepare(nodeHome)
            configLine = String(decoding: config.json, as: UTF8.self)
                .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
            process = try ChildProcess(vouch, ["run", "--home", home, "--json"], environment: environment,
                                       stdout: directory.file("run.out"), stderr: directory.file("run.err"))
            do {
                let ready = try Self.waitForReadyLine(directory.file("run.out"), daemon: process, errors: directory.file("run.err"))
                guard let idText = ready["id"] as? String else { throw BenchFailure("the ready line has no id: \(ready)") }
                nodeKey = try NodeID(parsing: idText).publicKey
            } catch {
                process.stop()
                throw error
            }
        } catch {
            directory.remove()
            throw error
        }
    }

    /// Stops the daemon (SIGTERM, then SIGKILL) and removes its home. Idempotent.
    func stop() {
        process.stop()
        directory.remove()
    }

    /// A memory figure of the daemon in KiB (`VmRSS`, `VmHWM`); throws rather than report a
    /// reading that failed.
    func memoryKiB(_ field: String = "VmRSS") throws -> Int {
        guard let kib = procStatusKiB(pid: process.pid, field: field), kib > 0 else {
            throw BenchFailure("cannot read \(field) from /proc/\(process.pid)/status (daemon running: \(process.isRunning))")
        }
        return kib
    }

    /// The daemon's user plus system CPU seconds so far.
    func cpuSeconds() throws -> Double {
        guard let seconds = procCPUSeconds(pid: process.pid) else { throw BenchFailure("cannot read /proc/\(process.pid)/stat") }
        return seconds
    }

    /// Throws if the daemon has exited.
    func checkRunning() throws {
        guard process.isRunning else {
            let log = (try? String(contentsOf: directory.file("run.err"), encoding: .utf8)) ?? ""
            throw BenchFailure("the daemon exited (status \(process.exitStatus ?? -1)):\n\(log.suffix(2000))")
        }
    }

    /// `session_count` from `vouch status --json`, or nil if the call failed.
    func sessionCount() throws -> Int? {
        let status = try ChildProcess.run(vouch, ["status", "--json", "--home", home])
        guard status.status == 0,
              let object = try? JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any] else { return nil }
        return object["session_count"] as? Int
    }

    /// Polls `vouch status --json` until `session_count` is `count`; returns it.
    @discardableResult
    func waitForSessionCount(_ count: Int, timeout: Double) throws -> Int {
        let deadline = monotonicSeconds() + timeout
        var last = -1
        while monotonicSeconds() < deadline {
            try checkRunning()
            if let sessions = try sessionCount() {
                last = sessions
                if sessions == count { return sessions }
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw BenchFailure("the daemon reports \(last) sessions after \(timeout) s, not \(count)")
    }

    /// Occurrences of `text` in the daemon's log (standard error), for figures such as refusals.
    func logCount(of text: String) -> Int {
        guard let log = try? String(contentsOf: directory.file("run.err"), encoding: .utf8) else { return 0 }
        return log.components(separatedBy: text).count - 1
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
}

/// Raises this process's RLIMIT_NOFILE (soft, up to the hard limit) to at least `needed`; a
/// daemon started afterwards inherits it. Returns a line for the output.
func raiseOpenFilesLimit(to needed: Int) throws -> String {
    // `needed` comes from the command line (--count): refused, not trapped, when it is no count.
    guard let wanted = rlim_t(exactly: needed) else { throw BenchFailure("\(needed) is not a number of descriptors") }
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    let before = limit.rlim_cur
    if limit.rlim_cur < wanted {
        limit.rlim_cur = min(limit.rlim_max, wanted)
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur >= wanted else {
            throw BenchFailure("RLIMIT_NOFILE is \(before) (hard \(limit.rlim_max)); \(needed) descriptors are needed")
        }
    }
    return "RLIMIT_NOFILE of this process: \(limit.rlim_cur) (was \(before), hard \(limit.rlim_max))"
}

/// KiB as MiB with one decimal.
func mib(_ kib: Int) -> String { String(format: "%.1f MiB", Double(kib) / 1024) }
