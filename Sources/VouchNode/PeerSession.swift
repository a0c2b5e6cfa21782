public import NIOCore
public import VouchProtocol
public import VouchTLS

/// An authenticated session with a peer, usable from any thread: the channel, who is on the
/// other end, and what TLS negotiated. Requests go through the session's handler on its event loop.
public struct PeerSession: Sendable {
    public let peer: NodeID
    public let direction: SessionDirection
    public let tls: TLSHandshakeCompleted
    public let channel: any Channel
    let handler: NIOLoopBound<PeerSessionHandler>
    /// Distinguishes this session from an earlier or later one with the same peer.
    public let serial: UInt64

    /// Sends `message` and waits for the message that names it in `reply_to`.
    /// An `error` reply is returned like any other; the caller decides what it means.
    public func request(_ message: WireMessage, timeout: TimeAmount) async throws -> WireMessage {
        let handler = self.handler
        return try await channel.eventLoop.flatSubmit {
            handler.value.sendRequest(message, timeout: timeout)
        }.get()
    }

    public func close() {
        channel.close(promise: nil)
    }
}

/// A request's reply did not arrive.
public struct SessionError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case timeout, closed }
    public let kind: Kind
    public let message: String
    public var description: String { message }
}
