/// How the two people in an invitation know each other (Protocol/invitations.md §Relationship):
/// a closed set, so every node can show, sort and filter it the same way and no invitation can
/// arrive with an empty or made-up relationship. Free words go in the invitation's `context`.
///
/// The inviter states it, read as "the invitee is my …": `mentor` means the invitee mentors the
/// inviter. Four kinds have a direction; the invitee reads them through `inverse`.
public enum Relationship: String, Sendable, CaseIterable, Codable {
    /// We work or worked in the same organization.
    case colleague
    /// We study or studied together.
    case classmate
    /// The invitee is (or was) my client.
    case client
    /// The invitee supplies (or supplied) me: I am their client.
    case supplier
    /// The invitee mentors (or mentored) me.
    case mentor
    /// I mentor (or mentored) the invitee.
    case mentee
    /// We met at a conference, meetup or other event.
    case metAtEvent = "met-at-event"
    case friend
    case family
    /// None of the above; `context` is then required, so "other" never stands alone.
    case other

    /// The same relationship seen from the invitee's side ("the inviter is my …").
    public var inverse: Relationship {
        switch self {
        case .client: .supplier
        case .supplier: .client
        case .mentor: .mentee
        case .mentee: .mentor
        case .colleague, .classmate, .metAtEvent, .friend, .family, .other: self
        }
    }

    /// Reads a relationship name; `invalid-value` for anything outside the set (names are exact:
    /// `Colleague` is not one).
    public init(name: String) throws(ProtocolError) {
        guard let known = Relationship(rawValue: name) else {
            throw ProtocolError(.invalidValue, "relationship \"\(UntrustedText.escaped(name))\" is not one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = known
    }
}
