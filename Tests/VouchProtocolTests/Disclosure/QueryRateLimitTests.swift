import Testing
import VouchCrypto
import VouchProtocol

@Suite("Query rate limit")
struct QueryRateLimitTests {
    static func node() throws -> NodeID { NodeID(publicKey: try Ed25519PrivateKey().publicKey) }
    static let connections = Query.connections(ConnectionsQueryBody())
    static func introducer(_ target: NodeID) -> Query { .introducer(IntroducerQueryBody(target: target)) }

    @Test("an asker gets the burst, then the hourly rate; the content of the query never matters")
    func burstThenRate() throws {
        var limits = QueryRateLimit.Limits()
        limits.introducer = .init(burst: 3, perHour: 2)
        var limit = QueryRateLimit(limits: limits)
        let asker = try Self.node()
        var answers: [Bool] = []
        for _ in 0..<4 { answers.append(limit.admit(Self.introducer(try Self.node()), from: asker, now: .zero)) }
        #expect(answers == [true, true, true, false])
        // Asking about someone else, or the same target again, is refused alike.
        let ok1 = limit.admit(Self.introducer(asker), from: asker, now: .seconds(1))
        #expect(!ok1)
        let ok2 = limit.admit(Self.introducer(try Self.node()), from: asker, now: .seconds(1799))
        #expect(!ok2)
        let ok3 = limit.admit(Self.introducer(try Self.node()), from: asker, now: .seconds(1800))
        #expect(ok3)
        let ok4 = limit.admit(Self.introducer(try Self.node()), from: asker, now: .seconds(1800))
        #expect(!ok4)
    }

    @Test("each asker and each kind of query has its own bucket")
    func separateBuckets() throws {
        var limits = QueryRateLimit.Limits()
        limits.connections = .init(burst: 1, perHour: 1)
        limits.introducer = .init(burst: 1, perHour: 1)
        limits.mutual = .init(burst: 1, perHour: 1)
        var limit = QueryRateLimit(limits: limits)
        let a = try Self.node(), b = try Self.node()
        let mutual = Query.mutual(MutualQueryBody(query: [UInt8](repeating: 1, count: 16), page: 0, elements: []))
        let ok5 = limit.admit(Self.connections, from: a, now: .zero)
        #expect(ok5)
        let ok6 = limit.admit(Self.connections, from: a, now: .zero)
        #expect(!ok6)
        let ok7 = limit.admit(Self.introducer(b), from: a, now: .zero)
        #expect(ok7)
        let ok8 = limit.admit(mutual, from: a, now: .zero)
        #expect(ok8)
        let ok9 = limit.admit(mutual, from: a, now: .zero)
        #expect(!ok9)
        let ok10 = limit.admit(Self.connections, from: b, now: .zero)
        #expect(ok10)
    }

    @Test("the defaults: 40 pages of connections, 20 introducer questions, 32 pages of intersection at once")
    func defaults() throws {
        var limit = QueryRateLimit()
        let asker = try Self.node()
        let mutual = Query.mutual(MutualQueryBody(query: [UInt8](repeating: 1, count: 16), page: 0, elements: []))
        for (query, burst) in [(Self.connections, 40), (Self.introducer(asker), 20), (mutual, 32)] {
            let admitted = (0..<(burst + 5)).filter { _ in limit.admit(query, from: asker, now: .zero) }.count
            #expect(admitted == burst, "\(query.type)")
        }
    }

    @Test("the table of askers is bounded: when full of askers still limited, a new one is refused")
    func bounded() throws {
        var limits = QueryRateLimit.Limits()
        limits.maximumTracked = 2
        var limit = QueryRateLimit(limits: limits)
        let ok11 = limit.admit(Self.connections, from: try Self.node(), now: .zero)
        #expect(ok11)
        let ok12 = limit.admit(Self.connections, from: try Self.node(), now: .zero)
        #expect(ok12)
        let ok13 = limit.admit(Self.connections, from: try Self.node(), now: .zero)
        #expect(!ok13)
        // Once the others' buckets have refilled they are forgotten and make room.
        let ok14 = limit.admit(Self.connections, from: try Self.node(), now: .seconds(3600))
        #expect(ok14)
    }
}
