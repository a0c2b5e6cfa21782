/// A dialer's temporary protocol-mode connection (Protocol/relay.md §4): with a throwaway
/// certificate, one ConnectRequest for the node's device ID; the answer is a SessionInvitation
/// (go to session mode, then TLS as the client, pinning the node ID) or "not here".
public struct RelayConnectMachine: Sendable {
    public static let answerTimeout: Duration = .seconds(10)

    public enum Action: Sendable, Equatable {
        case send(RelayMessage)
        case openSession(RelaySessionInvitation)
        case fail(reason: String)
        case wakeAt(Duration)
    }

    private let device: RelayDeviceID
    private var askedAt: Duration?
    private var done = false

    public init(device: RelayDeviceID) {
        self.device = device
    }

    public mutating func connected(now: Duration) -> [Action] {
        guard askedAt == nil, !done else { return [] }
        askedAt = now
        return [.send(.connectRequest(device: device.bytes)), .wakeAt(now + Self.answerTimeout)]
    }

    public mutating func received(_ message: RelayMessage) -> [Action] {
        guard askedAt != nil, !done else { return [] }
        done = true
        switch message {
        case .sessionInvitation(let invitation) where invitation.from == device.bytes:
            return [.openSession(invitation)]
        case .sessionInvitation:
            return [.fail(reason: "the relay offered a session with another device than the one asked for")]
        case .response(let response) where response.code == RelayResponse.notFound:
            return [.fail(reason: "the node is not at this relay now")]
        case .relayFull:
            return [.fail(reason: "the relay is full")]
        default:
            return [.fail(reason: "the relay answered with \(RelayJoinMachine.name(message))")]
        }
    }

    public mutating func timerFired(now: Duration) -> [Action] {
        guard let askedAt, !done, now >= askedAt + Self.answerTimeout else { return [] }
        done = true
        return [.fail(reason: "the relay did not answer in time")]
    }

    public mutating func connectionClosed() -> [Action] {
        guard !done else { return [] }
        done = true
        return [.fail(reason: "the relay closed the connection without an answer")]
    }
}
