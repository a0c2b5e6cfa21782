import ArgumentParser
import VouchAdmin
import VouchProtocol
import VouchStore

/// `vouch relay add|list|remove`: the relays in config.json (Protocol/relay.md,
/// Docs/running-behind-nat.md). A running node is told the new list (`relay.set`) and joins or
/// leaves at once.
struct RelayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Add, list or remove the relays through which others reach this node.",
        discussion: """
            A node behind a NAT (or one with `listen: none`) is reached through a relay: a \
            Syncthing relay server (strelaysrv) that the node joins and that splices other \
            nodes' connections to it. The relay sees only ciphertext: the vouch/1 TLS session \
            with key pinning runs inside the relayed stream. Give the URI strelaysrv prints, \
            relay://HOST:PORT/?id=RELAY-ID (other parameters are ignored). Relays are kept in \
            config.json; a running node joins an added relay and leaves a removed one at once.
            """,
        subcommands: [RelayAddCommand.self, RelayListCommand.self, RelayRemoveCommand.self]
    )
}

struct RelayAnswer: Encodable {
    let relays: [String]
    /// Whether a running node must be restarted to use the change (it could not be told).
    let restartNeeded: Bool
    /// The running node's relays after the change, as in `vouch status`; absent when it does not run.
    let state: [StatusResponse.RelayInfo]?

    enum CodingKeys: String, CodingKey {
        case relays, state
        case restartNeeded = "restart_needed"
    }
}

/// Reads config.json, changes its relays, writes it back, and tells a running node the new list
/// (`relay.set`), which joins or leaves at once.
private func editRelays(_ global: GlobalOptions, _ change: (inout [RelayURI]) throws -> Void) async throws -> RelayAnswer {
    let home = global.nodeHome
    let node = try NodeContext.open(home, access: .readOnly)
    var config = try NodeConfig.load(from: node.home)
    try change(&config.relays)
    try config.save(to: node.home)
    let relays = config.relays.map(\.description)
    guard (try? await DaemonConnection.call(home, StatusRequest())) != nil else {
        return RelayAnswer(relays: relays, restartNeeded: false, state: nil)
    }
    let told = try? await DaemonConnection.call(home, RelaySetRequest(relays: relays))
    return RelayAnswer(relays: relays, restartNeeded: told == nil, state: told?.relays)
}

private func render(_ answer: RelayAnswer) -> String {
    let list = answer.relays.isEmpty ? "no relays" : answer.relays.joined(separator: "\n")
    if answer.restartNeeded { return list + "\nrestart the node (vouch stop; vouch run) to use the change" }
    return answer.state == nil ? list : list + "\nthe running node uses them now (vouch relay list shows whether it joined)"
}

struct RelayAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Join this relay (as strelaysrv prints its URI).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The relay's URI: relay://HOST:PORT/?id=RELAY-ID", valueName: "uri"))
    var uri: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let relay = try RelayURI(parsing: uri)
            let answer = try await editRelays(global) { relays in
                if !relays.contains(relay) { relays.append(relay) }
            }
            output.emit(text: render(answer), json: answer)
        }
    }
}

struct RelayRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Stop using this relay.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The relay's URI, as `vouch relay list` prints it (or as strelaysrv does).", valueName: "uri"))
    var uri: String

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let relay = try RelayURI(parsing: uri)
            let answer = try await editRelays(global) { relays in
                guard relays.contains(relay) else {
                    throw CLIError(.notFound, code: "not-found", "\(relay) is not one of this node's relays (vouch relay list)")
                }
                relays.removeAll { $0 == relay }
            }
            output.emit(text: render(answer), json: answer)
        }
    }
}

struct RelayListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The relays in config.json, and, when the node runs, whether it has joined each.")

    @OptionGroup var global: GlobalOptions

    struct Answer: Encodable {
        let relays: [String]
        /// From the running node; absent when it does not run.
        let state: [StatusResponse.RelayInfo]?
    }

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let node = try NodeContext.open(global.nodeHome, access: .readOnly)
            let relays = try NodeConfig.load(from: node.home).relays.map(\.description)
            let state = (try? await DaemonConnection.call(global.nodeHome, StatusRequest()))?.relays
            var lines = relays.isEmpty ? ["no relays (vouch relay add URI)"] : []
            for relay in relays {
                guard let info = state?.first(where: { $0.uri == relay }) else {
                    lines.append(state == nil ? "\(relay)  (node not running)" : "\(relay)  (restart the node to join it)")
                    continue
                }
                lines.append("\(relay)  \(StatusCommand.relayState(info))")
            }
            output.emit(text: lines.joined(separator: "\n"), json: Answer(relays: relays, state: state))
        }
    }
}
