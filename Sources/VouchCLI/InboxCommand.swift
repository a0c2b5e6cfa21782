import ArgumentParser
import VouchAdmin

struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "List the invitations waiting for your answer.",
        discussion: """
            Each shows its number (what accept, decline, ask-context and report-spam take), the \
            inviter's verified card, their note, the relationship as you read it, the context, \
            the expiry and any questions and replies. --all shows answered, withdrawn and expired ones too.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Show every received invitation, not only the pending ones.")
    var all = false

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let inbox = try await DaemonConnection.call(global.nodeHome, InboxRequest(all: all))
            let text = inbox.invitations.isEmpty ? "No invitations." : inbox.invitations.map { InvitationRendering.received($0, output: output) }.joined(separator: "\n")
            output.emit(text: text, json: inbox)
        }
    }
}
