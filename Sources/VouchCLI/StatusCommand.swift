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
            let status = try await DaemonConnection.call(global.nodeHome, StatusRequest())
            var lines = [
                "Node      \(output.bold(status.id))",
                "Listening \(status.listen)",
                "Address   \(status.address ?? "none (set `advertise` in config.json)")",
                "Uptime    \(Self.duration(status.uptimeSeconds))",
                "Queued    \(status.queuedMessages) message(s)",
                "Sessions  \(status.sessionCount)",
            ]
            for session in status.sessions {
                lines.append("  \(session.shortID)  \(session.direction) \(session.remote)  \(session.tlsVersion) \(session.cipher)")
            }
            if !status.relays.isEmpty { lines.append("Relays    \(status.relays.count)") }
            for relay in status.relays {
                lines.append("  \(relay.uri)  \(Self.relayState(relay))")
            }
            output.emit(text: lines.joined(separator: "\n"), json: status)
        }
    }

    /// "joined", or why not: for `vouch status` and `vouch relay list`.
    static func relayState(_ relay: StatusResponse.RelayInfo) -> String {
        if relay.joined { return "joined" }
        return "not joined" + (relay.lastError.map { " (\(relay.failures) failed attempt(s); last: \($0))" } ?? "")
    }

    static func duration(_ seconds: Int64) -> String {
        let h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60
        return h > 0 ? "\(h)h \(m)m \(s)s" : m > 0 ? "\(m)m \(s)s" : "\(s)s"
    }
}
