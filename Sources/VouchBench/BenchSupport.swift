import Foundation
import Synchronization

// Helpers the transport benchmarks share: child processes that are always cleaned up, temporary
// directories, free loopback ports, /proc readings, and a bridge from these synchronous entry
// points into async code.

/// A failure of the benchmark's own machinery (a child that would not start, a timeout).
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Child processes

/// The processes this program started and has not yet reaped, so that they are killed however
/// the program ends: `ChildProcess.stop()` on the normal path (benchmarks call it in `defer`),
/// and `killAllChildren` from the SIGINT/SIGTERM handler and from `atexit`.
private let liveChildren = Mutex<Set<pid_t>>([])

/// Kills (SIGKILL) every child still registered. Safe to call more than once.
func killAllChildren() {
    let pids = liveChildren.withLock { set -> Set<pid_t> in
        defer { set.removeAll() }
        return set
    }
    for pid in pids { kill(pid, SIGKILL) }
}

/// Installs the handlers that make sure no child outlives this process (call once, early).
func installChildCleanup() {
    atexit { killAllChildren() }
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
        signal(signalNumber) { number in
            killAllChildren()
            _exit(128 + number)
        }
    }
    // A child that dies must not kill us through a write to its pipe.
    signal(SIGPIPE, SIG_IGN)
}

/// A process started by a benchmark. `stop()` ends it (SIGTERM, then SIGKILL after a grace
/// period) and is idempotent; always call it in a `defer`.
final class ChildProcess: @unchecked Sendable {
    let name: String
    private let process = Process()
    /// Held open so a child that reads its standard input (`openssl s_server`) never sees EOF.
    private let stdinPipe = Pipe()

    /// Starts `executable` with `arguments` and this process's environment plus `environment`;
    /// its standard output and error go to the given files (or nowhere).
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
         stdout: URL? = nil, stderr: URL? = nil) throws {
        name = URL(fileURLWithPath: executable).lastPathComponent
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardInput = stdinPipe
        process.standardOutput = try stdout.map(Self.openForWriting) ?? FileHandle.nullDevice
        process.standardError = try stderr.map(Self.openForWriting) ?? FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        liveChildren.withLock { _ = $0.insert(pid) }
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// SIGTERM, up to `grace` seconds to exit, then SIGKILL. Returns whether it exited on SIGTERM.
    @discardableResult
    func stop(grace: Double = 10) -> Bool {
        defer { liveChildren.withLock { _ = $0.remove(pid) } }
        guard process.isRunning else { return true }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard process.isRunning else { return true }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        return false
    }

    private static func openForWriting(_ url: URL) throws -> FileHandle {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return try FileHandle(forWritingTo: url)
    }

    /// Runs `executable` to completion and returns its exit status, standard output (as text)
    /// and wall-clock duration. Standard error goes to `stderr` if given, else nowhere.
    static func run(_ executable: String, _ arguments: [String], stderr: URL? = nil) throws
        -> (status: Int32, output: String, seconds: Double)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardInput = FileHandle.nullDevice
        process.standardError = try stderr.map(openForWriting) ?? FileHandle.nullDevice
        let start = monotonicSeconds()
        try process.run()
        let pid = process.processIdentifier
        liveChildren.withLock { _ = $0.insert(pid) }
        defer { liveChildren.withLock { _ = $0.remove(pid) } }
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = monotonicSeconds() - start
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), seconds)
    }
}

/// The full path of a program on `$PATH` (for `openssl`), or nil.
func findOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// The system `openssl` program, or a failure saying it is missing.
func opensslProgram() throws -> String {
    guard let path = findOnPath("openssl") else { throw BenchFailure("the openssl program is not on PATH") }
    return path
}

/// The `vouch` executable built next to this one (`swift build --product vouch` with the same
/// scratch path and configuration).
func vouchProgram() throws -> String {
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let candidate = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("vouch").path
    guard FileManager.default.isExecutableFile(atPath: candidate) else {
        throw BenchFailure("\(candidate) does not exist: build it with `swift build -c release --scratch-path .build-bench --product vouch`")
    }
    return candidate
}

// MARK: - Files and ports

/// A fresh directory under the system temporary directory; `remove()` deletes it.
struct TemporaryDirectory {
    let url: URL

    init(prefix: String) throws {
        var template = Array((NSTemporaryDirectory() + "/\(prefix).XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchFailure("mkdtemp failed: errno \(errno)") }
        url = URL(fileURLWithPath: String(cString: made))
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func write(_ text: String, to name: String, mode: Int = 0o600) throws -> String {
        let path = file(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, mode_t(mode))
        return path
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released).
func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchFailure("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw BenchFailure("could not find a free port: errno \(errno)") }
    return UInt16(bigEndian: address.sin_port)
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
func waitForListener(port: UInt16, timeout: Double = 10) throws {
    let deadline = monotonicSeconds() + timeout
    while monotonicSeconds() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        close(fd)
        if connected { return }
        usleep(20_000)
    }
    throw BenchFailure("nothing listens on 127.0.0.1:\(port) after \(timeout) s")
}

// MARK: - Clocks, /proc, load

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// User plus system CPU time of this whole process (all threads), in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// A field of /proc/`pid`/status in KiB (`VmRSS`, `VmHWM`), or nil.
func procStatusKiB(pid: pid_t, field: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
    }
    return nil
}

/// User plus system CPU seconds of process `pid` so far, from /proc/`pid`/stat, or nil.
func procCPUSeconds(pid: pid_t) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return nil }
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (1-based, man 5 proc).
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// The "Max open files" line of /proc/`pid`/limits (soft and hard), or nil.
func procOpenFilesLimit(pid: pid_t) -> (soft: String, hard: String)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
        let fields = line.dropFirst("Max open files".count).split(separator: " ")
        guard fields.count >= 2 else { return nil }
        return (String(fields[0]), String(fields[1]))
    }
    return nil
}

/// The 1, 5 and 15 minute load averages and the core count, as one line for the output.
func loadLine() -> String {
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    return "load average \(load) on \(ProcessInfo.processInfo.activeProcessorCount) cores"
}

/// A ratio with two decimals.
func formatRatio(_ value: Double) -> String {
    guard value.isFinite else { return "n/a" }
    return String(format: "%.2f", value)
}

// MARK: - Async bridge

/// Runs `body` on the Swift concurrency pool and blocks the calling (main) thread until it
/// finishes. The benchmarks' entry points are synchronous; NIO and the node are async.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    return try result.withLock { $0! }.get()
}
