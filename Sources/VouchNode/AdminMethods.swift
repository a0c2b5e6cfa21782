import Foundation
import Logging
import NIOCore
public import VouchAdmin
import VouchCrypto
public import VouchProtocol
public import VouchStore
import VouchTLS

/// The node's admin API methods (Docs/admin-api.md §Methods). Each returns what the CLI prints,
/// so `vouch X --json` and a script calling the method see the same facts.
extension NodeRuntime {
    public static let cardLifetime: UInt64 = 7 * 24 * 3600 * 1000

    public func adminRouter() -> AdminRouter {
        var router = AdminRouter()
        router.register("status") { [self] _ in status() }
        router.register("address") { [self] _ in .object(["address": .string(try shareableAddress().description)]) }
        router.register("ping") { [self] request in try await ping(request.params) }
        router.register("card.send") { [self] request in try sendCard(request.params) }
        router.register("card.list") { [self] _ in try cardList() }
        router.register("outbox.list") { [self] _ in try outboxList() }
        return router
    }

    /// The address to share: the first `advertise` endpoint, else the listen address (with the
    /// host name in place of a wildcard address).
    public func shareableAddress() throws -> NodeAddress {
        try NodeRuntime.shareableAddress(id: identity, config: config)
    }

    public static func shareableAddress(id: NodeID, config: NodeConfig) throws -> NodeAddress {
        if let first = config.advertise.first { return NodeAddress(id: id, endpoint: first) }
        var endpoint = config.listen
        if ["0.0.0.0", "::"].contains(endpoint.host) {
            endpoint = try Endpoint(host: ProcessInfo.processInfo.hostName, port: endpoint.port)
        }
        return NodeAddress(id: id, endpoint: endpoint)
    }

    func status() -> JSONValue {
        let sessions = self.sessions.all.sorted { $0.peer < $1.peer }.map { s -> JSONValue in
            .object(["peer": .string(s.peer.description), "short_id": .string(s.peer.shortForm),
                     "direction": .string(s.direction.rawValue), "tls_version": .string(s.tls.protocolVersion),
                     "cipher": .string(s.tls.cipher)])
        }
        let queued = (try? database.outboxCount()) ?? -1
        return .object([
            "id": .string(identity.description), "short_id": .string(identity.shortForm),
            "listen": .string(config.listen.description),
            "address": .string((try? shareableAddress().description) ?? ""),
            "uptime_seconds": .int(uptimeSeconds), "sessions": .array(sessions),
            "session_count": .int(Int64(sessions.count)), "queued_messages": .int(Int64(queued)),
        ])
    }

    func ping(_ params: JSONValue) async throws -> JSONValue {
        let address = try Self.address(params)
        let reused = sessions.session(for: address.id)?.channel.isActive ?? false
        let started = ContinuousClock.now
        let session: PeerSession
        do {
            session = try await connect(to: address)
        } catch {
            throw Self.connectionError(error, address: address)
        }
        let connected = ContinuousClock.now
        let pingStart = ContinuousClock.now
        let reply: WireMessage
        do {
            reply = try await session.request(makeMessage(type: .ping, to: address.id), timeout: limits.requestTimeout.timeAmount)
        } catch {
            throw Self.connectionError(error, address: address)
        }
        let rtt = ContinuousClock.now - pingStart
        guard reply.knownType == .pong else {
            let detail = (try? WireErrorBody(reply.body)).map { "\($0.code): \($0.message)" } ?? reply.type
            throw AdminError("peer-error", "\(address.id.shortForm) answered the ping with \(detail)")
        }
        return .object([
            "peer": .string(session.peer.description), "short_id": .string(session.peer.shortForm),
            "endpoint": .string(address.endpoint.description), "tls_version": .string(session.tls.protocolVersion),
            "cipher": .string(session.tls.cipher), "alpn": .string(session.tls.applicationProtocol),
            "rtt_ms": .double(Double(rtt.components.attoseconds) / 1e15 + Double(rtt.components.seconds) * 1000),
            "connect_ms": .double(reused ? 0 : Double((connected - started).milliseconds)),
            "reused_session": .bool(reused),
        ])
    }

