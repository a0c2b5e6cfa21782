import ArgumentParser
import VouchAdmin

struct UnblockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unblock", abstract: "Unblock a node.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The node's ID.", valueName: "id"))
    var id: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let answer = try await DaemonConnection.call(global.nodeHome, BlockRemoveRequest(node: id))
            output.emit(text: answer.changed ? "Unblocked \(answer.node)" : "\(answer.node) was already not blocked", json: answer)
        }
    }
}
