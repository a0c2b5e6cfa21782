import Synchronization
public import VouchProtocol
import VouchCrypto

/// The node's live sessions, at most one per peer (`SessionTieBreak` decides which one stays).
public final class SessionRegistry: Sendable {
    private let state = PThreadLocked<[NodeID: PeerSession]>([:])

    public init() {}

    /// Registers `session`; returns false if it must be closed because the existing one stays.
    /// When the new one wins, the existing one is closed here.
    func register(_ session: PeerSession, local: NodeID) -> Bool {
        let replaced: PeerSession? = state.withLock { sessions in
            guard let existing = sessions[session.peer] else {
                sessions[session.peer] = session
                return nil
            }
            switch SessionTieBreak.decide(local: local, peer: session.peer, existing: existing.direction, new: session.direction) {
            case .keepExisting:
                return session
            case .keepNew:
                sessions[session.peer] = session
                return existing
            }
        }
        guard let replaced else { return true }
        if replaced.serial == session.serial { return false }
        replaced.close()
        return true
    }

    func remove(_ session: PeerSession) {
        state.withLock { sessions in
            if sessions[session.peer]?.serial == session.serial { sessions[session.peer] = nil }
        }
    }

    public func session(for peer: NodeID) -> PeerSession? {
        state.withLock { $0[peer] }
    }

    public var all: [PeerSession] { state.withLock { Array($0.values) } }

    public var count: Int { state.withLock { $0.count } }
}
