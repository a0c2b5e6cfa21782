import Logging
import NIOCore

/// First in an inbound connection's pipeline, until the first bytes arrive: closes the
/// connection if they do not arrive within `deadline`, and reports when they do.
///
/// A TLS client sends its ClientHello as soon as TCP connects, so a connection that stays silent
/// is only holding a handshake slot; waiting the whole handshake timeout for it let a few
/// addresses with reopened silent sockets lock every new peer out (issue 10). The handler
/// removes itself once it has seen a byte, so it costs nothing afterwards.
final class FirstBytesDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let deadline: TimeAmount
    private let onFirstBytes: @Sendable () -> Void
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var received = false

    init(deadline: TimeAmount, logger: Logger, onFirstBytes: @escaping @Sendable () -> Void) {
        self.deadline = deadline
        self.logger = logger
        self.onFirstBytes = onFirstBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: deadline) {
            self.logger.info("closing a connection that sent nothing",
                             metadata: ["deadline.ms": "\(self.deadline.nanoseconds / 1_000_000)"])
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
        if !received {
            received = true
            timer?.cancel()
            timer = nil
            onFirstBytes()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
