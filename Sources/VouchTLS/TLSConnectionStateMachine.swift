/// The rules of one TLS connection's life, as a value type with no NIO and no OpenSSL in it, so
/// every rule is tested without a channel (`TLSConnectionStateMachineTests`).
///
/// Each event is a `mutating func …Received(…) -> Action`; the handler performs the action and
/// reports outcomes back as further events. The rules it encodes:
/// - writes before the handshake completes are buffered and sent once it does;
/// - a close before the handshake completes closes at once (there is no session to close);
///   after it, we send close_notify and wait for the peer's (or a timeout);
/// - EOF without the peer's close_notify is an unclean shutdown (the peer's data may be cut);
///   EOF after we sent close_notify is a normal end;
/// - once closing, closed or failed, received application data is dropped and writes fail.
struct TLSConnectionStateMachine: Sendable {
    enum State: Sendable, Equatable {
        /// Not yet active: no bytes have moved.
        case idle
        /// The handshake is under way (and its timer running).
        case handshaking
        /// Application data flows both ways.
        case active
        /// We sent close_notify and wait for the peer's.
        case closing
        /// Ended cleanly (or closed before there was anything to close).
        case closed
        /// Ended with an error.
        case failed
    }

    /// How one handshake step went.
    enum HandshakeStepResult: Sendable, Equatable {
        case complete
        case incomplete
        case failed(TLSError)
    }

    enum Action: Sendable, Equatable {
        case none
        /// Start the handshake timer and take the first step (a client sends its ClientHello).
        case startHandshake
        /// Give the bytes to OpenSSL and take a handshake step.
        case continueHandshake
        /// Give the bytes to OpenSSL and read what it decrypts (reporting each piece).
        case readApplicationData
        /// Forward this decrypted data to the next handler.
        case forwardApplicationData
        /// Throw this decrypted data away: we are closing or closed.
        case dropApplicationData
        /// Ignore the received bytes: the connection is over.
        case dropBytes
        /// Keep the write until the handshake completes.
        case bufferWrite
        /// Encrypt the write and send it.
        case encryptWrite
        /// Fail the write's promise.
        case failWrite(TLSError)
        /// Stop the handshake timer, report the handshake, send the buffered writes, then read
        /// anything that arrived with the peer's last flight.
        case completeHandshake
        /// Send close_notify and start waiting for the peer's.
        case sendCloseNotify
        /// Answer the peer's close_notify with ours, then close the channel.
        case replyCloseNotifyAndClose
        /// Close the channel (fail any buffered writes).
        case closeChannel
        /// Report the error, fail buffered writes, send any alert OpenSSL queued, close.
        case fail(TLSError)
    }

    private(set) var state: State = .idle

    mutating func channelActiveReceived() -> Action {
        guard state == .idle else { return .none }
        state = .handshaking
        return .startHandshake
    }

    mutating func bytesReceived() -> Action {
        switch state {
        case .idle:
            // NIO delivers channelActive before any read; bytes now mean a broken pipeline.
            return fail(TLSError(.handshakeFailed, "bytes arrived before the connection became active"))
        case .handshaking: return .continueHandshake
        case .active, .closing: return .readApplicationData
        case .closed, .failed: return .dropBytes
        }
    }

    mutating func handshakeStepReceived(_ result: HandshakeStepResult) -> Action {
        guard state == .handshaking else { return .none }
        switch result {
        case .incomplete:
            return .none
        case .complete:
            state = .active
            return .completeHandshake
        case .failed(let error):
            return fail(error)
        }
    }

    mutating func decryptedDataReceived() -> Action {
        state == .active ? .forwardApplicationData : .dropApplicationData
    }

    /// Reading or writing application data failed in OpenSSL (a bad record, a fatal alert).
    mutating func applicationDataFailedReceived(_ error: TLSError) -> Action {
        switch state {
        case .active, .closing: return fail(error)
        case .idle, .handshaking, .closed, .failed: return .none
        }
    }

    mutating func applicationWriteReceived() -> Action {
        switch state {
        case .idle, .handshaking: return .bufferWrite
        case .active: return .encryptWrite
        case .closing, .closed: return .failWrite(TLSError(.connectionClosed, "the TLS connection is closed"))
        case .failed: return .failWrite(TLSError(.connectionClosed, "the TLS connection failed"))
        }
    }

    mutating func closeRequested() -> Action {
        switch state {
        case .idle, .handshaking:
            state = .closed
            return .closeChannel
        case .active:
            state = .closing
            return .sendCloseNotify
        case .closing:
            return .none
        case .closed, .failed:
            return .closeChannel
        }
    }

    mutating func closeNotifyReceived() -> Action {
        switch state {
        case .active:
            state = .closed
            return .replyCloseNotifyAndClose
        case .closing:
            state = .closed
            return .closeChannel
        case .handshaking:
            return fail(TLSError(.handshakeFailed, "the peer closed the connection during the handshake"))
        case .idle, .closed, .failed:
            return .none
        }
    }

    mutating func eofReceived() -> Action {
        switch state {
        case .idle:
            state = .closed
            return .closeChannel
        case .handshaking:
            return fail(TLSError(.handshakeFailed, "the connection ended during the handshake"))
        case .active:
            return fail(TLSError(.uncleanShutdown, "the connection ended without the peer's close_notify"))
        case .closing:
            state = .closed
            return .closeChannel
        case .closed, .failed:
            return .none
        }
    }

    mutating func handshakeTimeoutFired() -> Action {
        guard state == .handshaking else { return .none }
        return fail(TLSError(.handshakeTimeout, "the TLS handshake did not complete in time"))
    }

    /// The peer did not answer our close_notify in time: close anyway.
    mutating func closeTimeoutFired() -> Action {
        guard state == .closing else { return .none }
        state = .closed
        return .closeChannel
    }

    private mutating func fail(_ error: TLSError) -> Action {
        state = .failed
        return .fail(error)
    }
}
