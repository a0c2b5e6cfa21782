import Testing
@testable import VouchProtocol

@Suite("Endpoints")
struct EndpointTests {
    static let valid: [(String, String, UInt16)] = [
        ("vouch.example.org:7400", "vouch.example.org", 7400),
        ("localhost:1", "localhost", 1),
        ("a:65535", "a", 65535),
        ("192.0.2.10:443", "192.0.2.10", 443),
        ("[2001:db8::1]:7400", "2001:db8::1", 7400),
        ("[::1]:80", "::1", 80),
        ("[::ffff:192.0.2.1]:80", "::ffff:192.0.2.1", 80),
        ("xn--bcher-kva.example:7400", "xn--bcher-kva.example", 7400),
        ("Node-1.Example.ORG:7400", "Node-1.Example.ORG", 7400),
        (String(repeating: "a", count: 63) + ".example:1", String(repeating: "a", count: 63) + ".example", 1),
    ]

    @Test("host:port and [v6]:port parse and print back the same", arguments: valid)
    func parsesAndPrints(text: String, host: String, port: UInt16) throws {
        let endpoint = try Endpoint(parsing: text)
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
        #expect(endpoint.description == text)
        #expect(try Endpoint(host: host, port: port) == endpoint)
    }

    static let invalid: [(String, ProtocolError.Code, String)] = [
        ("vouch.example.org", .invalidValue, "no port"),
        ("vouch.example.org:", .invalidValue, "empty port"),
        ("vouch.example.org:0", .invalidValue, "port 0"),
        ("vouch.example.org:65536", .invalidValue, "port above 65535"),
        ("vouch.example.org:07400", .invalidValue, "leading zero"),
        ("vouch.example.org:+7400", .invalidValue, "plus sign"),
        ("vouch.example.org:-1", .invalidValue, "negative port"),
        ("vouch.example.org:74 00", .invalidValue, "space in the port"),
        ("vouch.example.org:http", .invalidValue, "service name"),
        ("vouch.example.org:\u{0667}", .invalidValue, "Arabic-Indic digit seven"),
        (":7400", .invalidValue, "empty host"),
        ("a..b:7400", .invalidValue, "empty label"),
        (".example:7400", .invalidValue, "leading dot"),
        ("example.:7400", .invalidValue, "trailing dot"),
        ("-a.example:7400", .invalidValue, "label starting with a hyphen"),
        ("a-.example:7400", .invalidValue, "label ending with a hyphen"),
        ("a_b.example:7400", .invalidValue, "underscore"),
        ("a b:7400", .invalidValue, "space in the host"),
        ("b\u{00FC}cher.example:7400", .invalidValue, "non-ASCII host"),
        ("\u{FF41}.example:7400", .invalidValue, "fullwidth letter"),
        (String(repeating: "a", count: 64) + ".example:1", .invalidValue, "label of 64 characters"),
        (Array(repeating: String(repeating: "a", count: 50), count: 5).joined(separator: ".") + ":1", .invalidValue, "host of 254 characters"),
        ("2001:db8::1:7400", .invalidValue, "IPv6 without brackets"),
        ("[2001:db8::1]", .invalidValue, "IPv6 without a port"),
        ("[2001:db8::1]7400", .invalidValue, "IPv6 without a colon before the port"),
        ("[]:7400", .invalidValue, "empty brackets"),
        ("[vouch.example.org]:7400", .invalidValue, "a name in brackets"),
        ("[fe80::1%eth0]:7400", .invalidValue, "zone index"),
        ("[abc]:7400", .invalidValue, "hex digits without a colon in brackets"),
        ("[192.0.2.1]:7400", .invalidValue, "IPv4 in brackets"),
        ("[\u{FF11}\u{FF12}::1]:7400", .invalidValue, "fullwidth digits in brackets"),
        ("[::1]:7400:1", .invalidValue, "two ports"),
        ("", .invalidValue, "empty"),
        (String(repeating: "a", count: 260) + ":7400", .fieldTooLong, "over 262 bytes"),
    ]

    @Test("bad hosts and ports are refused", arguments: invalid)
    func refuses(text: String, code: ProtocolError.Code, what: String) {
        expectProtocolError(code, what) { try Endpoint(parsing: text) }
    }

    @Test("a host name of 253 characters is the longest")
    func longestHost() throws {
        let host = Array(repeating: String(repeating: "a", count: 50), count: 4).joined(separator: ".") + "." + String(repeating: "b", count: 49)
        #expect(host.utf8.count == 253)
        #expect(try Endpoint(parsing: host + ":65535").host == host)
    }

    @Test("an IPv6 host given without brackets is printed with them")
    func hostWithColon() throws {
        #expect(try Endpoint(host: "2001:db8::1", port: 7400).description == "[2001:db8::1]:7400")
    }
}
