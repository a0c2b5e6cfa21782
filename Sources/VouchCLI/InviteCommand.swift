import ArgumentParser
import Foundation
import VouchAdmin
import VouchProtocol

struct InviteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invite",
        abstract: "Invite someone to connect, with a personal note and how you know each other.",
        discussion: """
            Signs an invitation for the node at ADDRESS and queues it in your outbox: it waits \
            there while that node is offline and arrives when it is back, until the invitation \
            expires (14 days). The note and the relationship are required: an invitation \
            without them is not sent, and no node accepts one. Your card for everyone goes with it, \
            so your profile must be set and name an endpoint the other node can answer at.

            Relationships (the other person is your …): \(Relationship.allCases.map(\.rawValue).joined(separator: ", ")). \
            With `other`, --context is required.

            Example: vouch invite NODE-ID@host:7400 --relationship colleague \
            --note "We built the billing system together" --context "Acme, 2019–2021"
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The node to invite, as NODE-ID@host:port.", valueName: "address"))
    var address: String

    @Option(help: ArgumentHelp("Your personal note (required; up to 1000 bytes).", valueName: "text"))
    var note: String

    @Option(help: ArgumentHelp("How you know each other (required): one of the kinds listed below.", valueName: "kind"))
    var relationship: String

    @Option(help: ArgumentHelp("Where and when you knew each other, one line (up to 500 bytes).", valueName: "text"))
    var context: String?

    @Option(help: ArgumentHelp("Who may learn of the connection once made: \(VisibilityHelp.levels).", valueName: "level"))
    var visibility: String?

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            // Checked here too, so a blank note never reaches the node; the node checks again.
            _ = try Relationship(name: relationship)
            try InvitationText.validateNote(note)
            if let context { try InvitationText.validateContext(context) }
            if let visibility { _ = try Visibility(name: visibility) }
            let sent = try await DaemonConnection.call(global.nodeHome, InvitationSendRequest(address: address, note: note, relationship: relationship,
                                                                                              context: context, visibility: visibility))
            output.emit(text: "Invitation \(sent.handle) queued for \(sent.invitee) (expires \(sent.expiresAt))", json: sent)
        }
    }
}
