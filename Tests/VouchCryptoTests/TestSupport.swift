import Foundation
import Testing
import VouchCrypto
import VouchTestKit

/// Bytes from a hex literal in a test table. A typo in a vector is a test bug: stop loudly.
func hex(_ text: String) -> [UInt8] {
    guard let bytes = Hex.decode(text) else { preconditionFailure("bad hex literal in a test: \(text)") }
    return bytes
}

/// `bytes` with bit `bit` (0 = least significant bit of byte 0) flipped.
func flippingBit(_ bit: Int, of bytes: [UInt8]) -> [UInt8] {
    var out = bytes
    out[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
    return out
}

/// The `openssl` command-line tool, an independent implementation to check our output against.
enum OpenSSLTool {
    struct Result {
        let status: Int32
        let stdout: Data
        let stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `openssl args…` in `directory` and waits for it; throws when openssl is not on PATH.
    static func run(_ arguments: [String], in directory: URL) throws -> Result {
        let result = try ChildProcess.run(try ChildProcess.find("openssl"), arguments, directory: directory)
        return Result(status: result.status, stdout: result.stdoutData, stderr: result.stderr)
    }

    /// Runs `openssl args…` and records a test failure if it does not exit 0.
    @discardableResult
    static func succeed(_ arguments: [String], in directory: URL,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let result = try run(arguments, in: directory)
        #expect(result.status == 0, "openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)",
                sourceLocation: sourceLocation)
        return result
    }
}

/// A fresh directory for files handed to `openssl`, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = try TemporaryDirectory(prefix: "vouch-crypto-tests")
    return try withExtendedLifetime(directory) { try body(directory.url) }
}

extension URL {
    func writing(_ text: String, to name: String) throws -> URL {
        let url = appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    func writing(_ bytes: [UInt8], to name: String) throws -> URL {
        let url = appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func contents(of name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: appendingPathComponent(name)))
    }
}

/// Records an issue unless `body` throws a `CryptoError` with `code`.
func expectError<T>(_ code: CryptoError.Code, _ comment: Comment? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) {
    do {
        _ = try body()
        Issue.record("expected CryptoError \(code), nothing was thrown. \(comment.map { "\($0)" } ?? "")",
                     sourceLocation: sourceLocation)
    } catch let error as CryptoError {
        #expect(error.code == code, "\(error.message). \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected CryptoError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
