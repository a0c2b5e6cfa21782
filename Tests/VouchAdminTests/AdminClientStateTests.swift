import Foundation
import Testing
@testable import VouchAdmin

/// The client's handling of lines from the daemon, without a socket.
@Suite struct AdminClientStateTests {
    @Test func eventsDroppedByTheDaemonEndTheStreamWithAnError() async throws {
        let state = AdminClientState()
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AdminEvent.self, throwing: (any Error).self)
        try state.startFollowing(continuation)
        let event = AdminEvent(type: "card.received", time: Date(timeIntervalSince1970: 0), data: ["n": 1])
        #expect(state.received(AdminMessage.event(event)) == .none)
        let dropped = AdminEvent(type: AdminEvent.droppedType, data: ["bufferLimit": 1024])
        #expect(state.received(AdminMessage.event(dropped)) == .close)
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next() == event)
        #expect(await adminErrorCode { _ = try await iterator.next() } == "events-dropped")
    }

    @Test func closingTheClientEndsTheStreamNormally() async throws {
        let state = AdminClientState()
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AdminEvent.self, throwing: (any Error).self)
        try state.startFollowing(continuation)
        state.closedByClient()
        state.closed()
        var count = 0
        for try await _ in stream { count += 1 }
        #expect(count == 0)
    }

    @Test func aConnectionErrorWithoutIdFailsTheWaitingCalls() async throws {
        let state = AdminClientState()
        let id = state.allocateID()
        #expect(await adminErrorCode {
            _ = try await withCheckedThrowingContinuation { (waiter: AdminClientState.Waiter) in
                _ = state.register(id: id, waiter, following: false)
                _ = state.received(AdminMessage.error(id: nil, AdminError(.tooLarge, "too long")))
                state.closed()
            }
        } == "too-large")
    }
}
