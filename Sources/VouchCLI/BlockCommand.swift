import ArgumentParser
import VouchAdmin

struct BlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "block", abstract: "Block a node, privately: its invitations and messages are acked and dropped, so it cannot tell.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The node's ID.", valueName: "id"))
    var id: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let answer = try await DaemonConnection.call(global.nodeHome, BlockAddRequest(node: id))
            output.emit(text: answer.changed ? "Blocked \(answer.node)" : "\(answer.node) was already blocked", json: answer)
        }
    }
}
