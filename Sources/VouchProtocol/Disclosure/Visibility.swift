/// Who may learn of a connection, as one side of it chooses (Protocol/disclosure.md §Visibility).
/// Ordered from the narrowest audience to the widest; the audience of a connection is the
/// narrower of its two sides' choices, so each side can only ever narrow it.
public enum Visibility: String, Sendable, CaseIterable, Codable, Comparable {
    /// The two of them only.
    case onlyUs = "only-us"
    /// People connected to both of them.
    case mutual
    /// People connected to either of them.
    case connections
    /// Anyone who asks.
    case everyone

    /// What a side that has not said otherwise chooses: what lets a connection of either side
    /// ask for an introduction (Protocol/introductions.md).
    public static let `default` = Visibility.connections

    private var rank: Int {
        switch self {
        case .onlyUs: 0
        case .mutual: 1
        case .connections: 2
        case .everyone: 3
        }
    }

    public static func < (a: Visibility, b: Visibility) -> Bool { a.rank < b.rank }

    /// Reads a level name; `invalid-value` for any other text.
    public init(name: String) throws(ProtocolError) {
        guard let level = Visibility(rawValue: name) else {
            throw ProtocolError(.invalidValue, "\"\(name)\" is not a visibility (one of \(Visibility.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = level
    }
}

/// The consent rule, written once: whether an observer may learn that two people are connected.
///
/// The audience of a connection is the narrower of its two sides' choices; a side whose choice is
/// not known counts as `only-us` (consent is never assumed). Then `observer` may learn of the
/// connection between `a` and `b` when it is one of them, or when:
///
/// | audience | the observer is |
/// | --- | --- |
/// | `everyone` | anyone |
/// | `connections` | connected to `a` or to `b` |
/// | `mutual` | connected to `a` and to `b` |
/// | `only-us` | never anyone else |
public enum DisclosureRule {
    /// The audience of a connection whose sides chose `a` and `b` (nil: not known).
    public static func audience(_ a: Visibility?, _ b: Visibility?) -> Visibility {
        min(a ?? .onlyUs, b ?? .onlyUs)
    }

    /// Whether an observer connected to one side (`knowsA`) and/or the other (`knowsB`) may
    /// learn of a connection with `audience`. (An observer who is one of the two always may;
    /// callers never ask for that case.)
    public static func allows(_ audience: Visibility, observerConnectedToA knowsA: Bool, toB knowsB: Bool) -> Bool {
        switch audience {
        case .everyone: true
        case .connections: knowsA || knowsB
        case .mutual: knowsA && knowsB
        case .onlyUs: false
        }
    }
}
