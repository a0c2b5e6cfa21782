import ArgumentParser
import Foundation
import VouchAdmin
import VouchNode
import VouchProtocol
import VouchStore

struct AddressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "address",
        abstract: "Print this node's shareable address: NODE-ID@host:port.",
        discussion: """
            Give this string to someone who should reach your node. The host and port come \
            from `advertise` in config.json, else from the address the node listens on (with this \
            machine's host name for a wildcard address). When the node is running it is asked, \
            so a `vouch run --listen` override counts; otherwise config.json is read. The address \
            alone goes to standard output; a warning goes to standard error when others may not \
            reach it (a loopback, private or host-name address), with how to set `advertise`.
            """
    )

    @OptionGroup var global: GlobalOptions

    struct Answer: Encodable {
        let address: String
        let id: String
        let endpoint: String
        /// `running-node` or `config.json`.
        let source: String
        let reach: String
        let warning: String?
    }

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let home = global.nodeHome
            let node = try NodeContext.open(home, access: .readOnly)
            let address: NodeAddress
            let source: String
            if let answer = try? await DaemonConnection.call(home, AddressRequest()) {
                address = try NodeAddress(parsing: answer.address)
                source = "running-node"
            } else {
                address = try NodeRuntime.shareableAddress(id: node.id, config: try NodeConfig.load(from: node.home))
                source = "config.json"
            }
            let reach = EndpointReach(address.endpoint)
            let warning = reach.warning.map {
                "\($0); if others should reach this node, put the address they can dial in `advertise` in \(home.configFile.path)"
                    + " (Docs/running.md)"
            }
            if let warning, !global.json { Output.writeLine("vouch: warning: \(warning)", to: .standardError) }
            output.emit(text: address.description,
                        json: Answer(address: address.description, id: node.id.description, endpoint: address.endpoint.description,
                                     source: source, reach: reach.rawValue, warning: warning))
        }
    }
}
