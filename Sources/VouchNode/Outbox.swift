import VouchAdmin
import VouchProtocol
import VouchStore
import Synchronization
import VouchCrypto

/// The sending side of the outbox (Protocol/transport.md §7): the one way any feature sends a
/// message that must arrive. `OutboxWorker` delivers what is queued here.
struct Outbox: Sendable {
    let database: NodeDatabase
    let wakeup: OutboxWakeup
    let publish: @Sendable (NodeEventType, [String: JSONValue]) -> Void

    /// Queues `delivery` for `address.id`, durably, and wakes the worker. The message's id,
    /// timestamps and body are fixed here, so every attempt sends the same bytes.
    func queue(_ delivery: Delivery, to address: NodeAddress, lifetime: UInt64) throws -> OutboxEntry {
        let now = Clock.nowMilliseconds()
        let entry = OutboxEntry(messageID: .random(), peer: address.id, delivery: delivery,
                                sentAt: now, expiresAt: now + lifetime, nextAttemptAt: now)
        try database.rememberPeer(address, nowMilliseconds: now)
        try database.enqueue(entry)
        wakeup.signal()
        publish(.outboxQueued, ["message": .string(entry.messageID.description), "peer": .string(address.id.description),
                                  "type": .string(delivery.type.rawValue)])
        return entry
    }

    /// An entry for `delivery` to `peer` living until `expiresAt`, to be committed by the caller
    /// in the same transaction as the state change that sends it; then call `queued`.
    func entry(_ delivery: Delivery, to peer: NodeID, now: UInt64, expiresAt: UInt64) -> OutboxEntry {
        OutboxEntry(messageID: .random(), peer: peer, delivery: delivery, sentAt: now, expiresAt: expiresAt, nextAttemptAt: now)
    }

    /// After the commit of entries made by `entry`: wakes the worker and tells the scripts.
    func queued(_ entries: [OutboxEntry]) {
        guard !entries.isEmpty else { return }
        wakeup.signal()
        for entry in entries {
            publish(.outboxQueued, ["message": .string(entry.messageID.description), "peer": .string(entry.peer.description),
                                      "type": .string(entry.type.rawValue)])
        }
    }
}

/// A level-triggered wakeup: `signal()` makes the next (or current) `wait` return.
final class OutboxWakeup: Sendable {
    private let state = PThreadLocked<(signalled: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            if let w = s.waiter { s.waiter = nil; return w }
            s.signalled = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when signalled or after `timeout`, whichever is first.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    // Checked under the lock that `release` takes after cancelling, so a waiter
                    // is either released there or never installed.
                    let resumeNow = state.withLock { s -> Bool in
                        if s.signalled || Task.isCancelled { s.signalled = false; return true }
                        s.waiter = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }
    }
}
