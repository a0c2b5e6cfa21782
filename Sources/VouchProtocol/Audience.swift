/// Who may see a profile field (Protocol/profile.md). Later documents (vouches) have a wider
/// set of audiences of their own; this one is about the owner's own card.
public enum Audience: String, Sendable, CaseIterable, Comparable, Codable {
    /// Anyone holding the card.
    case everyone
    /// Only nodes the owner has a vouch with.
    case connections

    /// Narrower audiences sort after wider ones: a field is in a view when its audience is at
    /// most as narrow as the view's.
    private var rank: Int { self == .everyone ? 0 : 1 }
    public static func < (a: Audience, b: Audience) -> Bool { a.rank < b.rank }

    /// True when a field with this audience belongs in a view made for `viewer`.
    public func isVisible(to viewer: Audience) -> Bool { self <= viewer }
}
