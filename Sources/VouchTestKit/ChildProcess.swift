public import Foundation

/// What one finished child process did.
public struct ProcessResult: CustomStringConvertible, Sendable {
    /// The executable's file name.
    public let command: String
    public let arguments: [String]
    /// The exit status, or the signal number when `signaled`.
    public let status: Int32
    /// True when the process ended by a signal.
    public let signaled: Bool
    public let stdoutData: Data
    /// Empty when stderr went to the stdout file (`mergeOutput`).
    public let stderrData: Data

    public init(command: String, arguments: [String], status: Int32, signaled: Bool, stdoutData: Data, stderrData: Data) {
        self.command = command
        self.arguments = arguments
        self.status = status
        self.signaled = signaled
        self.stdoutData = stdoutData
        self.stderrData = stderrData
    }

    public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    public var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    public var succeeded: Bool { status == 0 && !signaled }

    public var description: String {
        "\(command) \(arguments.joined(separator: " ")) → \(signaled ? "signal " : "")\(status)\n  stdout: \(stdout)\n  stderr: \(stderr)"
    }
}

/// A child process could not be found, started, or did not end in time.
public struct ProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A child process whose stdout and stderr go to files (no pipes: no deadlock whatever the output
/// size, no reader threads), readable while it runs. Its stdin is /dev/null, or a pipe kept open
/// for `write(stdin:)` until `closeStdin()`. It is killed (SIGKILL) when the value goes.
public final class ChildProcess: @unchecked Sendable {  // mutated only by the test that owns it
    public let process = Process()
    /// The executable's file name.
    public let command: String
    public let arguments: [String]
    public let stdoutURL: URL
    /// The same file as `stdoutURL` when started with `mergeOutput`.
    public let stderrURL: URL
    private let outputDirectory: TemporaryDirectory
    private let exited = DispatchSemaphore(value: 0)
    private var stdinPipe: Pipe?

    /// `ASAN_OPTIONS`, `LSAN_OPTIONS`, `TSAN_OPTIONS` and `UBSAN_OPTIONS` of the test runner. Under
    /// `swift test --sanitize=…` the `vouch` binary a test starts is instrumented too, and must
    /// run with the same options (a suppression file, `detect_leaks`) as the runner, even where a
    /// test chooses its child's environment exactly.
    public static let sanitizerOptions: [String: String] = ProcessInfo.processInfo.environment.filter { name, _ in
        ["ASAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "UBSAN_OPTIONS"].contains(name)
    }

    /// Starts `executable ARGS` in `directory` (the test runner's own when nil) with exactly
    /// `environment` (the runner's when nil) plus the runner's sanitizer options, if any
    /// (`sanitizerOptions`). `mergeOutput` sends stderr to the stdout file, so the two stay
    /// interleaved as written.
    public init(executable: URL, arguments: [String], environment: [String: String]? = nil, directory: URL? = nil,
                keepStdinOpen: Bool = false, mergeOutput: Bool = false) throws {
        command = executable.lastPathComponent
        self.arguments = arguments
        outputDirectory = try TemporaryDirectory(prefix: "vouch-child")
        stdoutURL = outputDirectory.url("stdout")
        stderrURL = mergeOutput ? stdoutURL : outputDirectory.url("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: stdoutURL)
        let err = mergeOutput ? out : try FileHandle(forWritingTo: stderrURL)
        defer { try? out.close(); if !mergeOutput { try? err.close() } }
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment.merging(Self.sanitizerOptions) { chosen, _ in chosen } }
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = out
        process.standardError = err
        if keepStdinOpen {
            let pipe = Pipe()
            stdinPipe = pipe
            process.standardInput = pipe
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw ProcessFailure("cannot start \(executable.path): \(error)")
        }
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// What it wrote to stdout so far.
    public var stdout: String { String(decoding: (try? Data(contentsOf: stdoutURL)) ?? Data(), as: UTF8.self) }
    /// What it wrote to stderr so far.
    public var stderr: String { String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self) }

    /// The complete lines written to stdout so far.
    public var stdoutLines: [String] {
        let text = stdout
        guard let end = text.lastIndex(of: "\n") else { return [] }
        return text[..<end].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Writes to stdin (only when started with `keepStdinOpen`). A child that has exited already
    /// makes the write fail with a broken pipe: that is ignored, since its exit status and output
    /// tell the test what happened (`FileHandle.write(_:)` would trap and end the whole test run).
    public func write(stdin data: Data) {
        try? stdinPipe?.fileHandleForWriting.write(contentsOf: data)
    }

    public func closeStdin() {
        try? stdinPipe?.fileHandleForWriting.close()
        stdinPipe = nil
    }

    public func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Waits for the process to end without blocking a thread; nil if it still runs at the deadline.
    public func waitForExit(timeout: Duration) async -> ProcessResult? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return result
    }

    /// Blocks until the process ends; nil if it still runs at the deadline.
    public func waitForExitBlocking(timeout: Duration) -> ProcessResult? {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        guard exited.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
        exited.signal()  // a later wait returns at once
        process.waitUntilExit()
        return result
    }

    /// What it did; only once it has ended.
    public var result: ProcessResult {
        ProcessResult(command: command, arguments: arguments, status: process.terminationStatus,
                      signaled: process.terminationReason == .uncaughtSignal,
                      stdoutData: (try? Data(contentsOf: stdoutURL)) ?? Data(),
                      stderrData: stderrURL == stdoutURL ? Data() : (try? Data(contentsOf: stderrURL)) ?? Data())
    }

    /// Ends it for good: SIGKILL, then reap it.
    public func kill9() {
        closeStdin()
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { kill9() }

    // MARK: Running to the end

    /// Runs `executable ARGS` to its end, with `stdin` on its standard input then EOF (/dev/null when
    /// nil). A run still going at `timeout` is killed and throws, with its output so far.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                           directory: URL? = nil, stdin: Data? = nil, timeout: Duration = .seconds(30)) throws -> ProcessResult {
        let child = try start(executable, arguments, environment: environment, directory: directory, stdin: stdin)
        guard let result = child.waitForExitBlocking(timeout: timeout) else { throw child.timedOut(timeout) }
        return result
    }

    /// `run`, waiting without blocking a thread.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                           directory: URL? = nil, stdin: Data? = nil, timeout: Duration = .seconds(30)) async throws -> ProcessResult {
        let child = try start(executable, arguments, environment: environment, directory: directory, stdin: stdin)
        guard let result = await child.waitForExit(timeout: timeout) else { throw child.timedOut(timeout) }
        return result
    }

    private static func start(_ executable: URL, _ arguments: [String], environment: [String: String]?, directory: URL?,
                              stdin: Data?) throws -> ChildProcess {
        let child = try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                     directory: directory, keepStdinOpen: stdin != nil)
        if let stdin {
            child.write(stdin: stdin)
            child.closeStdin()
        }
        return child
    }

    private func timedOut(_ timeout: Duration) -> ProcessFailure {
        kill9()
        return ProcessFailure("\(command) \(arguments.joined(separator: " ")) did not end within \(timeout)\n"
                              + "  stdout: \(stdout)\n  stderr: \(stderr)")
    }

    // MARK: Finding executables

    /// The first executable file `name` in the directories of `searchPath` (the runner's PATH when
    /// nil); throws, naming what is missing, when there is none.
    public static func find(_ name: String, searchPath: String? = nil) throws -> URL {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw ProcessFailure("\(name) was not found on PATH (\(path)); install it to run these tests")
    }

    /// An executable product of this package. `swift test` builds every product before it runs
    /// the tests, so it is next to the test runner (`.build…/<triple>/debug/NAME`; on Linux the
    /// runner is the `…PackageTests.xctest` executable there, on macOS a bundle in that directory
    /// run by a helper that lives elsewhere). The environment variable `override` names another.
    /// When nothing is found, a path that does not exist, so that tests fail naming it.
    public static func builtProduct(_ name: String, override: String) -> URL {
        if let path = ProcessInfo.processInfo.environment[override], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for directory in candidates {
            let binary = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        return (candidates.first ?? URL(fileURLWithPath: ".")).appendingPathComponent(name)
    }
}
