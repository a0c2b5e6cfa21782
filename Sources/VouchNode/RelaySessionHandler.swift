import NIOCore
import VouchProtocol
import VouchTLS

/// A relay session that can never start because the two joins collided at strelaysrv: the relay
/// refused ours with code 2, or our join succeeded and the other party never arrived
/// (Protocol/relay.md §4). A dialer asks again with a new ConnectRequest (`RelayDialRetry`).
struct RelaySessionCollision: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Session mode (Protocol/relay.md §4) on a plain TCP connection to a relay: sends the
/// JoinSessionRequest, waits for the relay's success, then builds the ordinary vouch/1 pipeline
/// behind itself (TLS with pinning, framing, the session) and from then on passes every byte
/// through, starting with those that came with the relay's answer. `RelaySessionMachine` decides.
final class RelaySessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let runtime: NodeRuntime
    private let role: VouchTLSHandler.Role
    private let direction: SessionDirection
    private let remoteAddress: String
    private var machine: RelaySessionMachine
    private var established: EventLoopPromise<PeerSession>?
    private var relaying = false
    private var timer: Scheduled<Void>?
    /// A dialer's: how long the other party took to answer after the join (`RelayJoinDelay`).
    private let onPeerAnswer: (@Sendable (Duration) -> Void)?

    /// `dialer`: the dial's retry state, so the handler gives up a session whose other party
    /// never arrives; nil for the invited node.
    init(runtime: NodeRuntime, invitation: RelaySessionInvitation, dialer: RelayDialRetry? = nil,
         onPeerAnswer: (@Sendable (Duration) -> Void)? = nil, role: VouchTLSHandler.Role,
         direction: SessionDirection, remoteAddress: String, established: EventLoopPromise<PeerSession>) {
        self.runtime = runtime
        self.onPeerAnswer = onPeerAnswer
        self.machine = RelaySessionMachine(invitation: invitation, dialer: dialer)
        self.role = role
        self.direction = direction
        self.remoteAddress = remoteAddress
        self.established = established
    }

    func channelActive(context: ChannelHandlerContext) {
        run(machine.connected(now: RelayClock.now()), context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if relaying {
            if let answer = machine.peerSpoke(now: RelayClock.now()) { onPeerAnswer?(answer) }
            context.fireChannelRead(data)
            return
        }
        run(machine.received(Array(unwrapInboundIn(data).readableBytesView), now: RelayClock.now()), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if !relaying {
            established?.fail(SessionError(kind: .closed, message: "the relay closed the session before it was relayed"))
            established = nil
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        established?.fail(SessionError(kind: .closed, message: "the relayed session was abandoned"))
        established = nil
    }

    private func run(_ actions: [RelaySessionMachine.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let message):
                guard let bytes = try? message.encoded() else { continue }
                context.writeAndFlush(NIOAny(ByteBuffer(bytes: bytes)), promise: nil)
            case .wakeAt(let time):
                timer?.cancel()
                timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: RelayClock.deadline(time)) { [self] in
                    run(machine.timerFired(now: RelayClock.now()), context: context)
                }
            case .close(let reason):
                timer?.cancel()
                established?.fail(machine.sessionCollided
                                  ? RelaySessionCollision(message: reason) : SessionError(kind: .closed, message: reason))
                established = nil
                context.close(promise: nil)
            case .startTLS(let remainder):
                timer?.cancel()
                relaying = true
                guard established != nil else { return }
                // `established` stays ours until the handshake ends, so that a dialer's peer
                // wait can still fail it as a collision (which the dialer retries).
                do {
                    try runtime.configurePipeline(context.channel, role: role, direction: direction, remoteAddress: remoteAddress)
                        .assumeIsolated().whenComplete { [self] result in
                            guard let established else { return }
                            self.established = nil
                            established.completeWith(result)
                        }
                } catch {
                    established?.fail(error)
                    established = nil
                    context.close(promise: nil)
                    return
                }
                if !remainder.isEmpty { context.fireChannelRead(wrapInboundOut(ByteBuffer(bytes: remainder))) }
            }
        }
    }
}
