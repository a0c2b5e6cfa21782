import Testing
import VouchCrypto
@testable import VouchProtocol

@Suite("Visibility statements")
struct VisibilityStatementTests {
    typealias D = DisclosureFixtures

    @Test("either side's statement verifies against the connection and reads back what was signed")
    func eitherSide() throws {
        for (key, signer) in [(D.aKey, D.a), (D.bKey, D.b)] {
            for level in Visibility.allCases {
                let made = try VisibilityStatement.make(connection: D.connection.id, level: level, set: D.set, with: key)
                let read = try VisibilityStatement(verifying: made.envelope.encoded)
                #expect(read == made)
                #expect((read.signer, read.level, read.set, read.connection) == (signer, level, D.set, D.connection.id))
                try read.check(against: D.connection)
            }
        }
    }

    @Test("a third node's statement is signer-mismatch; a statement for another connection is invalid-value")
    func wrongConnection() throws {
        let stranger = try VisibilityStatement.make(connection: D.connection.id, level: .everyone, set: D.set, with: D.strangerKey)
        expectProtocolError(.signerMismatch) { try stranger.check(against: D.connection) }
        let other = try VisibilityStatement.make(connection: D.otherConnection.id, level: .everyone, set: D.set, with: D.aKey)
        expectProtocolError(.invalidValue) { try other.check(against: D.connection) }
        try other.check(against: D.otherConnection)
    }

    @Test("the payload is exact: unknown, missing and mistyped fields and unknown levels are refused")
    func payload() {
        var extra = D.goodPayload
        extra["token"] = .bytes(D.filled(1))
        expectProtocolError(.unknownField) { try VisibilityStatement(verifying: D.signed(extra)) }
        for key in ["connection", "level", "set"] {
            var missing = D.goodPayload
            missing[key] = nil
            expectProtocolError(.missingField, key) { try VisibilityStatement(verifying: D.signed(missing)) }
        }
        for name in ["", "Everyone", "only_us", "onlyUs", "friends", "everyone "] {
            var level = D.goodPayload
            level["level"] = .text(name)
            expectProtocolError(.invalidValue, name) { try VisibilityStatement(verifying: D.signed(level)) }
        }
        var big = D.goodPayload
        big["set"] = .unsigned(1 << 53)
        expectProtocolError(.outOfRange) { try VisibilityStatement(verifying: D.signed(big)) }
        expectProtocolError(.unexpectedDocumentType) { try VisibilityStatement(verifying: D.signed(D.goodPayload, type: .connectionRemoval)) }
        expectProtocolError(.unsupportedVersion) { try VisibilityStatement(verifying: D.signed(D.goodPayload, format: 2)) }
    }

    @Test("make refuses a set above 2^53 − 1")
    func makeRange() {
        expectProtocolError(.outOfRange) { try VisibilityStatement.make(connection: D.connection.id, level: .mutual, set: 1 << 53, with: D.aKey) }
    }

    @Test("the later set holds; of the same set the narrower; so the order of arrival never matters")
    func supersession() {
        let levels = Visibility.allCases
        for x in levels {
            for y in levels {
                for (sx, sy) in [(UInt64(5), UInt64(5)), (5, 6), (6, 5)] {
                    let first = D.statement(x, set: sx), second = D.statement(y, set: sy)
                    // Whatever arrives first, the one held at the end is the same.
                    let afterXY = second.supersedes(first) ? second : first
                    let afterYX = first.supersedes(second) ? first : second
                    #expect((afterXY.level, afterXY.set) == (afterYX.level, afterYX.set), "\(x)@\(sx) and \(y)@\(sy)")
                    let expected = sx != sy ? (sx > sy ? x : y) : (x < y ? x : y)
                    #expect(afterXY.level == expected, "\(x)@\(sx) and \(y)@\(sy)")
                }
            }
            #expect(D.statement(x).supersedes(nil))
            #expect(!D.statement(x).supersedes(D.statement(x)), "the same statement again changes nothing")
        }
    }
}
