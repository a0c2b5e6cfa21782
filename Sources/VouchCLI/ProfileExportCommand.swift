public import ArgumentParser
import VouchCrypto
import Foundation
import VouchProtocol
import VouchStore

struct ProfileExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write your signed profile card.",
        discussion: """
            Signs the view of your profile for an audience (everyone by default: fields you \
            keep for connections are left out) and writes it as armored text, or raw bytes with \
            --binary. Anyone can check it offline with `vouch verify FILE`.

            Example: vouch profile export > card.vouch
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var passphrase: PassphraseOptions

    @Option(help: ArgumentHelp("Whose view to export: everyone or connections.", valueName: "audience"))
    var audience: Audience = .everyone

    @Flag(help: "Write the binary envelope instead of armored text.")
    var binary = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    func run() throws {
        let out = global.output
        try reporting(out) {
            let node = try NodeContext.open(global.nodeHome, access: .readOnly)
            let profile = try node.database.profile()
            guard profile.version > 0 else {
                throw CLIError(.notFound, code: "empty-profile", "the profile is empty: set it first with `vouch profile set`")
            }
            let key = try node.loadKey(passphrase)
            let envelope = try profile.document(for: audience).signed(with: key)
            let bytes = binary ? envelope.encoded : Array(DocumentArmor.armor(envelope.encoded).utf8)
            if let output {
                try SecureFile.replace(URL(fileURLWithPath: output), contents: bytes, mode: 0o644)
                out.emit(text: "Wrote profile version \(profile.version) for \(audience.rawValue) to \(output)",
                         json: ["file": output, "version": profile.version, "audience": audience.rawValue, "bytes": bytes.count])
            } else if global.json {
                out.emit(text: "", json: ["version": profile.version, "audience": audience.rawValue,
                                          "document": DocumentArmor.armor(envelope.encoded)])
            } else {
                FileHandle.standardOutput.write(Data(bytes))
            }
        }
    }
}

extension Audience: ExpressibleByArgument {}
