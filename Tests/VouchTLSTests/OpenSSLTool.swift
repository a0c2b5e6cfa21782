import Foundation
import VouchCrypto

/// The `openssl` command-line tool as an independent TLS peer. Tests that need it fail (they do
/// not skip) when it is missing: interop is part of what these tests prove.
enum OpenSSLTool {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "the openssl binary was not found on PATH; install openssl to run the interop tests" }
    }

    struct TimedOut: Error, CustomStringConvertible {
        let arguments: [String]
        let output: String
        var description: String { "openssl \(arguments.joined(separator: " ")) did not finish; output so far:\n\(output)" }
    }

    static func executable() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("openssl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw Missing()
    }

    /// Runs `openssl arguments` to completion with `input` on stdin (then EOF), and returns its
    /// exit status and combined output. A run that hangs is killed after `limit` and throws:
    /// a safety net against a stuck peer, not a measurement.
    static func run(_ arguments: [String], input: String = "", limit: Duration = .seconds(30)) async throws -> (status: Int32, output: String) {
        let process = try RunningOpenSSL(arguments, keepStdinOpen: false, input: input)
        let status = try await process.waitForExit(limit: limit)
        return (status, process.output)
    }
}

/// A running `openssl` process whose stdout and stderr go to a temporary file (a pipe could
/// fill and stall it), and whose stdin stays open when asked (`s_server` quits on stdin EOF).
///
/// `@unchecked Sendable`: `Process` and `FileHandle` are used from the test task and from
/// Foundation's termination handler, which only resumes a continuation.
final class RunningOpenSSL: @unchecked Sendable {
    let arguments: [String]
    private let process = Process()
    private let stdin = Pipe()
    private let outputURL: URL
    private let exit = AsyncStream<Int32>.makeStream()

    init(_ arguments: [String], keepStdinOpen: Bool, input: String = "") throws {
        self.arguments = arguments
        outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-openssl-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let output = try FileHandle(forWritingTo: outputURL)
        process.executableURL = try OpenSSLTool.executable()
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        let continuation = exit.continuation
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        try process.run()
        try output.close()
        if !input.isEmpty { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        if !keepStdinOpen { try stdin.fileHandleForWriting.close() }
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: outputURL)
    }

    var output: String {
        (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }

    func waitForExit(limit: Duration) async throws -> Int32 {
        let watchdog = Task { [process] in
            try await Task.sleep(for: limit)
            guard process.isRunning else { return false }
            process.terminate()
            return true
        }
        var iterator = exit.stream.makeAsyncIterator()
        let status = await iterator.next() ?? -1
        watchdog.cancel()
        if (try? await watchdog.value) == true {
            throw OpenSSLTool.TimedOut(arguments: arguments, output: output)
        }
        return status
    }

    /// Polls the output until `pattern` matches, returning the first capture group
    /// (e.g. the port in `ACCEPT 127.0.0.1:(\d+)`).
    func waitForOutput(matching pattern: String, limit: Duration = .seconds(20)) async throws -> String {
        let regex = try Regex(pattern)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while clock.now < deadline {
            if let match = output.firstMatch(of: regex), let capture = match.output[1].substring {
                return String(capture)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw OpenSSLTool.TimedOut(arguments: arguments, output: output)
    }

    func terminate() {
        if process.isRunning { process.terminate() }
    }
}

/// A private temporary directory (0700) holding key and certificate files (0600) for openssl.
final class CredentialDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` to `name` with mode 0600 and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = path(name)
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return path
    }

    /// Writes an identity's key (PKCS#8 PEM) and certificate (PEM); returns (key, certificate) paths.
    func writeIdentity(_ key: Ed25519PrivateKey, certificate: SelfSignedCertificate, name: String) throws -> (key: String, certificate: String) {
        (try write("\(name)-key.pem", key.pkcs8PEM()), try write("\(name)-cert.pem", certificate.pem))
    }
}
