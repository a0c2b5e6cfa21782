import ArgumentParser
import VouchAdmin
import VouchProtocol

struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "List your connections.",
        discussion: """
            Each connection is a record signed by both of you: its id (what `vouch connection` \
            and `vouch disconnect` take; any unique prefix of 4 or more characters will do), the \
            other person, the relationship as you read it, the context, since when, and who may \
            learn of it: the narrower of your choice and theirs (`vouch connection visibility`). \
            Nobody else learns of a connection unless both of you allow it.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let list = try await DaemonConnection.call(global.nodeHome, ConnectionListRequest())
            let text = list.connections.isEmpty ? "No connections yet." : list.connections.map { ConnectionsCommand.render($0, output: output) }.joined(separator: "\n")
            output.emit(text: text, json: list)
        }
    }

    static func render(_ c: ConnectionInfo, output: Output) -> String {
        let name = c.name.map(UntrustedText.escaped) ?? c.shortID
        return "\(output.bold(String(c.id.prefix(12)))) \(output.bold(name)): \(InvitationRendering.phrase(c.relationship))"
            + (c.context.map { ": \(UntrustedText.escaped($0))" } ?? "")
            + "\n  \(c.peer)  since \(c.since)"
            + (c.introducedBy.map { "\n  introduced by \($0)" } ?? "")
            + (c.audience.map { audience in
                "\n  visible to: \(audience) (you chose \(c.visibility ?? "?"), they chose \(c.peerVisibility ?? "not known yet"))"
            } ?? "")
    }
}
