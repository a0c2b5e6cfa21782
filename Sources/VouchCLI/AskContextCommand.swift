import ArgumentParser
import VouchAdmin

struct AskContextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ask-context", abstract: "Ask the inviter for context (where you met, what you worked on); the invitation stays pending.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The invitation's number (vouch inbox).", valueName: "id"))
    var id: Int64

    @Option(help: ArgumentHelp("What to say (required; up to 1000 bytes).", valueName: "text"))
    var note: String

    func run() async throws {
        try await InvitationAnswering.run(.askContext, handle: id, note: note, global: global, done: "Asked; the question is queued")
    }
}
