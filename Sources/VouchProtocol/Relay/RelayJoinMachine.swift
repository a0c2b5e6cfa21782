/// A node's permanent protocol-mode session with one relay (Protocol/relay.md §4), as a pure
/// machine: every event returns the actions the I/O layer must run, so every rule (join, keep
/// alive, dead-relay detection, reconnect with backoff, which invitations to take) is tested
/// without a socket. Time is a monotonic `Duration` since any fixed origin.
public struct RelayJoinMachine: Sendable {
    /// Send a Ping after this long without sending anything (strelaysrv drops a client silent
    /// for its network timeout, 2 min by default).
    public static let pingInterval: Duration = .seconds(30)
    /// A joined relay that sent nothing for this long is dead (it pings every minute by default,
    /// and answers our pings).
    public static let silenceLimit: Duration = .seconds(90)
    /// A relay that has not answered the join within this long is given up on.
    public static let joinTimeout: Duration = .seconds(30)
    /// Invitations being opened at once for one relay session; more are ignored, so one relay
    /// cannot make the node open connections without bound.
    public static let maximumPendingSessions = 8
    /// The sessions one relay may carry at once (open and being opened): every relayed peer
    /// arrives from the relay's address, so the listener's per-address limit cannot apply; this
    /// limit keeps one relay from taking all of the node's inbound sessions. Each authenticated
    /// peer still has one session at most (`SessionTieBreak`).
    public let maximumSessions: Int

    public enum Phase: Sendable, Equatable {
        /// Nothing open; `retryAt` says when to connect again (nil: not started or stopped).
        case disconnected(retryAt: Duration?)
        /// TCP and TLS under way; the relay's certificate not checked yet.
        case connecting(since: Duration)
        /// JoinRelayRequest sent, its Response awaited.
        case joining(since: Duration)
        case joined(since: Duration)
        case stopped
    }

    public enum Action: Sendable, Equatable {
        /// Open TCP to the relay and start TLS (ALPN bep-relay, the node's relay certificate).
        case connect
        case send(RelayMessage)
        /// Close the connection; `reason` is for the log and `vouch status`.
        case close(reason: String)
        /// Open a session-mode connection for this invitation, then run vouch/1 TLS as the server;
        /// `id` names it in `sessionOpened` and `abandonSession`.
        case openSession(RelaySessionInvitation, id: Int)
        /// Close the session being opened as `id`, if it is not established yet: its dialer asked
        /// the relay again, so it will never start (Protocol/relay.md §4).
        case abandonSession(id: Int)
        /// Call `timerFired(now:)` at this time.
        case wakeAt(Duration)
    }

    public private(set) var phase: Phase = .disconnected(retryAt: nil)
    /// Failed attempts in a row (reset once joined).
    public private(set) var failures = 0
    /// Why the last session ended or the last attempt failed, for `vouch status`.
    public private(set) var lastError: String?
    /// Invited sessions being opened, by id: the device ID of the dialer that asked for each.
    private var pending: [Int: [UInt8]] = [:]
    private var lastSessionID = 0
    public var pendingSessions: Int { pending.count }
    /// Relayed sessions open now (their TLS handshake done).
    public private(set) var openSessions = 0
    /// Why the machine asked for the close that is under way (wins over the I/O layer's reason).
    private var closeReason: String?
    private var lastReceived: Duration = .zero
    private var lastSent: Duration = .zero

    /// `maximumSessions`: the node's inbound session limit over two, so a relay can take at most half.
    public init(maximumSessions: Int = TransportLimits.default.maximumInboundSessions / 2) {
        self.maximumSessions = max(1, maximumSessions)
    }

    public var isJoined: Bool { if case .joined = phase { true } else { false } }

    public mutating func start(now: Duration) -> [Action] {
        guard case .disconnected = phase else { return [] }
        closeReason = nil
        phase = .connecting(since: now)
        return [.connect, .wakeAt(now + Self.joinTimeout)]
    }

    /// TLS completed and the relay's certificate matched the relay ID.
    public mutating func connected(now: Duration) -> [Action] {
        guard case .connecting = phase else { return [] }
        phase = .joining(since: now)
        lastReceived = now
        lastSent = now
        return [.send(.joinRelayRequest), .wakeAt(now + Self.joinTimeout)]
    }

