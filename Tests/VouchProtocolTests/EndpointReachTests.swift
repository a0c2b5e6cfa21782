import Testing
@testable import VouchProtocol

@Suite("Endpoint reach")
struct EndpointReachTests {
    @Test("who can dial an endpoint, from its host", arguments: [
        ("127.0.0.1:7868", EndpointReach.thisMachine), ("127.8.9.10:1", .thisMachine), ("localhost:7868", .thisMachine),
        ("[::1]:7868", .thisMachine), ("0.0.0.0:7868", .unspecified), ("[::]:7868", .unspecified),
        ("10.1.2.3:7868", .localNetwork), ("172.16.0.1:1", .localNetwork), ("172.31.255.255:1", .localNetwork),
        ("192.168.1.20:7868", .localNetwork), ("169.254.3.4:1", .localNetwork), ("100.64.0.1:1", .localNetwork),
        ("[fd12:3456::1]:1", .localNetwork), ("[fe80::1]:1", .localNetwork), ("[::ffff:192.168.0.1]:1", .localNetwork),
        ("172.32.0.1:1", .publicAddress), ("100.128.0.1:1", .publicAddress), ("203.0.113.7:7868", .publicAddress),
        ("[2001:db8::7]:7868", .publicAddress), ("vouch.example.org:7868", .hostName), ("vm:7868", .hostName),
    ])
    func reach(endpoint: String, expected: EndpointReach) throws {
        let reach = EndpointReach(try Endpoint(parsing: endpoint))
        #expect(reach == expected, "\(endpoint)")
        #expect((reach.warning == nil) == (expected == .publicAddress))
    }
}
