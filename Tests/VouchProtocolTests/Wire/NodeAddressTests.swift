import Foundation
import Testing
@testable import VouchProtocol

@Suite("NodeAddress")
struct NodeAddressTests {
    static let id = WireKeys.node(1)
    /// The ID with its last check character changed.
    static var mistyped: String {
        let text = id.description
        return String(text.dropLast()) + (text.last == "A" ? "B" : "A")
    }

    @Test("accepted forms", arguments: [
        ("\(id)@127.0.0.1:7868", "127.0.0.1", 7868 as UInt16),
        ("vouch://\(id)@127.0.0.1:7868", "127.0.0.1", 7868),
        ("VOUCH://\(id)@node.example.org:1", "node.example.org", 1),
        ("  \(id)@example.org:65535\n", "example.org", 65535),
        ("\(id.description.replacingOccurrences(of: "-", with: " "))@example.org:80", "example.org", 80),
        ("\(id.description.lowercased())@example.org:80", "example.org", 80),
        ("\(id) @ example.org : 80", "example.org", 80),
        ("\(id)@[::1]:7868", "::1", 7868),
        ("vouch://\(id)@[2001:db8::17]:443", "2001:db8::17", 443),
    ] as [(String, String, UInt16)])
    func parses(text: String, host: String, port: UInt16) throws {
        let address = try NodeAddress(parsing: text)
        #expect(address.id == Self.id)
        #expect(address.endpoint.host == host && address.endpoint.port == port)
        #expect(try NodeAddress(parsing: address.description) == address, "the printed form parses back")
    }

    @Test("printed as ID@host:port, IPv6 in brackets, without the scheme", arguments: [
        ("127.0.0.1:7868", "\(id)@127.0.0.1:7868"),
        ("[::1]:9", "\(id)@[::1]:9"),
    ])
    func prints(endpoint: String, expected: String) throws {
        #expect(NodeAddress(id: Self.id, endpoint: try Endpoint(parsing: endpoint)).description == expected)
    }

    @Test("refused forms", arguments: [
        ("\(id)127.0.0.1:7868", ProtocolError.Code.invalidValue),
        ("", .invalidValue),
        ("vouch://", .invalidValue),
        ("@127.0.0.1:7868", .invalidNodeID),
        ("ABCDEFG@127.0.0.1:7868", .invalidNodeID),
        ("\(mistyped)@127.0.0.1:7868", .invalidNodeID),
        ("\(id)@127.0.0.1", .invalidValue),
        ("\(id)@127.0.0.1:0", .invalidValue),
        ("\(id)@127.0.0.1:70000", .invalidValue),
        ("\(id)@:7868", .invalidValue),
        ("\(id)@::1:7868", .invalidValue),
        ("\(id)@[::1]", .invalidValue),
        ("\(id)@host@other:1", .invalidValue),
        ("http://\(id)@127.0.0.1:7868", .invalidNodeID),
    ] as [(String, ProtocolError.Code)])
    func refuses(text: String, code: ProtocolError.Code) {
        expectWireError(code, "\"\(text)\"") { try NodeAddress(parsing: text) }
    }
}
