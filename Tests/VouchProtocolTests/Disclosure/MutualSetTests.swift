import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Private set intersection (X25519)")
struct MutualSetTests {
    typealias D = DisclosureFixtures

    static func node() throws -> NodeID { NodeID(publicKey: try Ed25519PrivateKey().publicKey) }

    @Test("an element is SHA-256 of [context, key, token] with the top bit cleared; it depends on both")
    func element() throws {
        let e = MutualSet.element(peer: D.a, token: D.filled(1))
        var expected = SHA256.hash(CBORValue.array([.text("vouch mutual v1"), .bytes(D.a.rawRepresentation), .bytes(D.filled(1))]).encoded)
        expected[31] &= 0x7f
        #expect(e == expected)
        #expect(e[31] & 0x80 == 0)
        #expect(e != MutualSet.element(peer: D.b, token: D.filled(1)))
        #expect(e != MutualSet.element(peer: D.a, token: D.filled(2)))
    }

    @Test("the intersection the asker computes is exactly the common elements, on random sets", arguments: 0..<20)
    func intersection(round: Int) throws {
        let people = try (0..<30).map { _ in (node: try Self.node(), token: SecureRandom.bytes(32)) }
        let askerHolds = people.indices.filter { _ in Bool.random() }
        let answererHolds = people.indices.filter { _ in Bool.random() }
        let keyA = try X25519PrivateKey(), keyB = try X25519PrivateKey()
        let sent = try askerHolds.map { try MutualSet.blind(MutualSet.element(peer: people[$0].node, token: people[$0].token), with: keyA) }
        let echoed = try sent.map { try MutualSet.blind($0, with: keyB) }
        let set = try MutualSet.padded(try answererHolds.map {
            try MutualSet.blind(MutualSet.element(peer: people[$0].node, token: people[$0].token), with: keyB)
        })
        let theirs = try set.map { try MutualSet.blind($0, with: keyA) }
        let found = Set(MutualSet.common(twice: echoed, theirs: theirs).map { askerHolds[$0] })
        #expect(found == Set(askerHolds).intersection(answererHolds), "round \(round)")
    }

    @Test("a token other than the one the answering node holds never meets it")
    func wrongToken() throws {
        let peer = try Self.node()
        let keyA = try X25519PrivateKey(), keyB = try X25519PrivateKey()
        let echoed = try MutualSet.blind(try MutualSet.blind(MutualSet.element(peer: peer, token: D.filled(1)), with: keyA), with: keyB)
        let theirs = try MutualSet.blind(try MutualSet.blind(MutualSet.element(peer: peer, token: D.filled(2)), with: keyB), with: keyA)
        #expect(MutualSet.common(twice: [echoed], theirs: [theirs]).isEmpty)
    }

    @Test("blinding commutes on random u-coordinates and on points of the curve and of its twist")
    func commutes() throws {
        // u = 2, 3, 5, 12 are on the twist (u³ + 486662u² + u is not a square mod 2^255 − 19), 4, 6, 9
        // on the curve (checked by Protocol/tools/check_vectors.py); a random u is on either about half the time.
        let small = [2, 3, 5, 12, 4, 6, 9].map { [UInt8($0)] + [UInt8](repeating: 0, count: 31) }
        let random = (0..<100).map { _ in
            var u = SecureRandom.bytes(32)
            u[31] &= 0x7f
            return u
        }
        for u in small + random {
            let a = try X25519PrivateKey(), b = try X25519PrivateKey()
            let ab = try MutualSet.blind(try MutualSet.blind(u, with: a), with: b)
            #expect(ab == (try MutualSet.blind(try MutualSet.blind(u, with: b), with: a)), "u = \(Hex.encode(u))")
        }
    }

    @Test("points of small order are refused with invalid-value")
    func smallOrder() throws {
        let key = try X25519PrivateKey()
        for point in D.smallOrderPoints {
            expectProtocolError(.invalidValue, Hex.encode(point)) { try MutualSet.blind(point, with: key) }
        }
        expectProtocolError(.invalidValue) { try MutualSet.blind([1, 2, 3], with: key) }
    }

    @Test("the answering key is one per asker and query, the same for every page")
    func answeringKey() throws {
        let secret = D.filled(0x5e), q1 = [UInt8](repeating: 1, count: 16), q2 = [UInt8](repeating: 2, count: 16)
        let k = try MutualSet.answeringKey(secret: secret, asker: D.a, query: q1).rawRepresentation
        let raw = HMACSHA256.authenticationCode(key: secret, data: CBORValue.array([.text("vouch mutual v1"), .bytes(D.a.rawRepresentation),
                                                                                   .bytes(q1)]).encoded)
        #expect(try X25519PrivateKey(rawRepresentation: raw).publicKey == X25519PrivateKey(rawRepresentation: k).publicKey)
        #expect(k == (try MutualSet.answeringKey(secret: secret, asker: D.a, query: q1).rawRepresentation))
        #expect(k != (try MutualSet.answeringKey(secret: secret, asker: D.a, query: q2).rawRepresentation))
        #expect(k != (try MutualSet.answeringKey(secret: secret, asker: D.b, query: q1).rawRepresentation))
        #expect(k != (try MutualSet.answeringKey(secret: D.filled(0x5f), asker: D.a, query: q1).rawRepresentation))
    }

    @Test("padding fills whole pages of 4000, at least one, sorted, with points that meet nothing")
    func padding() throws {
        #expect([0, 1, 3999, 4000, 4001, 10_000].map(MutualSet.paddedCount) == [4000, 4000, 4000, 4000, 8000, 12_000])
        let key = try X25519PrivateKey()
        let real = try (0..<5).map { _ in try MutualSet.blind(MutualSet.element(peer: try Self.node(), token: SecureRandom.bytes(32)), with: key) }
        let padded = try MutualSet.padded(real)
        #expect(padded.count == 4000)
        #expect(Set(real).isSubset(of: Set(padded)))
        #expect(Set(padded).count == 4000, "no dummy repeats or equals a real element")
        #expect(padded == padded.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(padded.allSatisfy { $0[31] & 0x80 == 0 })
    }
}
