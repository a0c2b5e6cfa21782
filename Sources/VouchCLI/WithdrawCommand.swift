import ArgumentParser
import VouchAdmin

struct WithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Withdraw an invitation you sent; it leaves the invitee's inbox.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The invitation's number (vouch invitations --sent).", valueName: "id"))
    var id: Int64

    func run() async throws {
        try await InvitationAnswering.run(.withdraw, handle: id, global: global, done: "Withdrawn")
    }
}
