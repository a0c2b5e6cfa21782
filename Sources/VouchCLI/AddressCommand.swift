import ArgumentParser
import Foundation
import VouchNode
import VouchProtocol
import VouchStore

struct AddressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "address",
        abstract: "Print this node's shareable address: NODE-ID@host:port.",
        discussion: """
            Give this string to someone who should reach your node. The host and port come \
            from `advertise` in config.json, else from `listen` (with this machine's host name \
            for a wildcard address). Works whether or not the node is running.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let output = global.output
        try reporting(output) {
            let node = try NodeContext.open(global.nodeHome, access: .readOnly)
            let address = try NodeRuntime.shareableAddress(id: node.id, config: try NodeConfig.load(from: node.home))
            output.emit(text: address.description,
                        json: ["address": address.description, "id": node.id.description, "endpoint": address.endpoint.description])
        }
    }
}
