import ArgumentParser
import VouchAdmin

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show or set who may invite you and the limits on invitations.",
        discussion: """
            An invitation the policy keeps out is acknowledged exactly like one that reaches \
            your inbox: the sender cannot tell. Defaults: anyone may invite (open), notes of at \
            least 20 characters, at most 200 pending, 30 days before someone you declined can \
            invite you again.
            """,
        subcommands: [PolicyShowCommand.self, PolicySetCommand.self]
    )

    static func render(_ p: PolicyResponse) -> String {
        """
        who may invite:       \(p.whoMayInvite)
        minimum note length:  \(p.minimumNoteLength) characters
        most pending:         \(p.maximumPending)
        cool-down after a decline: \(p.declineCooldownDays) days
        """
    }
}

struct PolicyShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the invitation policy.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let policy = try await DaemonConnection.call(global.nodeHome, PolicyShowRequest())
            output.emit(text: PolicyCommand.render(policy), json: policy)
        }
    }
}

struct PolicySetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Change the invitation policy; options not given are kept.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("who-may-invite"), help: ArgumentHelp("open (anyone), introduced (only through an introduction), or nobody.", valueName: "who"))
    var whoMayInvite: String?

    @Option(name: .customLong("min-note-length"), help: ArgumentHelp("The least number of non-space characters a note must have (0 … 1000).", valueName: "n"))
    var minimumNoteLength: Int?

    @Option(name: .customLong("max-pending"), help: ArgumentHelp("The most invitations pending in your inbox (1 … 10000).", valueName: "n"))
    var maximumPending: Int?

    @Option(name: .customLong("cooldown-days"), help: ArgumentHelp("Days after a decline before the same person's invitations reach you again (0 … 365).", valueName: "days"))
    var declineCooldownDays: Int?

    func validate() throws {
        if whoMayInvite == nil && minimumNoteLength == nil && maximumPending == nil && declineCooldownDays == nil {
            throw ValidationError("nothing to set: give --who-may-invite, --min-note-length, --max-pending or --cooldown-days")
        }
    }

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            let policy = try await DaemonConnection.call(global.nodeHome, PolicySetRequest(
                whoMayInvite: whoMayInvite, minimumNoteLength: minimumNoteLength, maximumPending: maximumPending,
                declineCooldownDays: declineCooldownDays))
            output.emit(text: PolicyCommand.render(policy), json: policy)
        }
    }
}
