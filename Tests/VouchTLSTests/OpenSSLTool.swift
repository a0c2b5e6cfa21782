import Foundation
import VouchCrypto
import VouchTestKit

/// The `openssl` command-line tool as an independent TLS peer. Tests that need it fail (they do
/// not skip) when it is missing: interop is part of what these tests prove.
enum OpenSSLTool {
    struct TimedOut: Error, CustomStringConvertible {
        let arguments: [String]
        let output: String
        var description: String { "openssl \(arguments.joined(separator: " ")) did not finish; output so far:\n\(output)" }
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

/// A running `openssl` process whose stdout and stderr go, interleaved, to one file (a pipe
/// could fill and stall it), and whose stdin stays open when asked (`s_server` quits on stdin EOF).
final class RunningOpenSSL: @unchecked Sendable {  // used by one test at a time
    let arguments: [String]
    private let child: ChildProcess

    init(_ arguments: [String], keepStdinOpen: Bool, input: String = "") throws {
        self.arguments = arguments
        child = try ChildProcess(executable: try ChildProcess.find("openssl"), arguments: arguments,
                                 keepStdinOpen: true, mergeOutput: true)
        if !input.isEmpty { child.write(stdin: Data(input.utf8)) }
        if !keepStdinOpen { child.closeStdin() }
    }

    var output: String { child.stdout }

    func waitForExit(limit: Duration) async throws -> Int32 {
        guard let result = await child.waitForExit(timeout: limit) else {
            child.signal(SIGTERM)
            throw OpenSSLTool.TimedOut(arguments: arguments, output: output)
        }
        return result.status
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
            guard child.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw OpenSSLTool.TimedOut(arguments: arguments, output: output)
    }

    func terminate() {
        child.signal(SIGTERM)
    }
}

/// A private temporary directory (0700) holding key and certificate files (0600) for openssl.
typealias CredentialDirectory = TemporaryDirectory

extension TemporaryDirectory {
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

    /// A new Ed25519 identity for `openssl s_client`, written as `client-key.pem` and `client-cert.pem`.
    func writeClientIdentity(_ key: Ed25519PrivateKey) throws -> (key: String, certificate: String) {
        try writeIdentity(key, certificate: SelfSignedCertificate(key: key, commonName: "s_client"), name: "client")
    }
}
