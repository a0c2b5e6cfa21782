import ArgumentParser
import Foundation
import VouchStore
import VouchProtocol
import VouchCrypto

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Show, edit and export your signed profile.",
        discussion: """
            Your profile is a card: name, headline, organization, role, location, summary, \
            links and endpoints. Each field has an audience: everyone, or your connections only. \
            Every change raises the profile's version, and other nodes never replace a newer \
            version with an older one.
            """,
        subcommands: [ProfileShowCommand.self, ProfileSetCommand.self, ProfileExportCommand.self],
        defaultSubcommand: ProfileShowCommand.self
    )
}
