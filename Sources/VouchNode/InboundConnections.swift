import NIOCore
import Synchronization
import VouchProtocol
import VouchCrypto

/// The listener's table of inbound connections: the pure `ConnectionAdmission`, which decides,
/// and the channel of every admitted connection, so that an eviction it decides can be carried
/// out. Thread-safe: connections are accepted and closed on every event loop.
final class InboundConnections: Sendable {
    private let state: PThreadLocked<(admission: ConnectionAdmission, channels: [ConnectionAdmission.Ticket: any Channel])>

    init(limits: TransportLimits) {
        state = PThreadLocked((ConnectionAdmission(limits: limits), [:]))
    }

    /// Admits `channel` from `address` or refuses it (the caller closes it then). An admitted
    /// connection may take the place of an older half-open one, which is closed here.
    func opened(_ channel: any Channel, from address: String) -> ConnectionAdmission.Verdict {
        let (verdict, evicted) = state.withLock { state -> (ConnectionAdmission.Verdict, (any Channel)?) in
            let verdict = state.admission.connectionOpened(from: address)
            guard case .admit(let ticket, let evicting) = verdict else { return (verdict, nil) }
            state.channels[ticket] = channel
            return (verdict, evicting.flatMap { state.channels.removeValue(forKey: $0) })
        }
        evicted?.close(promise: nil)
        return verdict
    }

    func firstBytesReceived(_ ticket: ConnectionAdmission.Ticket) {
        state.withLock { $0.admission.firstBytesReceived(ticket) }
    }

    func handshakeEnded(_ ticket: ConnectionAdmission.Ticket) {
        state.withLock { $0.admission.handshakeEnded(ticket) }
    }

    func closed(_ ticket: ConnectionAdmission.Ticket) {
        state.withLock { state in
            state.admission.closed(ticket)
            state.channels[ticket] = nil
        }
    }

    /// Connections admitted and not closed, and those of them still in their handshake.
    var counts: (inbound: Int, handshaking: Int) {
        state.withLock { ($0.admission.inbound, $0.admission.handshaking) }
    }
}
