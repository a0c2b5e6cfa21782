import ArgumentParser
import VouchAdmin
import VouchProtocol

struct IntroduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "introduce",
        abstract: "Ask a connection to introduce you to someone, or answer such a request.",
        discussion: """
            An introduction moves only by the introducer's act: your request waits in their inbox \
            until they forward it with a note of their own, or decline it. The person you asked for \
            then answers as for an invitation (vouch accept, decline or ask-context); only when they \
            accept do the two of you learn how to reach each other. See Docs/introductions.md.
            """,
        subcommands: [IntroduceRequestCommand.self, IntroduceForwardCommand.self, IntroduceDeclineCommand.self]
    )
}

struct IntroduceRequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Ask a connection (--via) to introduce you to someone (--to).",
        discussion: """
            Signs an invitation for the person you ask for, naming your connection as introducer, and \
            queues it to the introducer with your note to them. The introducer reads both notes. \
            Whether they know the person, you learn only if they forward the request: a request for \
            someone they are not connected to reads exactly like a decline without a note.

            Relationships (the other person would be your …): \(Relationship.allCases.map(\.rawValue).joined(separator: ", ")).

            Example: vouch introduce request --via 7f3a --to NODE-ID --relationship colleague \\
            --note-to-introducer "Could you introduce me to Dr. Smith? I read her paper on …" \\
            --note-to-target "Bob suggested we talk about …"

            Withdraw it with `vouch withdraw ID` while it is pending; it shows in `vouch invitations --sent`.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The connection to ask: node ID, or a unique prefix of it (4 or more characters).", valueName: "connection"))
    var via: String

    @Option(help: ArgumentHelp("The full node ID of the person you want to be introduced to.", valueName: "node-id"))
    var to: String

    @Option(help: ArgumentHelp("Your note to the introducer (required; up to 1000 bytes).", valueName: "text"))
    var noteToIntroducer: String

    @Option(help: ArgumentHelp("Your note to the person you ask for (required; up to 1000 bytes). The introducer reads it too.",
                               valueName: "text"))
    var noteToTarget: String

    @Option(help: ArgumentHelp("How you would know each other (required).", valueName: "kind"))
    var relationship: String

    @Option(help: ArgumentHelp("Context, one line (up to 500 bytes).", valueName: "text"))
    var context: String?

    func run() async throws {
        let output = global.output
        try await reporting(output) {
            _ = try Relationship(name: relationship)
            try InvitationText.validateNote(noteToIntroducer, label: "--note-to-introducer")
            try InvitationText.validateNote(noteToTarget, label: "--note-to-target")
            if let context { try InvitationText.validateContext(context) }
            let sent = try await DaemonConnection.call(global.nodeHome, IntroductionRequestRequest(
                via: via, to: to, noteToIntroducer: noteToIntroducer, noteToTarget: noteToTarget, relationship: relationship, context: context))
            output.emit(text: "Introduction request \(sent.handle) queued for \(sent.introducer), to introduce you to \(sent.target) (expires \(sent.expiresAt))",
                        json: sent)
        }
    }
}

struct IntroduceForwardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Pass a request on, with your own signed note to the person asked for.",
        discussion: """
            Your note says how well you know the requester and why they should meet. It is signed \
            and becomes part of their connection record if they connect: both of them, and anyone \
            they show the record to, can read it.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The request's number (vouch inbox).", valueName: "id"))
    var id: Int64

    @Option(help: ArgumentHelp("Your note to the person asked for (required; up to 1000 bytes).", valueName: "text"))
    var note: String

    func run() async throws {
        try await IntroductionAnswering.run(.forward, handle: id, note: note, global: global, done: "Forwarded")
    }
}

struct IntroduceDeclineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decline",
        abstract: "Do not pass a request on; the requester learns only that, and your note if you write one.",
        discussion: """
            The requester cannot tell a decline from a request for someone you do not know. The \
            person asked for learns nothing.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The request's number (vouch inbox).", valueName: "id"))
    var id: Int64

    @Option(help: ArgumentHelp("A private note to the requester (optional; up to 1000 bytes).", valueName: "text"))
    var note: String?

    func run() async throws {
        try await IntroductionAnswering.run(.decline, handle: id, note: note, global: global, done: "Declined")
    }
}

/// What forward and decline share: one `introduction.answer` call and one line of output.
enum IntroductionAnswering {
    static func run(_ command: IntroductionCommand, handle: Int64, note: String?, global: GlobalOptions, done: String) async throws {
        let output = global.output
        try await reporting(output) {
            if let note { try InvitationText.validateNote(note, label: "--note") }
            let answer = try await DaemonConnection.call(global.nodeHome, IntroductionAnswerRequest(command: command, handle: handle, note: note))
            output.emit(text: "\(done) (request \(answer.handle), now \(answer.state))", json: answer)
        }
    }
}
