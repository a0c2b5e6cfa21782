import ArgumentParser
import Foundation
import VouchStore
import VouchProtocol
import VouchCrypto

struct ProfileShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show your profile with the audience of each field."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let output = global.output
        try reporting(output) {
            let node = try NodeContext.open(global.nodeHome, access: .readOnly)
            let profile = try node.database.profile()
            var json = ProfileRendering.json(profile)
            json["id"] = node.id.description
            output.emit(text: ProfileRendering.text(profile, output: output), json: json)
        }
    }
}
