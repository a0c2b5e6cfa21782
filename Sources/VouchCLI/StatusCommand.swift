import ArgumentParser
import Foundation
import VouchAdmin

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running node: ID, listen address, uptime, sessions, queued messages.",
        discussion: "Talks to the daemon (`vouch run`); exits with status 69 if it is not running."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let status = try await DaemonConnection.call(global.nodeHome, "status")
            var lines = [
                "Node      \(output.bold(status["id"]?.stringValue ?? "?"))",
                "Listening \(status["listen"]?.stringValue ?? "?")",
                "Address   \(status["address"]?.stringValue ?? "?")",
                "Uptime    \(Self.duration(status["uptime_seconds"]?.intValue ?? 0))",
                "Queued    \(status["queued_messages"]?.intValue ?? 0) message(s)",
                "Sessions  \(status["session_count"]?.intValue ?? 0)",
            ]
            for session in status["sessions"]?.arrayValue ?? [] {
                lines.append("  \(session["short_id"]?.stringValue ?? "?")  \(session["direction"]?.stringValue ?? "")  "
                             + "\(session["tls_version"]?.stringValue ?? "") \(session["cipher"]?.stringValue ?? "")")
            }
            output.emit(text: lines.joined(separator: "\n"), json: status.foundationObject)
        }
    }

    static func duration(_ seconds: Int64) -> String {
        let h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60
        return h > 0 ? "\(h)h \(m)m \(s)s" : m > 0 ? "\(m)m \(s)s" : "\(s)s"
    }
}
