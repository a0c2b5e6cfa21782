import Testing
import VouchCrypto
@testable import VouchProtocol

/// Fixed identities for the transport rule tests: RFC 8032 seeds, so a failure reproduces.
/// Prefixed `Wire` so they never clash with helpers elsewhere in this target.
enum WireKeys {
    static func key(_ byte: UInt8) -> Ed25519PrivateKey {
        do { return try Ed25519PrivateKey(seed: [UInt8](repeating: byte, count: 32)) } catch {
            preconditionFailure("fixed seed refused: \(error)")
        }
    }

    static func node(_ byte: UInt8) -> NodeID { NodeID(publicKey: key(byte).publicKey) }

    /// Two node IDs, the smaller first (bytewise, the order `SessionTieBreak` uses).
    static var orderedPair: (smaller: NodeID, larger: NodeID) {
        let a = node(1), b = node(2)
        return a < b ? (a, b) : (b, a)
    }
}

/// A message ID with every byte `byte`: readable in failure output.
func wireMessageID(_ byte: UInt8) -> MessageID {
    do { return try MessageID(bytes: [UInt8](repeating: byte, count: MessageID.byteCount)) } catch {
        preconditionFailure("\(error)")
    }
}

/// Runs `body`, which must fail with `ProtocolError` `code`.
func expectWireError(_ code: ProtocolError.Code, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws -> some Any) {
    do {
        let value = try body()
        Issue.record("\(what): expected \(code), got \(value)", sourceLocation: sourceLocation)
    } catch let error as ProtocolError {
        #expect(error.code == code, "\(what): got \(error.code): \(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(what): expected ProtocolError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
