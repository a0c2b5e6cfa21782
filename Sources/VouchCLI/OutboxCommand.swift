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
            let outbox = try await DaemonConnection.call(global.nodeHome, OutboxListRequest())
            var lines = outbox.messages.isEmpty ? ["The outbox is empty."] : []
            for m in outbox.messages {
                lines.append("\(m.message)  \(m.type) for \(m.peer)\n"
                             + "  attempts \(m.attempts), next \(m.nextAttemptAt), expires \(m.expiresAt)"
                             + (m.lastError.map { "\n  last error: \($0)" } ?? ""))
            }
            output.emit(text: lines.joined(separator: "\n"), json: outbox)
        }
    }
}
