import ArgumentParser
import Foundation
import VouchStore
import VouchCrypto
import VouchProtocol

struct IdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Print this node's ID and its short form.",
        discussion: """
            The ID is the node's public key written in eight groups of seven letters and digits \
            with check characters, so it can be read over the phone: a mistyped character is \
            caught. The short form (the first group) is for display only.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let output = global.output
        try reporting(output) {
            let node = try NodeContext.open(global.nodeHome, access: .readOnly)
            output.emit(
                text: "\(node.id)\nshort: \(node.id.shortForm)",
                json: ["id": node.id.description, "short_id": node.id.shortForm,
                       "public_key": Hex.encode(node.id.rawRepresentation)])
        }
    }
}
