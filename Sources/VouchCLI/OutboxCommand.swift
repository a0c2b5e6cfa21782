import ArgumentParser
import Foundation
import VouchAdmin

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List messages waiting for their peer to acknowledge them.",
        discussion: "Each shows its peer, attempts so far, the next attempt, its expiry and the last error."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let result = try await DaemonConnection.call(global.nodeHome, "outbox.list")
            let messages = result["messages"]?.arrayValue ?? []
            var lines = messages.isEmpty ? ["The outbox is empty."] : []
            for m in messages {
                lines.append("\(m["message"]?.stringValue ?? "?")  \(m["type"]?.stringValue ?? "?") for \(m["peer"]?.stringValue ?? "?")\n"
                             + "  attempts \(m["attempts"]?.intValue ?? 0), next \(m["next_attempt_at"]?.stringValue ?? "?"), expires \(m["expires_at"]?.stringValue ?? "?")"
                             + (m["last_error"]?.stringValue.map { "\n  last error: \($0)" } ?? ""))
            }
            output.emit(text: lines.joined(separator: "\n"), json: result.foundationObject)
        }
    }
}
