/// One session-mode connection (Protocol/relay.md §4): plain TCP to the relay, one
/// JoinSessionRequest with the invitation's key, one Response; after a success every byte is the
/// other party's, and the node runs vouch/1 TLS over them. Pure: the I/O layer runs the actions.
///
/// A dialer's machine also waits for the other party: the dialer speaks first in TLS, so the first
/// byte after its join is the invited node's answer; if none comes within the attempt's peer wait
/// (`RelayDialRetry`), the invited node was refused and the session can never start.
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
        case idle, awaitingResponse(since: Duration)
        /// A dialer's join succeeded; the other party has not said anything yet.
        case awaitingPeer(until: Duration)
        case relaying, closed
    }

    public private(set) var phase: Phase = .idle
    /// The relay's code when it refused the join (`RelayResponse.alreadyConnected` is strelaysrv's
    /// answer to two joins arriving at once, which a dialer may retry with a new ConnectRequest).
    public private(set) var refusalCode: Int32?
    /// The dialer's join succeeded but the other party never arrived.
    public private(set) var peerSilent = false
    private let key: [UInt8]
    private let retry: RelayDialRetry?
    private var joinedAt: Duration?
    private var reader = RelayMessageReader()

    /// `dialer`: the dial's retry state, whose attempt sets the wait for the other party; nil for
    /// the invited node, which waits for nothing (the dialer's ClientHello has its own deadlines).
    public init(invitation: RelaySessionInvitation, dialer retry: RelayDialRetry? = nil) {
        key = invitation.key
        self.retry = retry
    }

    /// A refusal that a dialer answers with a new ConnectRequest (`RelayDialRetry`): the relay's
    /// code 2, or an invited node that never arrived.
    public var sessionCollided: Bool { refusalCode == RelayResponse.alreadyConnected || peerSilent }

    public mutating func connected(now: Duration) -> [Action] {
        guard phase == .idle else { return [] }
        phase = .awaitingResponse(since: now)
        return [.send(.joinSessionRequest(key: key)), .wakeAt(now + Self.joinTimeout)]
    }

    /// Bytes from the relay before the stream is handed over. Reads exactly one message, so the
    /// bytes after it go to TLS untouched.
    public mutating func received(_ bytes: [UInt8], now: Duration) -> [Action] {
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
            let remainder = reader.takeRemainder()
            guard let retry, remainder.isEmpty, case .awaitingResponse(let since) = phase else {
                phase = .relaying
                return [.startTLS(remainder: remainder)]
            }
            let until = now + retry.peerWait(roundTrip: now - since, now: now)
            joinedAt = now
            phase = .awaitingPeer(until: until)
            return [.startTLS(remainder: []), .wakeAt(until)]
        case .response(let response):
            phase = .closed
            refusalCode = response.code
            return [.close(reason: "the relay refused the session: \(response.code) \(UntrustedText.escaped(response.message))")]
        default:
            phase = .closed
            return [.close(reason: "the relay answered the session join with \(RelayJoinMachine.name(message))")]
        }
    }

    /// The first bytes from the other party after the join (a dialer's machine waits for them):
    /// how long after the dialer's join they came, the first time.
    public mutating func peerSpoke(now: Duration) -> Duration? {
        guard case .awaitingPeer = phase, let joinedAt else { return nil }
        phase = .relaying
        return now - joinedAt
    }

    public mutating func timerFired(now: Duration) -> [Action] {
        switch phase {
        case .awaitingResponse(let since) where now >= since + Self.joinTimeout:
            phase = .closed
            return [.close(reason: "the relay did not answer the session join in time")]
        case .awaitingPeer(let until) where now >= until:
            phase = .closed
            peerSilent = true
            return [.close(reason: "the other party did not join the relay session")]
        default:
            return []
        }
    }
}
