import ArgumentParser
import VouchAdmin

struct BlockedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "blocked", abstract: "List the nodes you blocked.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let list = try await DaemonConnection.call(global.nodeHome, BlockListRequest())
            let text = list.blocked.isEmpty ? "Nobody is blocked." : list.blocked.map { "\($0.node)  since \($0.since)" }.joined(separator: "\n")
            output.emit(text: text, json: list)
        }
    }
}
