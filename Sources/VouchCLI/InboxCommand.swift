import ArgumentParser
import VouchAdmin

struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "List the invitations and introduction requests waiting for your answer.",
        discussion: """
            Each invitation shows its number (what accept, decline, ask-context and report-spam take), the \
            inviter's verified card, their note, the relationship as you read it, the context, \
            the expiry and any questions and replies; an introduction also names the connection who \
            introduces you, with their signed note. A request to introduce one of your connections to \
            someone shows both notes; answer it with `vouch introduce forward` or `vouch introduce decline`. \
            --all shows answered, withdrawn and expired ones too.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Show every received invitation, not only the pending ones.")
    var all = false

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let inbox = try await DaemonConnection.call(global.nodeHome, InboxRequest(all: all))
            let entries = inbox.introductions.map { InvitationRendering.introduction($0, output: output) }
                + inbox.invitations.map { InvitationRendering.received($0, output: output) }
            let text = entries.isEmpty ? "No invitations." : entries.joined(separator: "\n")
            output.emit(text: text, json: inbox)
        }
    }
}
