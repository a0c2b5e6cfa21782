import ArgumentParser
import VouchAdmin
import VouchProtocol

/// The visibility levels in words, for help texts.
enum VisibilityHelp {
    static let levels = "only-us (the two of you), mutual (people connected to both of you), connections (people connected to " +
        "either of you; the default) or everyone"
}

struct ConnectionVisibilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visibility",
        abstract: "Choose who may learn of one connection.",
        discussion: """
            LEVEL is \(VisibilityHelp.levels). The other side chooses too, and the narrower choice \
            holds: you can only ever narrow who learns of it. Your choice is your own signed \
            statement; the other node is told. See Docs/visibility.md.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The connection's id or a unique prefix.", valueName: "id"))
    var id: String

    @Argument(help: ArgumentHelp("only-us, mutual, connections or everyone.", valueName: "level"))
    var level: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            _ = try Visibility(name: level)
            let set = try await DaemonConnection.call(global.nodeHome, ConnectionVisibilityRequest(id: id, level: level))
            output.emit(text: "Connection \(set.id.prefix(12)): you chose \(set.visibility), they chose \(set.peerVisibility ?? "(not known yet)"); "
                        + "visible to \(set.audience)", json: set)
        }
    }
}

struct ConnectionsOfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections-of",
        abstract: "Ask a node which of its connections you may know of.",
        discussion: """
            PEER is an address (NODE-ID@host:port) or one of your connections (node ID or a unique \
            prefix). Its node answers only with the connections whose two sides both let you know \
            of them; each record is checked here (both signatures). Connections visible to mutual \
            connections only show through `vouch mutual`.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The node to ask.", valueName: "peer"))
    var peer: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let answer = try await DaemonConnection.call(global.nodeHome, ConnectionsOfRequest(peer: peer))
            let lines = answer.connections.map { c in
                "\(output.bold(c.name.map(UntrustedText.escaped) ?? c.shortID)) \(c.node)\n  \(InvitationRendering.phrase(c.relationship))"
                    + (c.context.map { ": \(UntrustedText.escaped($0))" } ?? "") + "  since \(c.since)"
                    + (c.introducedBy.map { "\n  introduced by \($0)" } ?? "")
            }
            output.emit(text: lines.isEmpty ? "No connections of theirs that you may know of." : lines.joined(separator: "\n"), json: answer)
        }
    }
}

struct MutualCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutual",
        abstract: "Find the connections you and a peer have in common, privately.",
        discussion: """
            A private set intersection (X25519 through OpenSSL): you learn who you both know, among \
            the connections the peer's side allows; neither node learns anything about the other's \
            other connections, and the peer learns nothing at all. PEER is an address or one of \
            your connections.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The node to compare with.", valueName: "peer"))
    var peer: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let answer = try await DaemonConnection.call(global.nodeHome, MutualRequest(peer: peer))
            output.emit(text: answer.mutual.isEmpty ? "No connections in common that you may know of."
                            : answer.mutual.map { PeopleRendering.line($0, output: output) }.joined(separator: "\n"), json: answer)
        }
    }
}

struct WhoCanIntroduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "who-can-introduce",
        abstract: "Ask your connections which of them can introduce you to someone.",
        discussion: """
            Each of your connections answers only if its own connection with that person lets you \
            know of it, and shows the co-signed record, checked here. Use the answer with \
            `vouch introduce request --via CONNECTION --to ID`.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The full node ID of the person you would like to meet.", valueName: "id"))
    var id: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let answer = try await DaemonConnection.call(global.nodeHome, WhoCanIntroduceRequest(target: id))
            var lines = answer.introducers.isEmpty ? ["None of your connections can introduce you (that you may know of)."]
                : answer.introducers.map { PeopleRendering.line($0, output: output) }
            if !answer.unreachable.isEmpty {
                lines.append("Not reachable now: " + answer.unreachable.map { $0.name.map(UntrustedText.escaped) ?? $0.shortID }.joined(separator: ", "))
            }
            output.emit(text: lines.joined(separator: "\n"), json: answer)
        }
    }
}

enum PeopleRendering {
    static func line(_ p: PersonInfo, output: Output) -> String {
        "\(output.bold(p.name.map(UntrustedText.escaped) ?? p.shortID))  \(p.node)"
    }
}
