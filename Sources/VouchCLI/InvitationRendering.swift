import VouchAdmin
import VouchProtocol

/// How invitations read in the terminal. Everything from the inviter is escaped: a note may
/// hold anything its writer put there.
enum InvitationRendering {
    static func received(_ i: ReceivedInvitationInfo, output: Output) -> String {
        let name = i.card["name"].map(UntrustedText.escaped) ?? "(no name)"
        let headline = i.card["headline"].map { " — \(UntrustedText.escaped($0))" } ?? ""
        var lines = ["\(output.bold("[\(i.handle)]")) \(output.bold(name))\(headline)  \(i.state)",
                     "  from \(i.inviter)",
                     "  \(phrase(i.yourRelationship))" + (i.context.map { ": \(UntrustedText.escaped($0))" } ?? ""),
                     "  note: \(UntrustedText.escaped(i.note))",
                     "  expires \(i.expiresAt)" + (i.crossing ? " (it crossed your own invitation, which was withdrawn)" : "")]
        if let introducer = i.introducer {
            lines.insert("  introduced by \(introducer)" + (i.introducerNote.map { ": \(UntrustedText.escaped($0))" } ?? ""), at: 2)
        }
        lines += thread(i.thread)
        return lines.joined(separator: "\n")
    }

    /// A request to introduce one of your connections to someone.
    static func introduction(_ i: IntroductionRequestInfo, output: Output) -> String {
        let name = i.card["name"].map(UntrustedText.escaped) ?? "(no name)"
        var lines = ["\(output.bold("[\(i.handle)]")) introduction: \(output.bold(name)) asks you to introduce them  \(i.state)",
                     "  from \(i.requester)",
                     "  to   \(i.target)" + (i.connectedToTarget ? "" : " (not one of your connections: you can only decline)"),
                     "  \(phrase(i.relationship))" + (i.context.map { ": \(UntrustedText.escaped($0))" } ?? ""),
                     "  note to you: \(UntrustedText.escaped(i.noteToIntroducer))",
                     "  note to them: \(UntrustedText.escaped(i.noteToTarget))",
                     "  expires \(i.expiresAt)"]
        if let mine = i.yourNote { lines.append("  your note: \(UntrustedText.escaped(mine))") }
        if i.accepted { lines.append("  they told you they accepted") }
        return lines.joined(separator: "\n")
    }

    static func sent(_ i: SentInvitationInfo, output: Output) -> String {
        var lines = ["\(output.bold("[\(i.handle)]")) to \(i.invitee)  \(i.state)",
                     "  \(phrase(i.relationship))" + (i.context.map { ": \(UntrustedText.escaped($0))" } ?? ""),
                     "  note: \(UntrustedText.escaped(i.note))",
                     "  expires \(i.expiresAt)"]
        if let introducer = i.introducer {
            lines.insert("  through \(introducer)" + (i.introducerNote.map { ", who wrote: \(UntrustedText.escaped($0))" } ?? ""), at: 1)
        }
        lines += thread(i.thread)
        return lines.joined(separator: "\n")
    }

    /// A relationship as the reader reads it ("the other is my …"), in words.
    static func phrase(_ relationship: String) -> String {
        switch relationship {
        case "colleague": "colleagues"
        case "classmate": "classmates"
        case "friend": "friends"
        case "family": "family"
        case "met-at-event": "met at an event"
        case "other": "other"
        default: "they are your \(relationship)"
        }
    }

    static func thread(_ entries: [ThreadEntryInfo]) -> [String] {
        entries.map { "  \($0.kind == "question" ? "asked" : "replied") \($0.at): \(UntrustedText.escaped($0.note))" }
    }
}
