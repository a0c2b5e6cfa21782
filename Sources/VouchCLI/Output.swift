import ArgumentParser
import VouchStore
import VouchProtocol
import VouchCrypto
import Foundation
import VouchAdmin

/// Writes a command's result as text or JSON, and its errors as one line on stderr.
struct Output: Sendable {
    let json: Bool
    let color: Bool

    static var terminalWantsColor: Bool {
        ProcessInfo.processInfo.environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) == 1
    }

    /// Prints `text` for people, or `object` as one line of JSON for scripts.
    func emit(text: @autoclosure () -> String, json object: @autoclosure () -> [String: Any]) {
        if json {
            Self.writeLine(Self.jsonLine(object()), to: .standardOutput)
        } else {
            Self.writeLine(text(), to: .standardOutput)
        }
    }

    /// Prints `text` for people, or `value` (an admin API response) as one line of JSON: the
    /// daemon's answer as its shared type encodes it, numbers exact.
    func emit(text: @autoclosure () -> String, json value: some Encodable) {
        if json {
            Self.writeLine(Self.jsonLine(encoding: value), to: .standardOutput)
        } else {
            Self.writeLine(text(), to: .standardOutput)
        }
    }

    func bold(_ s: String) -> String { color ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    func dim(_ s: String) -> String { color ? "\u{1B}[2m\(s)\u{1B}[0m" : s }

    /// Reports `error` and returns the exit status to end with.
    func fail(_ error: any Error) -> ExitStatus {
        let status = ExitStatus.of(error)
        if json {
            Self.writeLine(Self.jsonLine(["error": ["code": ExitStatus.code(of: error), "message": "\(error)",
                                                   "exit_status": Int(status.rawValue)]]), to: .standardError)
        } else {
            let prefix = color && isatty(STDERR_FILENO) == 1 ? "\u{1B}[31mvouch: error:\u{1B}[0m" : "vouch: error:"
            Self.writeLine("\(prefix) \(error)", to: .standardError)
        }
        return status
    }

    static func jsonLine(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func jsonLine(encoding value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The admin API's types encode to JSON by construction (strings, integers, finite numbers).
        let data = try! encoder.encode(value)
        return String(decoding: data, as: UTF8.self)
    }

    static func writeLine(_ text: String, to stream: FileHandle) {
        stream.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

/// Runs a command body, turning any error into its one-line report and exit status.
func reporting(_ output: Output, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw ExitCode(output.fail(error).rawValue)
    }
}

func reporting(_ output: Output, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw ExitCode(output.fail(error).rawValue)
    }
}
