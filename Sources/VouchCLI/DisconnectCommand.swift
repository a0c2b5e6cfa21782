import ArgumentParser
import VouchAdmin

struct DisconnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disconnect",
        abstract: "End a connection: a signed removal goes to the other node, and both drop the record.",
        discussion: "The removal waits in your outbox while the other node is offline (up to 30 days)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The connection's id or a unique prefix (vouch connections).", valueName: "id"))
    var id: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let removed = try await DaemonConnection.call(global.nodeHome, ConnectionRemoveRequest(id: id))
            output.emit(text: "Disconnected from \(removed.peer) (connection \(removed.id); removal queued as message \(removed.message))",
                        json: removed)
        }
    }
}
