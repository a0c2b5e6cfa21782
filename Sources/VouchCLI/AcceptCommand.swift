import ArgumentParser
import VouchAdmin

struct AcceptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accept", abstract: "Accept an invitation: sign the connection record and send it to the inviter.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The invitation's number (vouch inbox).", valueName: "id"))
    var id: Int64

    func run() async throws {
        try await InvitationAnswering.run(.accept, handle: id, global: global, done: "Accepted")
    }
}
