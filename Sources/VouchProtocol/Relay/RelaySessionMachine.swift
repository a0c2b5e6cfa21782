/// One session-mode connection (Protocol/relay.md §4): plain TCP to the relay, one
/// JoinSessionRequest with the invitation's key, one Response; after a success every byte is the
/// other party's, and the node runs vouch/1 TLS over them. Pure: the I/O layer runs the actions.
public struct RelaySessionMachine: Sendable {
    /// The relay must answer the join within this long.
    public static let joinTimeout: Duration = .seconds(10)

    public enum Action: Sendable, Equatable {
        case send(RelayMessage)
        /// The stream is the other party's now; `remainder` already belongs to it.
        case startTLS(remainder: [UInt8])
        case close(reason: String)
        case wakeAt(Duration)
    }

    public enum Phase: Sendable, Equatable {
        case idle, awaitingResponse(since: Duration), relaying, closed
    }

    public private(set) var phase: Phase = .idle
    /// The relay's code when it refused the join (`RelayResponse.alreadyConnected` is strelaysrv's
    /// answer to two joins arriving at once, which a dialer may retry with a new ConnectRequest).
    public private(set) var refusalCode: Int32?
    private let key: [UInt8]
    private var reader = RelayMessageReader()

    public init(invitation: RelaySessionInvitation) {
        key = invitation.key
    }

    public mutating func connected(now: Duration) -> [Action] {
        guard phase == .idle else { return [] }
        phase = .awaitingResponse(since: now)
        return [.send(.joinSessionRequest(key: key)), .wakeAt(now + Self.joinTimeout)]
    }

    /// Bytes from the relay before the stream is handed over. Reads exactly one message, so the
    /// bytes after it go to TLS untouched.
    public mutating func received(_ bytes: [UInt8]) -> [Action] {
        guard case .awaitingResponse = phase else { return [] }
        let messages: [RelayMessage]
        do {
            messages = try reader.append(bytes, limit: 1)
        } catch let error as ProtocolError {
            phase = .closed
            return [.close(reason: "the relay sent garbage: \(error.message)")]
        } catch {
            phase = .closed
            return [.close(reason: "the relay sent garbage")]
        }
        guard let message = messages.first else { return [] }
        switch message {
        case .response(let response) where response.code == RelayResponse.success:
            phase = .relaying
            return [.startTLS(remainder: reader.takeRemainder())]
        case .response(let response):
            phase = .closed
            refusalCode = response.code
            return [.close(reason: "the relay refused the session: \(response.code) \(UntrustedText.escaped(response.message))")]
        default:
            phase = .closed
            return [.close(reason: "the relay answered the session join with \(RelayJoinMachine.name(message))")]
        }
    }

    public mutating func timerFired(now: Duration) -> [Action] {
        guard case .awaitingResponse(let since) = phase, now >= since + Self.joinTimeout else { return [] }
        phase = .closed
        return [.close(reason: "the relay did not answer the session join in time")]
    }
}
