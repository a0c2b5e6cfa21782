import Logging
import Synchronization
import VouchAdmin
import VouchCrypto
import VouchProtocol
import VouchStore

/// Delivers the outbox (Protocol/transport.md §Outbox): each due message is sent on the peer's
/// session (dialing if needed) and removed only when the peer acks it. A failure schedules the
/// next attempt by `RetrySchedule`; a message past its expiry is dropped with an event; an
/// error reply that retrying cannot fix drops it at once.
/// The peers the outbox worker is delivering to now.
final class PeersInFlight: Sendable {
    private let claimed = PThreadLocked(Set<NodeID>())

    var peers: Set<NodeID> { claimed.withLock { $0 } }

    /// Claims `peer` unless it is in flight already or `limit` peers are.
    func start(_ peer: NodeID, limit: Int) -> Bool {
        claimed.withLock { $0.count < limit && $0.insert(peer).inserted }
    }

    func finish(_ peer: NodeID) {
        claimed.withLock { _ = $0.remove(peer) }
    }
}

package struct OutboxWorker: Sendable {
    let runtime: NodeRuntime

    package init(runtime: NodeRuntime) { self.runtime = runtime }

    /// The longest the worker sleeps, so expiry is noticed without a wakeup.
    static let maximumSleep: Duration = .seconds(5)

    /// Error codes a retry cannot cure: the same bytes would be refused again.
    static let permanentErrors: Set<WireErrorCode> = [.malformed, .tooLarge, .unknownType, .unsupportedVersion,
                                                      .wrongRecipient, .expired, .invalidBody]

    /// Peers delivered to at once, each by its own task, its messages in order.
    static let maximumPeersInFlight = 256

    /// Each pass starts a task for every peer with due messages that has none running, and does
    /// not wait for them: a peer that takes long (a connect timeout) holds up only its own
    /// messages. A finishing task wakes the loop, so its peer's later messages go out at once.
    package func run() async {
        let log = runtime.logger
        let inFlight = PeersInFlight()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                do {
                    let now = Clock.nowMilliseconds()
                    for entry in try runtime.database.expireOutbox(nowMilliseconds: now) {
                        log.notice("outbox message expired undelivered", metadata: ["message": .string(entry.messageID.description),
                                                                                    "peer": .string(entry.peer.shortForm)])
                        runtime.publish(.outboxExpired, ["message": .string(entry.messageID.description), "peer": .string(entry.peer.description),
                                                          "type": .string(entry.type.rawValue)])
                    }
                    try runtime.database.pruneReceivedMessages(nowMilliseconds: now)
                    let due = try runtime.database.dueOutbox(nowMilliseconds: now, excluding: inFlight.peers)
                    for (peer, entries) in Dictionary(grouping: due, by: \.peer) where inFlight.start(peer, limit: Self.maximumPeersInFlight) {
                        group.addTask {
                            for entry in entries where !Task.isCancelled { await attempt(entry) }
                            inFlight.finish(peer)
                            runtime.outboxWakeup.signal()
                        }
                    }
                    // A due message of a busy peer waits for its task, which wakes the loop when it ends.
                    let next = try runtime.database.nextOutboxAttempt(excluding: inFlight.peers)
                    let later = Clock.nowMilliseconds()
                    let wait = next.map { Duration.milliseconds(Int64(clamping: $0 > later ? $0 - later : 0)) } ?? Self.maximumSleep
                    await runtime.outboxWakeup.wait(timeout: min(wait, Self.maximumSleep))
                } catch {
                    log.error("outbox pass failed", metadata: ["error": .string("\(error)")])
                    await runtime.outboxWakeup.wait(timeout: Self.maximumSleep)
                }
            }
            group.cancelAll()
        }
    }

    private func attempt(_ entry: OutboxEntry) async {
        let attempts = entry.attempts + 1
        do {
            guard let peer = try runtime.database.peer(entry.peer) else {
                throw SessionError(kind: .closed, message: "no address known for \(entry.peer.shortForm)")
            }
            let (session, dialed) = try await runtime.connect(to: peer.id, endpoints: peer.endpoints)
            let reply = try await session.request(entry.message, timeout: runtime.limits.requestTimeout.timeAmount)
            guard let type = reply.knownType, let body = try? MessageBody(type: type, body: reply.body) else {
                throw SessionError(kind: .closed, message: "peer answered with an invalid \(UntrustedText.escaped(reply.type))")
            }
            switch body {
            case .ack:
                try await runtime.database.removeFromOutbox(entry.messageID)
                runtime.logger.info("outbox message delivered", metadata: ["message": .string(entry.messageID.description),
                                                                           "peer": .string(entry.peer.shortForm), "attempts": .stringConvertible(attempts),
                                                                           "endpoint": .string(dialed?.description ?? "open session")])
                runtime.publish(.outboxDelivered, ["message": .string(entry.messageID.description), "peer": .string(entry.peer.description),
                                                    "type": .string(entry.type.rawValue), "attempts": .int(Int64(attempts))])
            case .error(let error) where Self.permanentErrors.contains(error.code):
                try await runtime.database.removeFromOutbox(entry.messageID)
                runtime.logger.warning("peer refused an outbox message; dropped", metadata: [
                    "message": .string(entry.messageID.description), "code": .string(UntrustedText.escaped(error.code.rawValue)),
                    "reason": .string(UntrustedText.escaped(error.message))])
                runtime.publish(.outboxFailed, ["message": .string(entry.messageID.description), "peer": .string(entry.peer.description),
                                                 "code": .string(error.code.rawValue), "reason": .string(error.message)])
            case .error(let error):
                throw SessionError(kind: .closed, message: "peer answered \(UntrustedText.escaped(error.code.rawValue)): \(UntrustedText.escaped(error.message))")
            case .ping, .pong, .delivery, .query, .answer:
                throw SessionError(kind: .closed, message: "peer answered with \(type.rawValue) instead of ack")
            }
        } catch {
            let delay = RetrySchedule.delay(afterAttempts: attempts, jitter: Double.random(in: 0..<1))
            let next = Clock.nowMilliseconds() + UInt64(delay.milliseconds)
            runtime.logger.info("outbox delivery failed; will retry", metadata: [
                "message": .string(entry.messageID.description), "peer": .string(entry.peer.shortForm),
                "attempts": .stringConvertible(attempts), "retry.in.ms": .stringConvertible(delay.milliseconds), "error": .string("\(error)")])
            do {
                try runtime.database.recordAttempt(entry.messageID, attempts: attempts, nextAttemptAt: next, error: "\(error)")
            } catch {
                runtime.logger.error("cannot record an outbox attempt", metadata: ["error": .string("\(error)")])
            }
        }
    }
}

extension NodeRuntime {
    /// A peer is reachable now: whatever waits for it in the outbox is due at once.
    func peerConnected(_ peer: NodeID) {
        Task { [self] in
            do {
                try database.makeOutboxDueNow(for: peer, nowMilliseconds: Clock.nowMilliseconds())
                try database.markPeerSeen(peer, nowMilliseconds: Clock.nowMilliseconds())
            } catch {
                logger.error("cannot update the outbox for a connected peer", metadata: ["error": .string("\(error)")])
            }
            outboxWakeup.signal()
        }
    }
}
