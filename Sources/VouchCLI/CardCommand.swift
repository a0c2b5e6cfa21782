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
            let result = try await DaemonConnection.call(global.nodeHome, "card.send", ["address": .string(address)])
            output.emit(text: "Queued card version \(result["version"]?.intValue ?? 0) for \(result["peer"]?.stringValue ?? "?") "
                            + "(message \(result["message"]?.stringValue ?? "?"), expires \(result["expires_at"]?.stringValue ?? "?"))",
                        json: result.foundationObject)
        }
    }
}

struct CardListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the cards other nodes shared with you.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let result = try await DaemonConnection.call(global.nodeHome, "card.list")
            let cards = result["cards"]?.arrayValue ?? []
            var lines = cards.isEmpty ? ["No cards yet."] : []
            for card in cards {
                let name = card["fields"]?["name"]?.stringValue ?? "(no name)"
                let headline = card["fields"]?["headline"]?.stringValue.map { " — \($0)" } ?? ""
                lines.append("\(output.bold(name))\(headline)\n  \(card["signer"]?.stringValue ?? "?")  version \(card["version"]?.intValue ?? 0), received \(card["received_at"]?.stringValue ?? "?")")
            }
            output.emit(text: lines.joined(separator: "\n"), json: result.foundationObject)
        }
    }
}
