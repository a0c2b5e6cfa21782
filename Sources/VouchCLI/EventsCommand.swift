import ArgumentParser
import Foundation
import VouchAdmin

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Stream what the node does, one event per line.",
        discussion: """
            Prints events as they happen (session.*, card.received, outbox.*, invitation.*, \
            introduction.*, connection.made, connection.removed, node.blocked, node.unblocked, policy.changed; \
            the full list is in Docs/admin-api.md) until interrupted; \
            a --type that names no event is refused. \
            With --json each line is a JSON object {"type", "time", "data"}.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Keep streaming (the default; accepted for scripts that say it).")
    var follow = false

    @Option(help: ArgumentHelp("Only events of this type; repeat for several.", valueName: "type"))
    var type: [String] = []

    func validate() throws {
        let known = Set(NodeEventType.allCases.map(\.rawValue))
        if let unknown = type.first(where: { !known.contains($0) }) {
            throw ValidationError("--type: no event is called \"\(unknown)\" (known: \(NodeEventType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let client = try await DaemonConnection.connect(global.nodeHome)
            defer { client.close() }
            for try await event in try await client.follow(types: type.isEmpty ? nil : type) {
                let line = EventLine(type: event.type, time: event.timeString, data: event.data)
                output.emit(text: "\(line.time)  \(output.bold(line.type))  \(Output.jsonLine(encoding: line.data))", json: line)
            }
        }
    }
}

/// One event as `vouch events --json` prints it.
struct EventLine: Encodable {
    let type: String
    let time: String
    let data: JSONValue
}
