import ArgumentParser
import VouchAdmin

struct ReportSpamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report-spam", abstract: "Decline an invitation and block its sender; the sender learns nothing.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The invitation's number (vouch inbox).", valueName: "id"))
    var id: Int64

    func run() async throws {
        try await InvitationAnswering.run(.reportSpam, handle: id, global: global, done: "Reported as spam and blocked the sender")
    }
}
