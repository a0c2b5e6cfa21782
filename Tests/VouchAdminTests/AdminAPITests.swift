import Foundation
import NIOCore
import Testing
@testable import VouchAdmin

/// The typed methods of `AdminAPI/`: what they look like on the wire, and what a mismatch gives.
@Suite(.timeLimit(.minutes(1)))
struct AdminAPITests {
    static let largestCard = ReceivedCardInfo(
        signer: "SIGNER", shortID: "SIGNER", audience: "everyone", version: .max, receivedAt: "2026-01-01T00:00:00Z",
        from: "SENDER", fields: ["name": "Ada"], endpoints: [])

    @Test func aVersionOf2To64Minus1CrossesTheSocketExactly() async throws {
        var router = AdminRouter()
        router.register(CardListRequest.self) { _ in CardListResponse(cards: [Self.largestCard]) }
        let server = try await startServer(handler: router.handler)
        let client = try await server.client()
        #expect(try await client.call(CardListRequest()) == CardListResponse(cards: [Self.largestCard]))
        // And as text: the number itself, not a rounded double.
        let raw = try await client.call("card.list")
        #expect(AdminLineCodec.text(of: raw).contains("\"version\":18446744073709551615"), "\(raw)")
        #expect(raw["cards"]?.arrayValue?.first?["version"]?.uint64Value == .max)
        client.close()
        try await server.stop()
    }

    @Test(arguments: [
        (JSONValue.object([:]), "ping: params.address is required"),
        (JSONValue.object(["address": .int(5)]), "ping: params.address must be a string"),
        (JSONValue.object(["address": .null]), "ping: params.address must be a string"),
    ] as [(JSONValue, String)])
    func paramsThatDoNotFitTheRequestAreInvalidParamsNamingTheMember(params: JSONValue, message: String) async throws {
        var router = AdminRouter()
        router.register(PingRequest.self) { _ in
            Issue.record("the handler ran with params that do not fit")
            throw AdminError(.internal, "unreachable")
        }
        do {
            _ = try await router.handler(AdminRequest(method: "ping", params: params))
            Issue.record("\(params) was accepted")
        } catch let error as AdminError {
            #expect(error == AdminError(.invalidParams, message))
        }
    }

    @Test func unknownMembersAreIgnored() async throws {
        var router = AdminRouter()
        router.register(PingRequest.self) { request in
            throw AdminError(.unreachable, "asked for \(request.address)")
        }
        await #expect(throws: AdminError(.unreachable, "asked for X@h:1")) {
            _ = try await router.handler(AdminRequest(method: "ping", params: ["address": "X@h:1", "from_a_newer_cli": true]))
        }
    }

    @Test func aResultOfAnotherShapeIsMalformedNamingTheMember() async throws {
        var router = AdminRouter()
        // Everything but `queued_messages`.
        router.register("status") { _ in
            ["id": "X", "short_id": "X", "listen": "127.0.0.1:1", "uptime_seconds": 1, "pid": 1, "sessions": [], "session_count": 0]
        }
        let server = try await startServer(handler: router.handler)
        let client = try await server.client()
        do {
            _ = try await client.call(StatusRequest())
            Issue.record("a status without its members was accepted")
        } catch let error as AdminError {
            #expect(error.reason == .malformed)
            #expect(error.message.hasSuffix("result.queued_messages is required"), "\(error.message)")
        }
        client.close()
        try await server.stop()
    }

    @Test func anErrorCodeOutsideTheSetIsMalformedAndKeepsWhatTheDaemonSaid() {
        let error = AdminMessage.error(in: ["id": 1, "error": ["code": "quota-exceeded", "message": "too many invitations"]])
        #expect(error?.reason == .malformed)
        #expect(error?.message.contains("\"quota-exceeded\"") == true && error?.message.contains("too many invitations") == true)
        #expect(AdminMessage.error(in: ["id": 1, "error": ["code": "unreachable", "message": "m"]]) == AdminError(.unreachable, "m"))
        #expect(AdminMessage.error(in: ["id": 1, "error": ["message": "m"]])?.reason == .malformed)
        #expect(AdminMessage.error(in: ["id": 1, "result": [:]]) == nil)
    }

    @Test func inProcessCallsGoThroughTheSameCoding() async throws {
        var router = AdminRouter()
        router.register(AddressRequest.self) { _ in AddressResponse(address: "ID@127.0.0.1:7868") }
        #expect(try await router.call(AddressRequest()) == AddressResponse(address: "ID@127.0.0.1:7868"))
        #expect(router.methods == ["address"])
    }

    @Test func optionalMembersWithoutAValueAreAbsent() throws {
        let ping = PingResponse(peer: "P", shortID: "P", endpoint: "127.0.0.1:1", requestedEndpoint: "127.0.0.1:2",
                                direction: "outbound", reusedSession: true, tlsVersion: "TLSv1.3", cipher: "C", alpn: "vouch/1",
                                rttMilliseconds: 1.5, connectMilliseconds: nil)
        let json = try JSONValue(encoding: ping)
        #expect(json["connect_ms"] == nil)
        #expect(json["requested_endpoint"] == "127.0.0.1:2" && json["reused_session"] == true && json["rtt_ms"] == 1.5)
        #expect(try json.decode(PingResponse.self) == ping)
    }

    /// Scripts read the codes in the docs: every code of the closed set is listed there.
    @Test(arguments: AdminError.Reason.allCases)
    func everyErrorCodeIsDocumented(reason: AdminError.Reason) throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Docs")
        for page in ["admin-api.md", "cli.md"] {
            let text = try String(contentsOf: docs.appendingPathComponent(page), encoding: .utf8)
            #expect(text.contains("`\(reason.rawValue)`"), "Docs/\(page) does not list `\(reason.rawValue)`")
        }
    }
}
