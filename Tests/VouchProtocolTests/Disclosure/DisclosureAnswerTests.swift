import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Disclosure answers")
struct DisclosureAnswerTests {
    typealias D = DisclosureFixtures

    static func node() throws -> NodeID { NodeID(publicKey: try Ed25519PrivateKey().publicKey) }

    /// `count` connections with random ids, sorted by id, each with `audience` and a record of `size` bytes.
    static func candidates(_ count: Int, audience: Visibility = .everyone, size: Int = 100) throws -> [DisclosureCandidate] {
        try (0..<count).map { i in
            DisclosureCandidate(id: SecureRandom.bytes(32), peer: try node(), record: [UInt8](repeating: UInt8(i & 0xff), count: size) + [UInt8(i >> 8)],
                                audience: audience, token: SecureRandom.bytes(32))
        }.sorted { $0.id.lexicographicallyPrecedes($1.id) }
    }

    @Test("what each channel includes, for every audience and asker")
    func include() {
        for audience in Visibility.allCases {
            for askerIsConnection in [false, true] {
                #expect(DisclosureAnswer.include(audience: audience, peerIsAsker: true, askerIsConnection: askerIsConnection, channel: .shown))
                let shown = DisclosureAnswer.include(audience: audience, peerIsAsker: false, askerIsConnection: askerIsConnection, channel: .shown)
                let psi = DisclosureAnswer.include(audience: audience, peerIsAsker: false, askerIsConnection: askerIsConnection, channel: .intersection)
                #expect(shown == (audience == .everyone || audience == .connections && askerIsConnection), "\(audience) \(askerIsConnection)")
                #expect(psi == (audience >= .connections || audience == .mutual && askerIsConnection), "\(audience) \(askerIsConnection)")
            }
        }
    }

    @Test("pages follow the id order from after, at most 256 records, and more says whether another follows")
    func paging() throws {
        let all = try Self.candidates(600)
        let asker = try Self.node()
        var after = ConnectionsQueryBody.first, seen: [[UInt8]] = [], pages = 0
        while true {
            let page = DisclosureAnswer.connectionsPage(all, after: after, asker: asker, askerIsConnection: false)
            pages += 1
            #expect(page.records.count <= 256)
            seen += page.records
            guard page.more else { break }
            after = all.first { $0.record == page.records.last! }!.id
        }
        #expect(pages == 3)
        #expect(seen == all.map(\.record))
    }

    @Test("read in batches of any size, a page is the same", arguments: [1, 2, 7, 512])
    func batches(batch: Int) throws {
        var all = try Self.candidates(40, size: 20)
        for i in all.indices where i % 3 == 0 { all[i].audience = .onlyUs }
        let asker = try Self.node()
        var reads = 0
        let whole = DisclosureAnswer.connectionsPage(all, after: ConnectionsQueryBody.first, asker: asker, askerIsConnection: false,
                                                     maximumBytes: 300, batch: 1_000)
        let batched = DisclosureAnswer.connectionsPage(after: ConnectionsQueryBody.first, asker: asker, askerIsConnection: false,
                                                       maximumBytes: 300, batch: batch) { cursor, limit in
            reads += 1
            #expect(limit == batch)
            return Array(all.filter { cursor.lexicographicallyPrecedes($0.id) }.prefix(limit))
        }
        #expect(batched == whole)
        #expect(whole.records.count == 14 && whole.more)
        #expect(batch >= 40 || reads > 1)
    }

    @Test("a page stays under its byte limit")
    func pageBytes() throws {
        let all = try Self.candidates(5, size: 999)
        let page = DisclosureAnswer.connectionsPage(all, after: ConnectionsQueryBody.first, asker: try Self.node(), askerIsConnection: false,
                                                    maximumBytes: 2_500)
        #expect(page.records.count == 2 && page.more)
        #expect(ConnectionsAnswerBody.maximumBytes == 160_000)
        // The default: records of ~1 KB fill a page at 156, below the 256 limit.
        let big = try Self.candidates(200, size: 1_023)
        let full = DisclosureAnswer.connectionsPage(big, after: ConnectionsQueryBody.first, asker: try Self.node(), askerIsConnection: false)
        #expect(full.records.count == 156 && full.more)
    }

    @Test("a page holds only what the asker may know; a refusal reads like an empty answer")
    func selection() throws {
        var all = try Self.candidates(8)
        let levels: [Visibility] = [.onlyUs, .mutual, .connections, .everyone, .onlyUs, .mutual, .connections, .everyone]
        for i in all.indices { all[i].audience = levels[i] }
        let stranger = try Self.node()
        let forStranger = DisclosureAnswer.connectionsPage(all, after: ConnectionsQueryBody.first, asker: stranger, askerIsConnection: false)
        #expect(forStranger.records == [all[3].record, all[7].record])
        let forConnection = DisclosureAnswer.connectionsPage(all, after: ConnectionsQueryBody.first, asker: all[0].peer, askerIsConnection: true)
        #expect(forConnection.records == [all[0], all[2], all[3], all[6], all[7]].map(\.record), "its own (only-us) and connections or wider")
        let nothing = DisclosureAnswer.connectionsPage(Array(all[0..<2]), after: ConnectionsQueryBody.first, asker: stranger, askerIsConnection: false)
        #expect(nothing == DisclosureAnswer.connectionsPage([], after: ConnectionsQueryBody.first, asker: stranger, askerIsConnection: false))
    }

    @Test("introducer: the record with the target when the asker may know of it, else no record")
    func introducer() throws {
        var all = try Self.candidates(3)
        all[0].audience = .connections
        all[1].audience = .mutual
        let asker = try Self.node()
        #expect(DisclosureAnswer.introducer(all, target: all[0].peer, asker: asker, askerIsConnection: true).record == all[0].record)
        #expect(DisclosureAnswer.introducer(all, target: all[0].peer, asker: asker, askerIsConnection: false).record == nil)
        #expect(DisclosureAnswer.introducer(all, target: all[1].peer, asker: asker, askerIsConnection: true).record == nil,
                "mutual shows only through an intersection")
        #expect(DisclosureAnswer.introducer(all, target: try Self.node(), asker: asker, askerIsConnection: true).record == nil)
        #expect(DisclosureAnswer.introducer(all, target: all[1].peer, asker: all[1].peer, askerIsConnection: true).record == all[1].record)
    }

    @Test("mutual elements: included connections with a token, never the asker's own")
    func mutualElements() throws {
        var all = try Self.candidates(5)
        all[0].audience = .onlyUs
        all[1].audience = .mutual
        all[2].token = nil
        let asker = all[4].peer
        let expected = [all[3]].map { MutualSet.element(peer: $0.peer, token: $0.token!) }
        #expect(DisclosureAnswer.mutualElements(all, asker: asker, askerIsConnection: false) == expected)
        #expect(DisclosureAnswer.mutualElements(all, asker: asker, askerIsConnection: true)
                == [all[1], all[3]].map { MutualSet.element(peer: $0.peer, token: $0.token!) })
    }

    @Test("mutual pages: 4000 elements each, more while some follow, nothing past the end or page 16")
    func mutualPages() {
        let set = (0..<8001).map { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        let pages = (0..<4).map { DisclosureAnswer.mutualPage(set, page: UInt64($0)) }
        #expect(pages.map(\.set.count) == [4000, 4000, 1, 0])
        #expect(pages.map(\.more) == [true, true, false, false])
        #expect(pages.flatMap(\.set) == set)
        #expect(DisclosureAnswer.mutualPage(set, page: 16).set.isEmpty)
        #expect(DisclosureAnswer.mutualPage(set, page: .max).set.isEmpty)
    }
}
