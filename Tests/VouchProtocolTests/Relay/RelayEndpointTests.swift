import Foundation
import Testing
@testable import VouchProtocol

@Suite("Relay endpoints and URIs")
struct RelayEndpointTests {
    static let relayID = "EWAO4YS-CAAPA4F-A5YK5K4-WOS3EIB-QFHRYSY-KWA3R6B-5HYCSFT-O4PWAQO"
    static let deviceID = "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2"

    @Test("a relay endpoint parses, keeps the relay's host and port, and prints back the same",
          arguments: ["relay.example.org:22067", "192.0.2.7:443", "[2001:db8::7]:22067"])
    func parsesAndPrints(relay: String) throws {
        let text = "relay://\(relay)/?id=\(Self.relayID)&device=\(Self.deviceID)"
        let endpoint = try Endpoint(parsing: text)
        #expect(endpoint.description == text)
        #expect(endpoint.tcpEndpoint == (try Endpoint(parsing: relay)))
        #expect(endpoint.tcpEndpoint.relay == nil)
        #expect(endpoint.relay?.relay.description == Self.relayID)
        #expect(endpoint.relay?.device.description == Self.deviceID)
    }

    @Test("an address can carry a relay endpoint")
    func addressWithRelay() throws {
        let id = "25NJQAM-CWEFLPM-VKL73J4-SZAHHIT-HOC4XT3-KTCGJNJ-PAINGR5-YHKENAI"
        let text = "\(id)@relay://relay.example.org:22067/?id=\(Self.relayID)&device=\(Self.deviceID)"
        let address = try NodeAddress(parsing: "vouch://" + text)
        #expect(address.description == text)
        #expect(address.endpoint.relay != nil)
    }

    static let invalid: [(String, ProtocolError.Code)] = [
        ("relay://relay.example.org:22067/?id=\(relayID)", .invalidValue),
        ("relay://relay.example.org:22067?id=\(relayID)&device=\(deviceID)", .invalidValue),
        ("relay://relay.example.org/?id=\(relayID)&device=\(deviceID)", .invalidValue),
        ("relay://relay.example.org:22067/?device=\(deviceID)&id=\(relayID)", .invalidValue),
        ("relay://relay.example.org:22067/?id=\(relayID.lowercased())&device=\(deviceID)", .invalidValue),
        ("relay://relay.example.org:22067/?id=\(relayID)&device=\(deviceID)&x=1", .invalidValue),
        ("relay://relay.example.org:22067/?id=\(relayID)&device=\(deviceID.replacingOccurrences(of: "-", with: ""))", .invalidValue),
        ("RELAY://relay.example.org:22067/?id=\(relayID)&device=\(deviceID)", .invalidValue),
        ("relay://[::1]/?id=\(relayID)&device=\(deviceID)", .invalidValue),
        ("relay://" + String(repeating: "a", count: 400) + ":1/?id=\(relayID)&device=\(deviceID)", .fieldTooLong),
    ]

    @Test("malformed relay endpoints are refused with their code", arguments: invalid)
    func refuses(text: String, code: ProtocolError.Code) {
        #expect { try Endpoint(parsing: text) } throws: { ($0 as? ProtocolError)?.code == code }
    }

    @Test("the longest relay endpoint fits its limit")
    func longest() throws {
        let host = Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".") .prefix(253)
        let text = "relay://\(host):65535/?id=\(Self.relayID)&device=\(Self.deviceID)"
        #expect(text.utf8.count <= RelayRoute.maximumLength)
        #expect(try Endpoint(parsing: text).description == text)
    }

    @Test("the URI strelaysrv prints is accepted, extra parameters ignored")
    func strelaysrvURI() throws {
        let printed = "relay://127.0.0.1:22067/?id=\(Self.relayID)&pingInterval=1m0s&networkTimeout=2m0s&sessionLimitBps=0&globalLimitBps=0&statusAddr=:22070&providedBy="
        let uri = try RelayURI(parsing: printed)
        #expect(uri.description == "relay://127.0.0.1:22067/?id=\(Self.relayID)")
        #expect(try RelayURI(parsing: uri.description) == uri)
        let device = try RelayDeviceID(exactly: Self.deviceID)
        #expect(uri.endpoint(for: device).description == "relay://127.0.0.1:22067/?id=\(Self.relayID)&device=\(Self.deviceID)")
        #expect(try RelayURI(parsing: "Relay://127.0.0.1:22067/?providedBy=x&id=\(Self.relayID.lowercased())") == uri)
    }

    static let invalidURIs = [
        "http://127.0.0.1:22067/?id=\(relayID)",
        "relay://127.0.0.1:22067/",
        "relay://127.0.0.1:22067",
        "relay://127.0.0.1:22067/?pingInterval=1m0s",
        "relay://127.0.0.1:22067/?id=\(relayID)&id=\(relayID)",
        "relay://127.0.0.1/?id=\(relayID)",
        "relay://127.0.0.1:22067/?id=NOTANID",
        "relay://127.0.0.1:22067/?id=\(relayID)&x=" + String(repeating: "y", count: 1024),
    ]

    @Test("relay URIs without a usable relay ID or endpoint are refused", arguments: invalidURIs)
    func refusesURI(text: String) {
        #expect(throws: ProtocolError.self) { try RelayURI(parsing: text) }
    }

    @Test("dial order: direct endpoints first, relays after, each in their order")
    func dialOrder() throws {
        let r1 = try Endpoint(parsing: "relay://r1.example:1/?id=\(Self.relayID)&device=\(Self.deviceID)")
        let r2 = try Endpoint(parsing: "relay://r2.example:1/?id=\(Self.relayID)&device=\(Self.deviceID)")
        let d1 = try Endpoint(parsing: "d1.example:1"), d2 = try Endpoint(parsing: "d2.example:1")
        #expect(Endpoint.dialOrder([r1, d1, r2, d2]) == [d1, d2, r1, r2])
    }
}
