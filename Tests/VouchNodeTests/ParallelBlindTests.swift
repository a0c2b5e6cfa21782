import Testing
import VouchCrypto
import VouchProtocol
@testable import VouchNode

/// `DisclosureService.blind` splits the private set intersection's multiplications over the
/// cores; the result must be exactly the one-at-a-time result, in order, and one bad point
/// anywhere must refuse the whole set.
@Suite("PSI blinding on all cores")
struct ParallelBlindTests {
    static func elements(_ count: Int) throws -> [[UInt8]] {
        try (0..<count).map { _ in MutualSet.element(peer: NodeID(publicKey: try Ed25519PrivateKey().publicKey), token: SecureRandom.bytes(32)) }
    }

    @Test("large and small sets: the same points, in the same order, as blinding one by one")
    func sameAsOneByOne() throws {
        let key = try X25519PrivateKey()
        for count in [0, 1, 300, 2_001] {
            let points = try Self.elements(count)
            #expect(try DisclosureService.blind(points, with: key) == points.map { try MutualSet.blind($0, with: key) })
        }
    }

    @Test("a point of small order in any part refuses the set")
    func badPointRefused() throws {
        let key = try X25519PrivateKey()
        var points = try Self.elements(2_000)
        for index in [0, 999, 1_999] {
            var lying = points
            lying[index] = [UInt8](repeating: 0, count: 32)
            #expect(throws: ProtocolError.self) { try DisclosureService.blind(lying, with: key) }
        }
        points[0] = points[1]
        #expect(try DisclosureService.blind(points, with: key).count == 2_000)
    }
}
