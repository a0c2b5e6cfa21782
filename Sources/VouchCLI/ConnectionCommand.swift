import ArgumentParser
import Foundation
import VouchAdmin

struct ConnectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connection",
        abstract: "Show or export one connection record.",
        discussion: "ID is the connection's id from `vouch connections`, or a unique prefix of it (4 or more characters).",
        subcommands: [ConnectionShowCommand.self, ConnectionExportCommand.self, ConnectionVisibilityCommand.self]
    )
}

struct ConnectionShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one connection.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The connection's id or a unique prefix.", valueName: "id"))
    var id: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let shown = try await DaemonConnection.call(global.nodeHome, ConnectionShowRequest(id: id))
            let c = shown.connection
            output.emit(text: ConnectionsCommand.render(c, output: output) + "\n  id \(c.id)\n  invited by \(c.inviter)\n  accepted by \(c.invitee)",
                        json: shown)
        }
    }
}

struct ConnectionExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the connection record, signed by both of you, as armored text.",
        discussion: "Anyone can check it offline with `vouch verify FILE`, which names both signers.\n\nExample: vouch connection export 3f2a > c.vouch"
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The connection's id or a unique prefix.", valueName: "id"))
    var id: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let shown = try await DaemonConnection.call(global.nodeHome, ConnectionShowRequest(id: id))
            if global.json {
                output.emit(text: "", json: shown)
            } else {
                FileHandle.standardOutput.write(Data(shown.record.utf8))
            }
        }
    }
}
