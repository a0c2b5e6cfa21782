import ArgumentParser
import Foundation
import VouchAdmin

struct CardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Share your profile card with a node, and list the cards shared with you.",
        discussion: """
            A card is the signed view of your profile for everyone (connections-only fields \
            are left out). Sending one queues it in your node's outbox: it is delivered when the \
            other node is reachable, retried with backoff until it expires after 7 days, and \
            stored there once. An older version never replaces a newer one.
            """,
        subcommands: [CardSendCommand.self, CardListCommand.self]
    )
}

struct CardSendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "send", abstract: "Queue your card for a node.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The node to send it to, as NODE-ID@host:port.", valueName: "address"))
    var address: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let queued = try await DaemonConnection.call(global.nodeHome, CardSendRequest(address: address))
            output.emit(text: "Queued card version \(queued.version) for \(queued.peer) (message \(queued.message), expires \(queued.expiresAt))"
                            + CommandHint.which(global.nodeHome),
                        json: queued)
        }
    }
}

struct CardListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the cards other nodes shared with you.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let list = try await DaemonConnection.call(global.nodeHome, CardListRequest())
            var lines = list.cards.isEmpty ? ["No cards yet."] : []
            for card in list.cards {
                // A card need not carry a name; one whose stored document no longer reads has no fields.
                let name = card.fields?["name"] ?? (card.fields == nil ? "(unreadable card)" : "(no name)")
                let headline = card.fields?["headline"].map { " — \($0)" } ?? ""
                lines.append("\(output.bold(name))\(headline)\n  \(card.signer)  version \(card.version), received \(card.receivedAt)")
            }
            output.emit(text: lines.joined(separator: "\n"), json: list)
        }
    }
}
