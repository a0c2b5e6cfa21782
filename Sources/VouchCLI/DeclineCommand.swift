import ArgumentParser
import VouchAdmin

struct DeclineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decline", abstract: "Decline an invitation, silently: nothing is sent, the inviter cannot tell it from no answer.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The invitation's number (vouch inbox).", valueName: "id"))
    var id: Int64

    func run() async throws {
        try await InvitationAnswering.run(.decline, handle: id, global: global, done: "Declined")
    }
}
