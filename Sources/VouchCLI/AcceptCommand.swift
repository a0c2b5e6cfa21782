import ArgumentParser
import VouchAdmin

struct AcceptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accept", abstract: "Accept an invitation: sign the connection record and send it to the inviter.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The invitation's number (vouch inbox).", valueName: "id"))
    var id: Int64

    @Flag(help: "For an introduction: tell the connection who introduced you that you accepted (otherwise they learn nothing).")
    var tellIntroducer = false

    @Option(help: ArgumentHelp("Who may learn of the connection: \(VisibilityHelp.levels).", valueName: "level"))
    var visibility: String?

    func run() async throws {
        try await InvitationAnswering.run(.accept, handle: id, tellIntroducer: tellIntroducer ? true : nil, visibility: visibility,
                                          global: global, done: "Accepted")
    }
}
