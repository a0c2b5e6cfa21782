import VouchAdmin
import VouchProtocol

/// What accept, decline, report-spam, ask-context, withdraw and reply share: one
/// `invitation.answer` call and one line of output.
enum InvitationAnswering {
    static func run(_ command: InvitationCommand, handle: Int64, note: String? = nil, tellIntroducer: Bool? = nil, visibility: String? = nil,
                    global: GlobalOptions, done: String) async throws {
        let output = global.output
        try await reporting(output) {
            if let visibility { _ = try Visibility(name: visibility) }
            let answer = try await DaemonConnection.call(global.nodeHome, InvitationAnswerRequest(command: command, handle: handle, note: note,
                                                                                                  tellIntroducer: tellIntroducer, visibility: visibility))
            output.emit(text: "\(done) (invitation \(answer.handle), now \(answer.state))"
                        + (answer.connection.map { "\nConnection \($0)" } ?? ""), json: answer)
        }
    }
}
