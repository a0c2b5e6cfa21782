import Testing
@testable import VouchProtocol

@Suite("The consent rule")
struct DisclosureRuleTests {
    /// The levels from the narrowest audience to the widest, as Protocol/disclosure.md §2 lists them.
    static let order = ["only-us", "mutual", "connections", "everyone"]

    @Test("the audience is the narrower of the two choices; an unknown choice counts as only-us")
    func narrowerWins() {
        let choices: [Visibility?] = [nil] + Visibility.allCases
        for a in choices {
            for b in choices {
                let rank = { (v: Visibility?) in v.map { Self.order.firstIndex(of: $0.rawValue)! } ?? 0 }
                #expect(DisclosureRule.audience(a, b).rawValue == Self.order[min(rank(a), rank(b))], "\(String(describing: a)), \(String(describing: b))")
                #expect(DisclosureRule.audience(a, b) == DisclosureRule.audience(b, a))
            }
        }
    }

    @Test("who may learn of a connection, for each audience")
    func allowed() {
        let table: [(Visibility, Bool, Bool, Bool)] = [
            (.onlyUs, false, false, false), (.onlyUs, true, false, false), (.onlyUs, false, true, false), (.onlyUs, true, true, false),
            (.mutual, false, false, false), (.mutual, true, false, false), (.mutual, false, true, false), (.mutual, true, true, true),
            (.connections, false, false, false), (.connections, true, false, true), (.connections, false, true, true), (.connections, true, true, true),
            (.everyone, false, false, true), (.everyone, true, false, true), (.everyone, false, true, true), (.everyone, true, true, true),
        ]
        for (audience, knowsA, knowsB, expected) in table {
            #expect(DisclosureRule.allows(audience, observerConnectedToA: knowsA, toB: knowsB) == expected, "\(audience) \(knowsA) \(knowsB)")
        }
    }

    @Test("level names read exactly; anything else is invalid-value")
    func names() throws {
        #expect(Visibility.allCases.map(\.rawValue) == Self.order)
        for name in Self.order { #expect(try Visibility(name: name).rawValue == name) }
        for name in ["Only-us", "only us", "all", ""] { expectProtocolError(.invalidValue) { try Visibility(name: name) } }
        #expect(Visibility.default == .connections)
    }
}