    public mutating func received(_ message: RelayMessage, now: Duration) -> [Action] {
        lastReceived = now
        switch (phase, message) {
        case (.joining, .response(let response)) where response.code == RelayResponse.success:
            phase = .joined(since: now)
            failures = 0
            lastError = nil
            return [.wakeAt(now + Self.pingInterval)]
        case (.joining, .response(let response)):
            return fail("the relay refused the join: \(response.code) \(UntrustedText.escaped(response.message))", now: now)
        case (_, .relayFull):
            return fail("the relay is full", now: now)
        case (.joined, .ping):
            lastSent = now
            return [.send(.pong)]
        case (.joined, .pong):
            return []
        case (.joined, .sessionInvitation(let invitation)):
            // A dialer asks again (same throwaway certificate, so the same `from`) only when its
            // last session could not start: the ones from it still being opened never will.
            let superseded = pending.filter { $0.value == invitation.from }.map(\.key).sorted()
            for id in superseded { pending[id] = nil }
            var actions = superseded.map { Action.abandonSession(id: $0) }
            guard pending.count < Self.maximumPendingSessions, pending.count + openSessions < maximumSessions else { return actions }
            lastSessionID += 1
            pending[lastSessionID] = invitation.from
            actions.append(.openSession(invitation, id: lastSessionID))
            return actions
        case (.joining, .ping):
            lastSent = now
            return [.send(.pong)]
        default:
            return fail("the relay sent a message it should not have: \(Self.name(message))", now: now)
        }
    }

    /// A session-mode connection opened for an invitation became a session (`established`) or failed.
    public mutating func sessionOpened(id: Int, established: Bool) {
        pending[id] = nil
        if established { openSessions += 1 }
    }

    /// A relayed session that was established has closed.
    public mutating func sessionClosed() {
        openSessions = max(0, openSessions - 1)
    }

    /// The connection ended or could not be made (`reason` says why).
    public mutating func connectionFailed(_ reason: String, now: Duration, jitter: Double) -> [Action] {
        switch phase {
        case .stopped, .disconnected: return []
        default:
            failures += 1
            lastError = closeReason ?? reason
            closeReason = nil
            let retryAt = now + RetrySchedule.delay(afterAttempts: failures, jitter: jitter)
            phase = .disconnected(retryAt: retryAt)
            return [.wakeAt(retryAt)]
        }
    }

    public mutating func timerFired(now: Duration) -> [Action] {
        switch phase {
        case .disconnected(let retryAt?) where now >= retryAt:
            closeReason = nil
            phase = .connecting(since: now)
            return [.connect, .wakeAt(now + Self.joinTimeout)]
        case .connecting(let since) where now >= since + Self.joinTimeout:
            return fail("the relay did not complete TLS in time", now: now)
        case .joining(let since) where now >= since + Self.joinTimeout:
            return fail("the relay did not answer the join in time", now: now)
        case .joined:
            if now >= lastReceived + Self.silenceLimit {
                return fail("the relay sent nothing for \(Self.silenceLimit)", now: now)
            }
            var actions: [Action] = []
            if now >= lastSent + Self.pingInterval {
                lastSent = now
                actions.append(.send(.ping))
            }
            actions.append(.wakeAt(min(lastSent + Self.pingInterval, lastReceived + Self.silenceLimit)))
            return actions
        default:
            return []
        }
    }

    public mutating func stop() -> [Action] {
        let open: Bool
        switch phase {
        case .connecting, .joining, .joined: open = true
        default: open = false
        }
        phase = .stopped
        return open ? [.close(reason: "the node is stopping")] : []
    }

    /// Closes now; the I/O layer then reports `connectionFailed`, which schedules the retry.
    private mutating func fail(_ reason: String, now: Duration) -> [Action] {
        if closeReason == nil { closeReason = reason }
        return [.close(reason: reason)]
    }

    static func name(_ message: RelayMessage) -> String {
        switch message {
        case .ping: "Ping"
        case .pong: "Pong"
        case .joinRelayRequest: "JoinRelayRequest"
        case .joinSessionRequest: "JoinSessionRequest"
        case .response(let r): "Response \(r.code)"
        case .connectRequest: "ConnectRequest"
        case .sessionInvitation: "SessionInvitation"
        case .relayFull: "RelayFull"
        }
    }
}
