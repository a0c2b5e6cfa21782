import ArgumentParser
import VouchAdmin

struct InvitationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invitations",
        abstract: "List the invitations you sent (--sent) or received.",
        discussion: """
            With --sent: each invitation you sent, its number (what withdraw and reply take), \
            its state (pending, connected, withdrawn, expired) and any question asked. A declined \
            invitation reads pending until it expires: a decline is never sent. Without it: \
            every invitation you received, as `vouch inbox --all`.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "The invitations you sent.")
    var sent = false

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            if sent {
                let list = try await DaemonConnection.call(global.nodeHome, SentInvitationsRequest())
                let text = list.invitations.isEmpty ? "No invitations sent." : list.invitations.map { InvitationRendering.sent($0, output: output) }.joined(separator: "\n")
                output.emit(text: text, json: list)
            } else {
                let inbox = try await DaemonConnection.call(global.nodeHome, InboxRequest(all: true))
                let text = inbox.invitations.isEmpty ? "No invitations." : inbox.invitations.map { InvitationRendering.received($0, output: output) }.joined(separator: "\n")
                output.emit(text: text, json: inbox)
            }
        }
    }
}
