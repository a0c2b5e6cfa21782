import Testing
@testable import VouchTLS

/// Every transition of the connection state machine, with no channel and no OpenSSL.
@Suite("TLSConnectionStateMachine")
struct TLSConnectionStateMachineTests {
    typealias Machine = TLSConnectionStateMachine
    static let someError = TLSError(.protocolError, "test")

    /// A machine driven to `state` by the normal events.
    static func machine(in state: Machine.State) -> Machine {
        var machine = Machine()
        switch state {
        case .idle:
            break
        case .handshaking:
            _ = machine.channelActiveReceived()
        case .active:
            _ = machine.channelActiveReceived()
            _ = machine.handshakeStepReceived(.complete)
        case .closing:
            _ = machine.channelActiveReceived()
            _ = machine.handshakeStepReceived(.complete)
            _ = machine.closeRequested()
        case .closed:
            _ = machine.channelActiveReceived()
            _ = machine.handshakeStepReceived(.complete)
            _ = machine.closeNotifyReceived()
        case .failed:
            _ = machine.channelActiveReceived()
            _ = machine.handshakeStepReceived(.failed(someError))
        }
        #expect(machine.state == state)
        return machine
    }

    static let allStates: [Machine.State] = [.idle, .handshaking, .active, .closing, .closed, .failed]

    // MARK: channel active

    @Test func channelActiveStartsTheHandshake() {
        var machine = Machine()
        #expect(machine.channelActiveReceived() == .startHandshake)
        #expect(machine.state == .handshaking)
    }

