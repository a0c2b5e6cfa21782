public import Foundation
import Synchronization
import VouchCrypto

/// Where the node publishes events and where each `events.follow` connection subscribes.
///
/// `publish` never waits and never fails: the node calls it from wherever something happened
/// (a session handler, a store write), and a follower that reads slowly must not slow those down.
/// Each subscriber therefore has a bounded buffer; when it is full the subscriber is marked as
/// overflowed, its buffer is discarded, and its connection gets one `events.dropped` line and is
/// closed. A script that sees `events.dropped` knows it missed events and can re-read state.
///
/// A class around a `Mutex` rather than an actor: publishing is synchronous from any context, and
/// the critical sections are a few array operations.
public final class AdminEventBus: Sendable {
    /// How many events a subscriber may have waiting before it is dropped.
    public let bufferLimit: Int
    private let state = PThreadLocked(State())

    public init(bufferLimit: Int = 1024) {
        precondition(bufferLimit > 0, "an event buffer must hold at least one event")
        self.bufferLimit = bufferLimit
    }

    /// Publishes an event to every subscriber whose filter matches its type.
    public func publish(type: String, data: JSONValue = [:], time: Date = Date()) {
        publish(AdminEvent(type: type, time: time, data: data))
    }

    public func publish(_ event: AdminEvent) {
        let wake: [CheckedContinuation<AdminEventSubscription.Item?, Never>] = state.withLock { state in
            var wake: [CheckedContinuation<AdminEventSubscription.Item?, Never>] = []
            // Walks the values in place (no copy of the table per event).
            var index = state.subscribers.values.startIndex
            while index != state.subscribers.values.endIndex {
                defer { state.subscribers.values.formIndex(after: &index) }
                guard state.subscribers.values[index].accepts(event.type) else { continue }
                if let waiter = state.subscribers.values[index].waiter {
                    state.subscribers.values[index].waiter = nil
                    wake.append(waiter)
                } else if !state.subscribers.values[index].overflowed {
                    state.subscribers.values[index].offer(event, limit: bufferLimit)
                }
            }
            return wake
        }
        // Resumed outside the lock: a resumed task may run at once and call back into the bus.
        for waiter in wake { waiter.resume(returning: .event(event)) }
    }

    /// How many followers are connected (for `vouch status`, and for tests).
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// A new subscription that receives events published from now on. `types` nil means all.
    func subscribe(types: Set<String>?) -> AdminEventSubscription {
        let id = state.withLock { state in
            state.nextID += 1
            state.subscribers[state.nextID] = Subscriber(types: types)
            return state.nextID
        }
        return AdminEventSubscription(bus: self, id: id)
    }

    // MARK: - Used by AdminEventSubscription

    /// Takes the next item for `id`, or stores `waiter` to be resumed by the next publish.
    fileprivate func next(id: UInt64, waiter: CheckedContinuation<AdminEventSubscription.Item?, Never>) {
        let item: AdminEventSubscription.Item?? = state.withLock { state in
            guard state.subscribers[id] != nil else { return .some(nil) }
            if state.subscribers[id]!.overflowed {
                state.subscribers[id] = nil
                return .some(.dropped)
            }
            if let event = state.subscribers[id]!.popFirst() { return .some(.event(event)) }
            state.subscribers[id]!.waiter = waiter
            return .none
        }
        if case .some(let item) = item { waiter.resume(returning: item) }
    }

    /// Removes `id`; a task waiting for its next event gets nil.
    fileprivate func cancel(id: UInt64) {
        let waiter = state.withLock { state in state.subscribers.removeValue(forKey: id)?.waiter }
        waiter?.resume(returning: nil)
    }

    private struct State {
        var nextID: UInt64 = 0
        var subscribers: [UInt64: Subscriber] = [:]
    }

    private struct Subscriber {
        let types: Set<String>?
        /// Events from `head` on are not yet taken; the taken prefix is dropped in batches, so
        /// taking is O(1) amortized.
        var buffer: [AdminEvent] = []
        var head = 0
        var pending: Int { buffer.count - head }
        var overflowed = false
        var waiter: CheckedContinuation<AdminEventSubscription.Item?, Never>?

        init(types: Set<String>?) { self.types = types }

        func accepts(_ type: String) -> Bool { types?.contains(type) ?? true }

        /// Buffers `event`, or marks the subscriber overflowed (dropping what it had buffered:
        /// it will be disconnected, and a reader that missed events must re-read state anyway).
        mutating func offer(_ event: AdminEvent, limit: Int) {
            if pending >= limit {
                overflowed = true
                buffer = []
                head = 0
            } else {
                buffer.append(event)
            }
        }

        mutating func popFirst() -> AdminEvent? {
            guard head < buffer.count else { return nil }
            let event = buffer[head]
            head += 1
            if head == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64, head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return event
        }
    }
}

/// One follower's view of the bus. Single consumer: one connection task calls `next()`.
final class AdminEventSubscription: Sendable {
    enum Item: Sendable, Equatable {
        case event(AdminEvent)
        /// The buffer overflowed; this is the last item.
        case dropped
    }

    private let bus: AdminEventBus
    private let id: UInt64

    fileprivate init(bus: AdminEventBus, id: UInt64) {
        self.bus = bus
        self.id = id
    }

    /// The next event, `.dropped` once after an overflow, then nil; nil as well once cancelled
    /// (the task's or `cancel()`).
    func next() async -> Item? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiter in bus.next(id: id, waiter: waiter) }
        } onCancel: {
            bus.cancel(id: id)
        }
    }

    func cancel() { bus.cancel(id: id) }

    deinit { bus.cancel(id: id) }
}
