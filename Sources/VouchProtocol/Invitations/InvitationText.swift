/// The text rules of the invitation flow (Protocol/invitations.md §Texts). They add to the
/// profile's text rule (not empty, a byte limit, no control or invisible characters) one rule:
/// a note must say something, so a note of white space only is refused like an empty one. That
/// rule is what makes "an invitation without a personal note" impossible rather than merely rare.
public enum InvitationText {
    /// A note: the invitation's personal note, a context question, a reply.
    public static let noteMaximumBytes = 1_000
    /// The one-line `context` of an invitation ("we built the billing system at Acme, 2019–2021").
    public static let contextMaximumBytes = 500

    /// A note: 1 … 1000 UTF-8 bytes, line feeds allowed, not only white space.
    public static func validateNote(_ note: String, label: String = "note") throws(ProtocolError) {
        try validate(note, label: label, maximumBytes: noteMaximumBytes, allowsNewlines: true)
    }

    /// A context: 1 … 500 UTF-8 bytes on one line, not only white space.
    public static func validateContext(_ context: String) throws(ProtocolError) {
        try validate(context, label: "context", maximumBytes: contextMaximumBytes, allowsNewlines: false)
    }

    /// The scalars of `text` that are not white space: what a minimum note length counts
    /// (`InvitationPolicy.minimumNoteLength`), so padding cannot meet it.
    public static func meaningfulLength(_ text: String) -> Int {
        text.unicodeScalars.count { !$0.properties.isWhitespace }
    }

    static func validate(_ text: String, label: String, maximumBytes: Int, allowsNewlines: Bool) throws(ProtocolError) {
        do {
            try ProfileText.validate(text, label: label, maximumBytes: maximumBytes, allowsNewlines: allowsNewlines)
        } catch let error as ProtocolError {
            throw error
        } catch {
            throw ProtocolError(.invalidText, "\(label): \(error)")
        }
        guard meaningfulLength(text) > 0 else {
            throw ProtocolError(.invalidValue, "\(label) is only white space: say something")
        }
    }
}
