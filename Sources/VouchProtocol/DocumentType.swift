/// The kinds of signed document. The type name and version are inside the signed bytes, so a
/// signature made for one kind can never verify as another (Protocol/envelope.md).
public struct DocumentType: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    /// The payload format versions this implementation reads.
    public let versions: ClosedRange<UInt64>

    public static let profile = DocumentType(name: "vouch.profile", versions: 1...1)
    /// An inviter's signed terms of a connection (Protocol/invitations.md).
    /// Format 2 names an introducer (Protocol/introductions.md).
    public static let invitation = DocumentType(name: "vouch.invitation", versions: 1...2)
    /// The invitee's signature over the inviter's exact invitation: the connection record.
    /// Format 2 accepts an introduced invitation and carries the introducer's signed note.
    public static let acceptance = DocumentType(name: "vouch.acceptance", versions: 1...2)
    /// Either side's signed end of a connection.
    public static let connectionRemoval = DocumentType(name: "vouch.connection-removal", versions: 1...1)
    /// An introducer's signed note to the person introduced (Protocol/introductions.md).
    public static let introduction = DocumentType(name: "vouch.introduction", versions: 1...1)
    /// One side's choice of who may learn of a connection (Protocol/disclosure.md).
    public static let visibility = DocumentType(name: "vouch.visibility", versions: 1...1)

    /// Every type this implementation can verify and read.
    public static let known: [DocumentType] = [.profile, .invitation, .acceptance, .connectionRemoval, .introduction, .visibility]

    public static func named(_ name: String) -> DocumentType? {
        known.first { $0.name == name }
    }

    public var description: String { name }
}