    func sendCard(_ params: JSONValue) throws -> JSONValue {
        let address = try Self.address(params)
        guard address.id != identity else { throw AdminError.invalidParams("that is this node's own address") }
        let profile = try database.profile()
        guard profile.version > 0 else {
            throw AdminError("empty-profile", "the profile is empty: set it first with `vouch profile set`")
        }
        let envelope = try profile.document(for: .everyone).signed(with: identityKey)
        let now = Clock.nowMilliseconds()
        let entry = OutboxEntry(messageID: .random(), peer: address.id, type: .card,
                                body: CBORValue.map(["document": .bytes(envelope.encoded)]).encoded,
                                sentAt: now, expiresAt: now + Self.cardLifetime, nextAttemptAt: now)
        try database.rememberPeer(address, nowMilliseconds: now)
        try database.enqueue(entry)
        outboxWakeup.signal()
        publish("outbox.queued", ["message": .string(entry.messageID.description), "peer": .string(address.id.description),
                                  "type": .string("card")])
        return .object(["message": .string(entry.messageID.description), "peer": .string(address.id.description),
                        "version": .int(Int64(profile.version)), "expires_at": .string(Self.isoTime(entry.expiresAt))])
    }

    func cardList() throws -> JSONValue {
        let cards = try database.receivedCards().map { card -> JSONValue in
            var object: [String: JSONValue] = [
                "signer": .string(card.signer.description), "short_id": .string(card.signer.shortForm),
                "audience": .string(card.audience.rawValue),
                "version": .int(Int64(card.version)), "received_at": .string(Self.isoTime(card.receivedAt)),
                "from": .string(card.sender.description),
            ]
            if let envelope = try? SignedEnvelope(verifying: card.document), let doc = try? ProfileDocument(envelope: envelope) {
                object["fields"] = .object(Dictionary(uniqueKeysWithValues: doc.fields.map { ($0.key.rawValue, JSONValue.string($0.value)) }))
                object["endpoints"] = .array(doc.endpoints.map { .string($0.description) })
            }
            return .object(object)
        }
        return .object(["cards": .array(cards)])
    }

    func outboxList() throws -> JSONValue {
        let entries = try database.outbox().map { e -> JSONValue in
            .object(["message": .string(e.messageID.description), "peer": .string(e.peer.description), "type": .string(e.type.rawValue),
                     "attempts": .int(Int64(e.attempts)), "next_attempt_at": .string(Self.isoTime(e.nextAttemptAt)),
                     "expires_at": .string(Self.isoTime(e.expiresAt)), "last_error": e.lastError.map(JSONValue.string) ?? .null])
        }
        return .object(["messages": .array(entries)])
    }

    static func address(_ params: JSONValue) throws -> NodeAddress {
        guard let text = params["address"]?.stringValue else { throw AdminError.invalidParams("params.address (NODE-ID@host:port) is required") }
        do {
            return try NodeAddress(parsing: text)
        } catch let error as ProtocolError {
            throw AdminError("invalid-address", error.message)
        }
    }

    static func connectionError(_ error: any Error, address: NodeAddress) -> AdminError {
        switch error {
        case let tls as TLSError where tls.code == .peerKeyMismatch:
            return AdminError("peer-key-mismatch", "the node at \(address.endpoint) is not \(address.id.shortForm): \(tls.message)")
        case let tls as TLSError:
            return AdminError("tls-failed", "TLS with \(address.endpoint) failed: \(tls.message)")
        case let session as SessionError:
            return AdminError("unreachable", session.message)
        default:
            return AdminError("unreachable", "cannot reach \(address.endpoint): \(error)")
        }
    }

    static func isoTime(_ milliseconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000))
    }
}