    @Test(arguments: [Machine.State.handshaking, .active, .closing, .closed, .failed])
    func channelActiveIsIgnoredOnceStarted(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.channelActiveReceived() == .none)
        #expect(machine.state == state)
    }

    // MARK: bytes received

    @Test(arguments: [
        (Machine.State.handshaking, Machine.Action.continueHandshake, Machine.State.handshaking),
        (.active, .readApplicationData, .active),
        (.closing, .readApplicationData, .closing),
        (.closed, .dropBytes, .closed),
        (.failed, .dropBytes, .failed),
    ])
    func bytesReceived(state: Machine.State, action: Machine.Action, next: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.bytesReceived() == action)
        #expect(machine.state == next)
    }

    @Test func bytesBeforeActiveFail() {
        var machine = Machine()
        guard case .fail(let error) = machine.bytesReceived() else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .handshakeFailed)
        #expect(machine.state == .failed)
    }

    // MARK: handshake steps

    @Test func incompleteHandshakeStepWaits() {
        var machine = Self.machine(in: .handshaking)
        #expect(machine.handshakeStepReceived(.incomplete) == .none)
        #expect(machine.state == .handshaking)
    }

    @Test func completeHandshakeStepActivates() {
        var machine = Self.machine(in: .handshaking)
        #expect(machine.handshakeStepReceived(.complete) == .completeHandshake)
        #expect(machine.state == .active)
    }

    @Test func failedHandshakeStepFails() {
        var machine = Self.machine(in: .handshaking)
        let error = TLSError(.peerKeyMismatch, "not the pinned key")
        #expect(machine.handshakeStepReceived(.failed(error)) == .fail(error))
        #expect(machine.state == .failed)
    }

    @Test(arguments: [Machine.State.idle, .active, .closing, .closed, .failed])
    func handshakeStepsOutsideTheHandshakeAreIgnored(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.handshakeStepReceived(.complete) == .none)
        #expect(machine.handshakeStepReceived(.failed(Self.someError)) == .none)
        #expect(machine.state == state)
    }

    // MARK: decrypted data

    @Test(arguments: allStates)
    func decryptedDataIsForwardedOnlyWhileActive(state: Machine.State) {
        var machine = Self.machine(in: state)
        let expected: Machine.Action = state == .active ? .forwardApplicationData : .dropApplicationData
        #expect(machine.decryptedDataReceived() == expected)
        #expect(machine.state == state)
    }

    @Test(arguments: [Machine.State.active, .closing])
    func applicationDataFailureFails(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.applicationDataFailedReceived(Self.someError) == .fail(Self.someError))
        #expect(machine.state == .failed)
    }

    @Test(arguments: [Machine.State.idle, .handshaking, .closed, .failed])
    func applicationDataFailureElsewhereIsIgnored(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.applicationDataFailedReceived(Self.someError) == .none)
        #expect(machine.state == state)
    }

    // MARK: application writes

    @Test(arguments: [Machine.State.idle, .handshaking])
    func writesBeforeTheHandshakeAreBuffered(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.applicationWriteReceived() == .bufferWrite)
        #expect(machine.state == state)
    }

    @Test func writesWhileActiveAreEncrypted() {
        var machine = Self.machine(in: .active)
        #expect(machine.applicationWriteReceived() == .encryptWrite)
    }

    @Test(arguments: [Machine.State.closing, .closed, .failed])
    func writesAfterTheEndFail(state: Machine.State) {
        var machine = Self.machine(in: state)
        guard case .failWrite(let error) = machine.applicationWriteReceived() else {
            Issue.record("expected the write to fail")
            return
        }
        #expect(error.code == .connectionClosed)
        #expect(machine.state == state)
    }

    // MARK: close requested

    @Test(arguments: [Machine.State.idle, .handshaking])
    func closeBeforeTheHandshakeCompletesClosesAtOnce(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.closeRequested() == .closeChannel)
        #expect(machine.state == .closed)
    }

    @Test func closeWhileActiveSendsCloseNotify() {
        var machine = Self.machine(in: .active)
        #expect(machine.closeRequested() == .sendCloseNotify)
        #expect(machine.state == .closing)
    }

    @Test func closeWhileClosingWaits() {
        var machine = Self.machine(in: .closing)
        #expect(machine.closeRequested() == .none)
        #expect(machine.state == .closing)
    }

    @Test(arguments: [Machine.State.closed, .failed])
    func closeAfterTheEndClosesTheChannel(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.closeRequested() == .closeChannel)
        #expect(machine.state == state)
    }

    // MARK: close_notify received

    @Test func closeNotifyWhileActiveIsAnsweredAndCloses() {
        var machine = Self.machine(in: .active)
        #expect(machine.closeNotifyReceived() == .replyCloseNotifyAndClose)
        #expect(machine.state == .closed)
    }

    @Test func closeNotifyWhileClosingCompletesTheClose() {
        var machine = Self.machine(in: .closing)
        #expect(machine.closeNotifyReceived() == .closeChannel)
        #expect(machine.state == .closed)
    }

    @Test func closeNotifyDuringTheHandshakeFailsIt() {
        var machine = Self.machine(in: .handshaking)
        guard case .fail(let error) = machine.closeNotifyReceived() else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .handshakeFailed)
        #expect(machine.state == .failed)
    }

    @Test(arguments: [Machine.State.idle, .closed, .failed])
    func closeNotifyAfterTheEndIsIgnored(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.closeNotifyReceived() == .none)
        #expect(machine.state == state)
    }

    // MARK: EOF

    @Test func eofBeforeCloseNotifyIsAnUncleanShutdown() {
        var machine = Self.machine(in: .active)
        guard case .fail(let error) = machine.eofReceived() else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .uncleanShutdown)
        #expect(machine.state == .failed)
    }

    @Test func eofDuringTheHandshakeFailsIt() {
        var machine = Self.machine(in: .handshaking)
        guard case .fail(let error) = machine.eofReceived() else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .handshakeFailed)
        #expect(machine.state == .failed)
    }

    @Test func eofAfterWeSentCloseNotifyIsACleanEnd() {
        var machine = Self.machine(in: .closing)
        #expect(machine.eofReceived() == .closeChannel)
        #expect(machine.state == .closed)
    }

    @Test func eofBeforeActiveCloses() {
        var machine = Machine()
        #expect(machine.eofReceived() == .closeChannel)
        #expect(machine.state == .closed)
    }

    @Test(arguments: [Machine.State.closed, .failed])
    func eofAfterTheEndIsIgnored(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.eofReceived() == .none)
        #expect(machine.state == state)
    }

    // MARK: timers

    @Test func handshakeTimeoutFailsAnUnfinishedHandshake() {
        var machine = Self.machine(in: .handshaking)
        guard case .fail(let error) = machine.handshakeTimeoutFired() else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .handshakeTimeout)
        #expect(machine.state == .failed)
    }

    @Test(arguments: [Machine.State.idle, .active, .closing, .closed, .failed])
    func handshakeTimeoutAfterTheHandshakeIsIgnored(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.handshakeTimeoutFired() == .none)
        #expect(machine.state == state)
    }

    @Test func closeTimeoutClosesWithoutThePeersCloseNotify() {
        var machine = Self.machine(in: .closing)
        #expect(machine.closeTimeoutFired() == .closeChannel)
        #expect(machine.state == .closed)
    }

    @Test(arguments: [Machine.State.idle, .handshaking, .active, .closed, .failed])
    func closeTimeoutOutsideClosingIsIgnored(state: Machine.State) {
        var machine = Self.machine(in: state)
        #expect(machine.closeTimeoutFired() == .none)
        #expect(machine.state == state)
    }

    // MARK: a whole life

    @Test func dataAfterOurCloseIsDroppedUntilThePeerAnswers() {
        var machine = Self.machine(in: .active)
        #expect(machine.decryptedDataReceived() == .forwardApplicationData)
        #expect(machine.closeRequested() == .sendCloseNotify)
        #expect(machine.bytesReceived() == .readApplicationData)
        #expect(machine.decryptedDataReceived() == .dropApplicationData)
        #expect(machine.closeNotifyReceived() == .closeChannel)
        #expect(machine.bytesReceived() == .dropBytes)
        #expect(machine.eofReceived() == .none)
        #expect(machine.state == .closed)
    }
}
