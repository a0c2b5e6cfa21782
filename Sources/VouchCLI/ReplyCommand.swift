import ArgumentParser
import VouchAdmin

struct ReplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reply", abstract: "Answer the invitee's question about an invitation you sent.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The invitation's number (vouch invitations --sent).", valueName: "id"))
    var id: Int64

    @Option(help: ArgumentHelp("What to say (required; up to 1000 bytes).", valueName: "text"))
    var note: String

    func run() async throws {
        try await InvitationAnswering.run(.reply, handle: id, note: note, global: global, done: "Replied")
    }
}
